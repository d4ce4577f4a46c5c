//! The rectification ledger (整改台账, issue 22): findings entered with the pack's sources,
//! steps taken by the rules of `dixian_domain::rectification`, a weak village struck off only
//! when its stored collective account shows the target met, and the ledger written as the
//! three lists a county sends (问题清单 · 任务清单 · 责任清单).

use crate::AppError;
use crate::areas::actor_county;
use crate::drafts::{FormRefusal, Owner};
use crate::fields::{date_field, day_or_today};
use crate::policy::{resolve, stored_set};
use chrono::NaiveDate;
use dixian_domain::access::Actor;
use dixian_domain::division::{DivisionCode, DivisionLevel};
use dixian_domain::monitoring::FieldProblem;
use dixian_domain::policy::CodeItem;
use dixian_domain::rectification::{ItemAction, ItemState, ItemStep, NewItem};
use dixian_store::Store;
use dixian_store::rectification::{ItemFilter, ItemRecord, StepInput};

/// The pack's sources (问题来源) in force for `division`'s county on `on`.
pub async fn sources(
    store: &dyn Store,
    division: &DivisionCode,
    on: NaiveDate,
) -> Result<Vec<CodeItem>, AppError> {
    let county = division
        .ancestor_at(DivisionLevel::County)
        .unwrap_or(*division);
    let set = stored_set(store).await?;
    Ok(resolve(&set, &county, on)?.finding_sources)
}

/// The name of source `code` in `table`, or the code itself.
pub fn source_name(table: &[CodeItem], code: &str) -> String {
    table
        .iter()
        .find(|s| s.code == code)
        .map_or_else(|| code.to_string(), |s| s.name.clone())
}

/// The finding form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct ItemForm {
    pub division: String,
    pub source: String,
    pub title: String,
    /// Empty: today.
    pub found_on: String,
    pub unit: String,
    pub person: String,
    pub measures: String,
    pub deadline: String,
}

/// Records a finding; every problem of the form named beside its box. Gives its id.
pub async fn add(
    store: &dyn Store,
    actor: &Actor,
    f: &ItemForm,
    today: NaiveDate,
) -> Result<i64, AppError> {
    let mut p: Vec<FieldProblem> = Vec::new();
    let division = match DivisionCode::parse(f.division.trim()) {
        Ok(d) => Some(d),
        Err(e) => {
            p.push(("division", format!("涉及地区：{e}")));
            None
        }
    };
    let found_on = day_or_today(&mut p, "found_on", &f.found_on, today, "发现日期");
    let deadline = date_field(&mut p, "deadline", &f.deadline, "整改时限");
    let Some(region) = division.or_else(|| actor_county(actor)) else {
        return Err(AppError::Fields(p));
    };
    let table = sources(store, &region, today).await?;
    let source = f.source.trim();
    if source == dixian_domain::rectification::WEAK_SOURCE {
        p.push((
            "source",
            "经济薄弱村扶持事项在“经济薄弱村”页纳入扶持时生成".into(),
        ));
    } else if !table.iter().any(|s| s.code == source) {
        p.push(("source", format!("问题来源“{source}”不在政策包的来源表中")));
    }
    let (Some(division), Some(found_on), Some(deadline)) = (division, found_on, deadline) else {
        return Err(AppError::Fields(p));
    };
    let item = NewItem {
        division,
        source: source.to_string(),
        title: f.title.trim().to_string(),
        found_on,
        unit: f.unit.trim().to_string(),
        person: f.person.trim().to_string(),
        measures: f.measures.trim().to_string(),
        deadline,
    };
    p.extend(item.problems());
    if !p.is_empty() {
        return Err(AppError::Fields(p));
    }
    Ok(store.add_item(actor, &item).await?)
}

