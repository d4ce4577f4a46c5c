//! Files of a refused form kept for its correction (upload once): a page's form that is
//! refused for what was typed keeps the files that passed their check, sealed, for the same
//! officer and household or rectification item (`VisitStore::keep_photo_drafts`,
//! `RectificationStore::keep_item_drafts`), shows them ticked, and the corrected form takes
//! them instead of new uploads. Visit photos, 三保障 evidence and rectification evidence share
//! it.

use crate::AppError;
use dixian_domain::access::Actor;
use dixian_domain::monitoring::FieldProblem;
use dixian_domain::registry::HouseholdCode;
use dixian_store::visits::PHOTO_DRAFT_HOURS;
use dixian_store::{NewAttachment, PhotoMeta, Store, StoreError};

/// A form with files that was not saved: why, and the files kept for the corrected form
/// (those chosen now and those kept before), so they need not be chosen again.
#[derive(Debug)]
pub struct FormRefusal {
    pub error: AppError,
    pub kept: Vec<PhotoMeta>,
}

impl From<AppError> for FormRefusal {
    fn from(error: AppError) -> Self {
        FormRefusal {
            error,
            kept: Vec::new(),
        }
    }
}

impl From<StoreError> for FormRefusal {
    fn from(e: StoreError) -> Self {
        AppError::from(e).into()
    }
}

/// What a form's kept files belong to: a household's form or a rectification item's step.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Owner<'a> {
    Household(&'a HouseholdCode),
    Item(i64),
}

impl<'a> From<&'a HouseholdCode> for Owner<'a> {
    fn from(h: &'a HouseholdCode) -> Self {
        Owner::Household(h)
    }
}

/// The ticked kept files still there (a double submit or a day's wait leaves fewer), and the
/// problem to say beside the file box when some are gone.
pub(crate) async fn still_kept(
    store: &dyn Store,
    actor: &Actor,
    owner: impl Into<Owner<'_>>,
    ticked: &[i64],
) -> Result<(Vec<PhotoMeta>, Option<FieldProblem>), AppError> {
    let mut wanted = ticked.to_vec();
    wanted.sort_unstable();
    wanted.dedup();
    if wanted.is_empty() {
        return Ok((Vec::new(), None));
    }
    let kept = match owner.into() {
        Owner::Household(h) => store.photo_drafts(actor, h, &wanted).await?,
        Owner::Item(id) => store.item_drafts(actor, id, &wanted).await?,
    };
    let gone = wanted.len() - kept.len().min(wanted.len());
    let problem = (gone > 0).then(|| {
        (
            "file",
            format!(
                "勾选保留的文件中有{gone}个已不可用（超过{PHOTO_DRAFT_HOURS}小时，或这次已经保存过，请先看记录）；需要时请重新选择"
            ),
        )
    });
    Ok((kept, problem))
}

/// After a refusal for what was typed: `kept` and, when they fit within `max`, the files
/// that passed their check now, kept too (too many keep no new one: the officer chooses).
pub(crate) async fn refused_keeping(
    store: &dyn Store,
    actor: &Actor,
    owner: impl Into<Owner<'_>>,
    error: AppError,
    mut kept: Vec<PhotoMeta>,
    checked: &[NewAttachment],
    max: usize,
) -> FormRefusal {
    if !checked.is_empty() && kept.len() + checked.len() <= max {
        let still: Vec<i64> = kept.iter().map(|k| k.id).collect();
        let more = match owner.into() {
            Owner::Household(h) => store.keep_photo_drafts(actor, h, &still, checked).await,
            Owner::Item(id) => store.keep_item_drafts(actor, id, &still, checked).await,
        };
        match more {
            Ok(more) => kept.extend(more),
            // The refusal is what the officer must read; the files are chosen again.
            Err(e) => tracing::warn!(error = %e, "未能保留表单中的文件"),
        }
    }
    FormRefusal { error, kept }
}
