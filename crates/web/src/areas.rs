//! The area filter of a list, in words: the officer's whole area, the divisions one level
//! down (the towns of a county), and the villages of the town chosen — a picker that works
//! without script, one level per submit, instead of a twelve-digit code to type.

use dixian_domain::access::{Actor, Scope};
use dixian_domain::division::DivisionCode;
use dixian_store::Store;

pub(crate) struct AreaChoice {
    /// Empty: the whole area.
    pub code: String,
    pub label: String,
    pub selected: bool,
}

/// The area of a list's `area` query: empty for the officer's whole area, else a code.
pub(crate) fn parse_area(text: &str) -> Result<Option<DivisionCode>, dixian_app::AppError> {
    match text.trim() {
        "" => Ok(None),
        t => DivisionCode::parse(t)
            .map(Some)
            .map_err(|e| dixian_app::AppError::Invalid(vec![format!("地区：{e}")])),
    }
}

/// The choices for `current` (none: the whole area). A division the table lacks is left out;
/// a chosen one outside the lists is still offered, by its code, so the form says what it
/// shows.
pub(crate) async fn area_choices(
    store: &dyn Store,
    actor: &Actor,
    current: Option<&DivisionCode>,
) -> Vec<AreaChoice> {
    let mut out = vec![AreaChoice {
        code: String::new(),
        label: "全辖区".into(),
        selected: current.is_none(),
    }];
    let top = match &actor.scope {
        Scope::Within(root) => store.child_divisions(root).await,
        Scope::Everything => store.root_divisions().await,
    };
    let top = match top {
        Ok(list) => list,
        Err(e) => {
            tracing::warn!(error = %e, "区划列表读取失败");
            Vec::new()
        }
    };
    let mut offered = false;
    for d in top {
        let chosen = current == Some(&d.code);
        offered |= chosen;
        let opened = current.is_some_and(|c| c.is_within(&d.code));
        out.push(AreaChoice {
            code: d.code.to_string(),
            label: d.name.clone(),
            selected: chosen,
        });
        if opened && let Ok(children) = store.child_divisions(&d.code).await {
            for c in children {
                let chosen = current == Some(&c.code);
                offered |= chosen;
                out.push(AreaChoice {
                    code: c.code.to_string(),
                    label: format!("　{}", c.name),
                    selected: chosen,
                });
            }
        }
    }
    if let Some(c) = current
        && !offered
    {
        out.push(AreaChoice {
            code: c.to_string(),
            label: c.to_string(),
            selected: true,
        });
    }
    out
}

/// Every division of the actor's area a record may be about, as (code, label): the root
/// (县 or 乡镇 marked), its towns and its villages with their town's name, in code order.
pub(crate) async fn division_choices(store: &dyn Store, actor: &Actor) -> Vec<(String, String)> {
    use dixian_domain::division::DivisionLevel;
    let Scope::Within(root) = &actor.scope else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Ok(Some(r)) = store.division(root).await {
        let level = match r.code.level() {
            DivisionLevel::County => "（县）",
            DivisionLevel::Town => "（乡镇）",
            _ => "",
        };
        out.push((r.code.to_string(), format!("{}{level}", r.name)));
    }
    let all = store.divisions_within(root).await.unwrap_or_default();
    for d in &all {
        match d.code.level() {
            DivisionLevel::Town => out.push((d.code.to_string(), format!("{}（乡镇）", d.name))),
            DivisionLevel::Village => {
                let town = all
                    .iter()
                    .find(|t| Some(t.code) == d.code.ancestor_at(DivisionLevel::Town))
                    .map(|t| t.name.as_str())
                    .unwrap_or("");
                out.push((d.code.to_string(), format!("{town}{}", d.name)));
            }
            _ => {}
        }
    }
    out
}