/// A step's form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct StepForm {
    pub step: String,
    /// Empty: today.
    pub on: String,
    pub note: String,
    pub evidence: String,
    pub version: String,
    /// Scans kept from an earlier refusal of this form, still wanted (a page's form only).
    #[serde(skip)]
    pub kept: Vec<i64>,
    /// Whether a refusal keeps the scans that passed their check for the corrected form.
    #[serde(skip)]
    pub keep_refused_files: bool,
}

/// Takes a step on item `id`. A weak village is struck off only when its latest account after
/// the ranked years reaches its target (the store reads the stored account: entered once).
/// `files` are the evidence scans or photos uploaded with it, (name, bytes), each checked to
/// be a JPEG, PNG or PDF within the size limit; refused for what was typed, a page's form gets
/// those that passed kept for its correction (see [`crate::drafts`]). Gives the step taken.
pub async fn step(
    store: &dyn Store,
    actor: &Actor,
    id: i64,
    f: &StepForm,
    files: Vec<(String, Vec<u8>)>,
    today: NaiveDate,
) -> Result<ItemStep, FormRefusal> {
    let Some(step) = ItemStep::parse(f.step.trim()) else {
        return Err(AppError::Invalid(vec![format!("没有“{}”这一步", f.step.trim())]).into());
    };
    let carries_files = matches!(
        step,
        ItemStep::Progress | ItemStep::Act(ItemAction::Resolve)
    );
    let mut p: Vec<FieldProblem> = Vec::new();
    // Files are looked at only for someone who may take the step, and only on the steps that
    // bring evidence: checking a photo takes a core for a while.
    if !files.is_empty() || !f.kept.is_empty() {
        crate::accounts::require(
            store,
            actor,
            dixian_domain::access::Permission::HandleCases,
            &format!("整改事项#{id}"),
        )
        .await?;
        if !carries_files {
            return Err(AppError::Fields(vec![(
                "file",
                "核实销号和退回不附扫描件：请在记录进展或报告整改完成时上传".into(),
            )])
            .into());
        }
    }
    let (kept, gone) = crate::drafts::still_kept(store, actor, Owner::Item(id), &f.kept).await?;
    p.extend(gone);
    let max = dixian_store::rectification::MAX_ITEM_FILES;
    if files.len() + kept.len() > max {
        p.push((
            "file",
            format!(
                "每次最多上传{max}个佐证材料，选了{}个{}",
                files.len(),
                if kept.is_empty() {
                    String::new()
                } else {
                    format!("、保留{}个", kept.len())
                }
            ),
        ));
    }
    let mut checked = Vec::with_capacity(files.len());
    for (name, bytes) in files.into_iter().take(max) {
        match crate::monitoring::attachment("other", &name, bytes).await {
            Ok(a) => checked.push(a),
            Err(AppError::Busy(m)) => return Err(AppError::Busy(m).into()),
            Err(e) => p.push(("file", e.to_string())),
        }
    }
    match step_checked(store, actor, id, step, f, p, &checked, &kept, today).await {
        Ok(step) => Ok(step),
        Err(e) if f.keep_refused_files && carries_files && e.correctable() => Err(
            crate::drafts::refused_keeping(store, actor, Owner::Item(id), e, kept, &checked, max)
                .await,
        ),
        Err(e) => Err(e.into()),
    }
}

/// The step with its files checked: what was typed, then the store's write.
#[allow(clippy::too_many_arguments)]
async fn step_checked(
    store: &dyn Store,
    actor: &Actor,
    id: i64,
    step: ItemStep,
    f: &StepForm,
    mut p: Vec<FieldProblem>,
    checked: &[dixian_store::NewAttachment],
    kept: &[dixian_store::PhotoMeta],
    today: NaiveDate,
) -> Result<ItemStep, AppError> {
    let on = day_or_today(&mut p, "on", &f.on, today, "办理日期");
    let version = f
        .version
        .trim()
        .parse::<i64>()
        .map_err(|_| AppError::Invalid(vec!["表单缺少版本号，请刷新页面后再办理".into()]))?;
    p.extend(step.problems(&f.note, &f.evidence));
    let Some(on) = on else {
        return Err(AppError::Fields(p));
    };
    if !p.is_empty() {
        return Err(AppError::Fields(p));
    }
    // 销号 of a weak village is checked in the store against its stored account, with the
    // pack's operating items of the item's county.
    let operating = if step == ItemStep::Act(ItemAction::Close) {
        let Some((record, _)) = store.item(actor, id).await? else {
            return Err(AppError::NotFound(format!("整改事项#{id}不存在")));
        };
        match &record.weak {
            Some(w) => crate::villages::rules(store, &w.village, today)
                .await?
                .0
                .operating(),
            None => Vec::new(),
        }
    } else {
        Vec::new()
    };
    store
        .step_item(
            actor,
            id,
            version,
            &StepInput {
                step,
                on,
                note: f.note.trim().to_string(),
                evidence: f.evidence.trim().to_string(),
                files: checked.to_vec(),
                drafts: kept.iter().map(|k| k.id).collect(),
                operating,
            },
        )
        .await?;
    Ok(step)
}

/// The steps `actor` may take on an item in `state` now, in the order a page offers them.
pub fn steps_for(actor: &Actor, state: ItemState) -> Vec<ItemStep> {
    if !actor.may(dixian_domain::access::Permission::HandleCases) {
        return Vec::new();
    }
    let mut out: Vec<ItemStep> = Vec::new();
    if ItemStep::Progress.apply(state).is_ok() {
        out.push(ItemStep::Progress);
    }
    out.extend(
        ItemAction::available(state)
            .into_iter()
            .filter(|a| a.permitted(actor.role))
            .map(ItemStep::Act),
    );
    out
}

/// The ledger's filter as a page's or the API's query gives it; empty fields mean any.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct ItemQuery {
    /// A division code inside the actor's area.
    pub area: String,
    pub state: String,
    /// A code of the pack's `codes.finding_source`.
    pub source: String,
    /// A designation code (认定类别); empty: any.
    pub designation: String,
}

impl ItemQuery {
    /// The store filter on the server's day `today` (when a designation must hold), or what
    /// is wrong with the query.
    pub fn filter(&self, today: NaiveDate) -> Result<ItemFilter, AppError> {
        let within = match self.area.trim() {
            "" => None,
            t => Some(
                DivisionCode::parse(t)
                    .map_err(|e| AppError::Invalid(vec![format!("地区：{e}")]))?,
            ),
        };
        let state = match self.state.trim() {
            "" => None,
            s => Some(
                ItemState::parse(s)
                    .ok_or_else(|| AppError::Invalid(vec![format!("没有“{s}”这种状态")]))?,
            ),
        };
        let designation = dixian_domain::villages::designation_code(&self.designation)
            .map_err(|e| AppError::Invalid(vec![e]))?;
        Ok(ItemFilter {
            within,
            state,
            source: Some(self.source.trim().to_string()).filter(|s| !s.is_empty()),
            designation: designation.map(|d| (d, today)),
        })
    }
}

/// The ledger of an area: its items with the sources' names, and the counts a page heads with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ledger {
    /// Newest first, at most `MAX_ITEMS`.
    pub items: Vec<ItemRecord>,
    /// Whether there were more than `MAX_ITEMS` (the oldest left out: narrow the filter).
    pub cut: bool,
    pub sources: Vec<CodeItem>,
    pub open: usize,
    pub resolved: usize,
    pub closed: usize,
    pub overdue: usize,
}

/// The items of `filter`, with the pack's sources for `area` (the actor's county).
pub async fn ledger(
    store: &dyn Store,
    actor: &Actor,
    filter: &ItemFilter,
    today: NaiveDate,
) -> Result<Ledger, AppError> {
    let mut items = store.items(actor, filter).await?;
    let cut = items.len() > dixian_store::rectification::MAX_ITEMS;
    items.truncate(dixian_store::rectification::MAX_ITEMS);
    let region = filter.within.or_else(|| actor_county(actor));
    let sources = match region {
        Some(r) => sources(store, &r, today).await?,
        None => Vec::new(),
    };
    let count = |s: ItemState| items.iter().filter(|i| i.state == s).count();
    Ok(Ledger {
        open: count(ItemState::Open),
        resolved: count(ItemState::Resolved),
        closed: count(ItemState::Closed),
        overdue: items.iter().filter(|i| i.dates().overdue_on(today)).count(),
        cut,
        items,
        sources,
    })
}

/// The ledger as the three lists (问题清单 · 任务清单 · 责任清单), one sheet each.
pub async fn workbook(
    store: &dyn Store,
    actor: &Actor,
    filter: &ItemFilter,
    today: NaiveDate,
) -> Result<Vec<crate::workbook::Table>, AppError> {
    use crate::workbook::{Cell, Table};
    crate::accounts::require(
        store,
        actor,
        dixian_domain::access::Permission::ExportLedger,
        "整改台账导出",
    )
    .await?;
    let l = ledger(store, actor, filter, today).await?;
    let area = filter.within.or_else(|| actor_county(actor));
    let whose = match area {
        Some(c) => store
            .division(&c)
            .await?
            .map_or_else(|| c.to_string(), |d| d.name),
        None => "全部".into(),
    };
    let subtitle = format!("填报单位：{whose}　截至：{today}　共{}项", l.items.len());
    let place = |i: &ItemRecord| {
        if i.division_name.is_empty() {
            i.item.division.to_string()
        } else {
            i.division_name.clone()
        }
    };
    let state = |i: &ItemRecord| {
        let mut s = i.state.label().to_string();
        if i.dates().overdue_on(today) {
            s.push_str("（逾期）");
        }
        s
    };
    let table = |sheet: &str,
                 columns: Vec<(&'static str, u16)>,
                 row: &dyn Fn(&ItemRecord) -> Vec<Cell>| Table {
        sheet: sheet.into(),
        title: format!("{whose}整改落实台账（{sheet}）"),
        subtitle: subtitle.clone(),
        columns,
        rows: l.items.iter().map(row).collect(),
        total: None,
    };
    Ok(vec![
        table(
            "问题清单",
            vec![
                ("编号", 8),
                ("涉及地区", 16),
                ("问题来源", 14),
                ("问题", 50),
                ("发现日期", 12),
                ("状态", 14),
            ],
            &|i| {
                vec![
                    Cell::Count(i.id),
                    Cell::text(place(i)),
                    Cell::text(source_name(&l.sources, &i.item.source)),
                    Cell::text(&i.item.title),
                    Cell::Date(i.item.found_on),
                    Cell::text(state(i)),
                ]
            },
        ),
        table(
            "任务清单",
            vec![
                ("编号", 8),
                ("问题", 30),
                ("整改措施", 50),
                ("整改时限", 12),
                ("最新进展", 40),
                ("状态", 14),
                ("销号日期", 12),
            ],
            &|i| {
                vec![
                    Cell::Count(i.id),
                    Cell::text(&i.item.title),
                    Cell::text(&i.item.measures),
                    Cell::Date(i.item.deadline),
                    Cell::text(
                        i.last_progress
                            .as_ref()
                            .map(|(on, n)| format!("{on}：{n}"))
                            .unwrap_or_default(),
                    ),
                    Cell::text(state(i)),
                    Cell::date(i.closed_on),
                ]
            },
        ),
        table(
            "责任清单",
            vec![
                ("编号", 8),
                ("问题", 30),
                ("涉及地区", 16),
                ("责任单位", 24),
                ("责任人", 12),
                ("整改时限", 12),
                ("核验销号", 16),
            ],
            &|i| {
                vec![
                    Cell::Count(i.id),
                    Cell::text(&i.item.title),
                    Cell::text(place(i)),
                    Cell::text(&i.item.unit),
                    Cell::text(&i.item.person),
                    Cell::Date(i.item.deadline),
                    Cell::text(i.closed_by.clone().unwrap_or_default()),
                ]
            },
        ),
    ])
}
