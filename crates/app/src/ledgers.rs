//! The standard ledgers (标准台账) of an area as XLSX, in the column order county staff know
//! from the national system's exports: 监测对象台账, 帮扶措施台账, 走访台账, 风险消除台账 and
//! 三保障问题台账. Heads' ID numbers are masked, or in full for an exporter who may reveal them
//! and states why (the reveal audited with the household codes); every export is audited
//! with its area before the file is written.

use crate::AppError;
use crate::dashboard::IDENTIFIED;
use crate::policy::Policies;
use crate::problems::ProblemLedger;
use crate::registry::ledger::Names;
use crate::workbook::{Cell, Table, sheet_name};
use chrono::NaiveDate;
use dixian_domain::access::{Actor, Permission};
use dixian_domain::division::DivisionCode;
use dixian_domain::id_number::IdNumber;
use dixian_domain::monitoring::{CaseState, measure_type_name, mode_name, risk_type_names};
use dixian_domain::registry::{HouseholdCode, HouseholdRecord, LivingStatus, Relation};
use dixian_store::{CaseFilter, CaseSummary, Store};
use std::collections::HashMap;

/// The five ledgers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LedgerKind {
    Monitored,
    Measures,
    Visits,
    Eliminated,
    Problems,
}

impl LedgerKind {
    pub const ALL: [LedgerKind; 5] = [
        LedgerKind::Monitored,
        LedgerKind::Measures,
        LedgerKind::Visits,
        LedgerKind::Eliminated,
        LedgerKind::Problems,
    ];

    /// The name in addresses and on the command line.
    pub fn code(self) -> &'static str {
        match self {
            LedgerKind::Monitored => "monitored",
            LedgerKind::Measures => "measures",
            LedgerKind::Visits => "visits",
            LedgerKind::Eliminated => "eliminated",
            LedgerKind::Problems => "problems",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            LedgerKind::Monitored => "监测对象台账",
            LedgerKind::Measures => "帮扶措施台账",
            LedgerKind::Visits => "走访台账",
            LedgerKind::Eliminated => "风险消除台账",
            LedgerKind::Problems => "三保障问题台账",
        }
    }

    /// What a row is, for the audit trail and the pages.
    pub fn rows_are(self) -> &'static str {
        match self {
            LedgerKind::Monitored => "识别纳入监测的户（含已消除）",
            LedgerKind::Measures => "一户一策帮扶措施",
            LedgerKind::Visits => "走访记录",
            LedgerKind::Eliminated => "风险已消除的户",
            LedgerKind::Problems => "三保障及饮水安全问题",
        }
    }

    /// Whether the ledger has the heads' ID numbers (masked unless revealed).
    pub fn has_id_numbers(self) -> bool {
        matches!(
            self,
            LedgerKind::Monitored | LedgerKind::Measures | LedgerKind::Eliminated
        )
    }

    pub fn parse(s: &str) -> Option<LedgerKind> {
        let s = s.trim();
        LedgerKind::ALL
            .iter()
            .copied()
            .find(|k| k.code() == s || k.label() == s)
    }
}

/// Rows read from the store per call.
const PAGE: i64 = 1_000;

/// A household's head as a ledger shows it: the ID number (masked or full), living members,
/// and the latest year's net income per head in fen.
type Head = (String, i64, Option<(i32, i64)>);

/// Column headings and widths.
type Columns = Vec<(&'static str, u16)>;

/// What the heads of households look like in a ledger, read once per household.
struct Heads {
    by_code: HashMap<HouseholdCode, Head>,
}

impl Heads {
    async fn read(
        store: &dyn Store,
        actor: &Actor,
        codes: &[HouseholdCode],
        reveal: Option<&str>,
    ) -> Result<Heads, AppError> {
        let mut unique: Vec<HouseholdCode> = codes.to_vec();
        unique.sort();
        unique.dedup();
        let mut by_code = HashMap::new();
        for chunk in unique.chunks(500) {
            let full: HashMap<HouseholdCode, IdNumber> = match reveal {
                Some(reason) => store
                    .reveal_head_ids(actor, chunk, reason)
                    .await?
                    .into_iter()
                    .collect(),
                None => HashMap::new(),
            };
            for r in store.household_records(actor, chunk).await? {
                let code = r.household.code.clone();
                let id = match full.get(&code) {
                    Some(id) => id.as_str().to_string(),
                    None => head_masked(&r),
                };
                let living = r
                    .members
                    .iter()
                    .filter(|p| p.status == LivingStatus::InHousehold)
                    .count();
                let living = i64::try_from(living).unwrap_or(0);
                let income = r
                    .incomes
                    .iter()
                    .max_by_key(|i| i.year)
                    .and_then(|i| Some((i.year, i.net().ok()?)))
                    .and_then(|(y, net)| Some((y, net.div_round(living).ok()?.fen())));
                by_code.insert(code, (id, living, income));
            }
        }
        Ok(Heads { by_code })
    }

    fn id(&self, code: &HouseholdCode) -> Cell {
        Cell::text(
            self.by_code
                .get(code)
                .map(|h| h.0.clone())
                .unwrap_or_default(),
        )
    }

    fn income(&self, code: &HouseholdCode) -> (Cell, Cell) {
        match self.by_code.get(code).and_then(|h| h.2) {
            Some((year, fen)) => (Cell::Count(i64::from(year)), Cell::Fen(fen)),
            None => (Cell::Empty, Cell::Empty),
        }
    }
}

fn head_masked(r: &HouseholdRecord) -> String {
    r.members
        .iter()
        .find(|p| p.relation == Relation::Head && p.status == LivingStatus::InHousehold)
        .or_else(|| r.members.iter().find(|p| p.relation == Relation::Head))
        .map(|p| p.id_number.masked())
        .unwrap_or_default()
}

/// Every case of `area` in `states`, page by page.
async fn cases(
    store: &dyn Store,
    actor: &Actor,
    area: &DivisionCode,
    states: &[CaseState],
) -> Result<Vec<CaseSummary>, AppError> {
    let mut out = Vec::new();
    loop {
        let page = store
            .cases(
                actor,
                &CaseFilter {
                    states: states.to_vec(),
                    within: Some(*area),
                    offset: i64::try_from(out.len()).unwrap_or(i64::MAX),
                    limit: PAGE,
                    ..CaseFilter::default()
                },
            )
            .await?;
        let n = page.len();
        out.extend(page);
        if n == 0 {
            break;
        }
    }
    out.sort_by(|a, b| (&a.case.household, a.case.id).cmp(&(&b.case.household, b.case.id)));
    Ok(out)
}

/// The first columns of every ledger: the row's number, where the household is and who heads
/// it; then `rest`.
fn household_columns(rest: &[(&'static str, u16)]) -> Columns {
    [
        ("序号", 6),
        ("乡镇（街道）", 12),
        ("行政村", 12),
        ("户编号", 19),
        ("户主姓名", 10),
    ]
    .iter()
    .chain(rest)
    .copied()
    .collect()
}

/// A 合计 line `width` cells wide: the label, the number of rows under 户编号, and the other
/// totals at their columns.
fn total_line(width: usize, rows: String, at: Vec<(usize, Cell)>) -> Vec<Cell> {
    let mut line = vec![Cell::Empty; width];
    let labels = [(0, Cell::text("合计")), (3, Cell::text(rows))];
    for (c, cell) in labels.into_iter().chain(at) {
        if let Some(slot) = line.get_mut(c) {
            *slot = cell;
        }
    }
    line
}

fn yes(b: bool) -> Cell {
    Cell::text(if b { "是" } else { "否" })
}

fn seq(n: usize) -> Cell {
    Cell::Count(i64::try_from(n + 1).unwrap_or(i64::MAX))
}

/// A built ledger: the table and how many rows it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ledger {
    pub kind: LedgerKind,
    pub table: Table,
}

/// Builds ledger `kind` of `area` as of `today` (refused, audited, outside the actor's
/// scope or without the export permission). With `reveal`, the heads' ID numbers are in full.
pub async fn build(
    store: &dyn Store,
    actor: &Actor,
    kind: LedgerKind,
    area: &DivisionCode,
    reveal: Option<&str>,
    today: NaiveDate,
) -> Result<Ledger, AppError> {
    crate::accounts::require(store, actor, Permission::ExportLedger, kind.label()).await?;
    let reveal = match reveal.map(str::trim) {
        Some(r) if kind.has_id_numbers() => {
            crate::accounts::require(
                store,
                actor,
                Permission::RevealPii,
                &format!("{}（完整身份证号）", kind.label()),
            )
            .await?;
            if !(4..=200).contains(&r.chars().count()) {
                return Err(AppError::Invalid(vec![
                    "导出完整身份证号须说明理由（4到200字）".into(),
                ]));
            }
            Some(r)
        }
        _ => None,
    };
    let division = store
        .division(area)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("区划代码{area}不存在")))?;
    let mut names = Names::new(store);
    let mut packs = Policies::load(store, today).await?;
    let (columns, rows, total): (Columns, Vec<Vec<Cell>>, Vec<Cell>) = match kind {
        LedgerKind::Monitored | LedgerKind::Eliminated => {
            let states: &[CaseState] = if kind == LedgerKind::Monitored {
                &IDENTIFIED
            } else {
                &[CaseState::Eliminated]
            };
            let list = cases(store, actor, area, states).await?;
            let codes: Vec<HouseholdCode> = list.iter().map(|c| c.case.household.clone()).collect();
            let heads = Heads::read(store, actor, &codes, reveal).await?;
            let mut rows = Vec::new();
            let mut people = 0;
            for (i, c) in list.iter().enumerate() {
                let town = names.of(c.village.parent()).await?;
                let case = &c.case;
                let category = match case.category.as_deref() {
                    Some(code) => packs.category_name(&c.village, code, case.approved_on)?,
                    None => String::new(),
                };
                let policy = packs.of(&c.village)?;
                let risks = risk_type_names(policy, &case.risk_types);
                let mode = case
                    .elimination_mode
                    .as_deref()
                    .map(|m| mode_name(policy, m).to_string())
                    .unwrap_or_default();
                let (year, per_head) = heads.income(&case.household);
                people += c.people;
                let mut row = vec![
                    seq(i),
                    Cell::text(town),
                    Cell::text(c.village_name.clone()),
                    Cell::text(case.household.to_string()),
                    Cell::text(c.head_name.clone()),
                    heads.id(&case.household),
                    Cell::Count(c.people),
                    Cell::text(category),
                    Cell::text(risks),
                    Cell::date(case.approved_on),
                ];
                if kind == LedgerKind::Monitored {
                    row.extend([
                        year,
                        per_head,
                        yes(c.has_cadre),
                        Cell::Count(c.measures),
                        Cell::text(case.state.label()),
                        Cell::date(case.eliminated_on),
                        Cell::text(mode),
                    ]);
                } else {
                    row.extend([
                        Cell::date(case.eliminated_on),
                        Cell::text(mode),
                        year,
                        per_head,
                        Cell::Count(c.measures),
                    ]);
                }
                rows.push(row);
            }
            let mut columns = household_columns(&[
                ("户主身份证号", 21),
                ("家庭人口", 8),
                ("对象类别", 14),
                ("风险类型", 18),
                ("识别纳入日期", 12),
            ]);
            if kind == LedgerKind::Monitored {
                columns.extend([
                    ("收入年度", 8),
                    ("人均纯收入（元）", 14),
                    ("已明确帮扶责任人", 10),
                    ("已落实帮扶措施（项）", 10),
                    ("当前状态", 12),
                    ("风险消除日期", 12),
                    ("消除方式", 10),
                ]);
            } else {
                columns.extend([
                    ("风险消除日期", 12),
                    ("消除方式", 10),
                    ("收入年度", 8),
                    ("人均纯收入（元）", 14),
                    ("已落实帮扶措施（项）", 10),
                ]);
            }
            let total = total_line(
                columns.len(),
                format!("{}户", rows.len()),
                vec![(6, Cell::Count(people))],
            );
            (columns, rows, total)
        }
        LedgerKind::Measures => {
            let measures = store.measures_within(actor, Some(area)).await?;
            let list = cases(store, actor, area, &[]).await?;
            let by_case: HashMap<i64, &CaseSummary> = list.iter().map(|c| (c.case.id, c)).collect();
            let codes: Vec<HouseholdCode> = list.iter().map(|c| c.case.household.clone()).collect();
            let heads = Heads::read(store, actor, &codes, reveal).await?;
            let mut rows = Vec::new();
            let mut funds = 0i64;
            for (case_id, m) in &measures {
                let Some(c) = by_case.get(case_id) else {
                    continue;
                };
                let town = names.of(c.village.parent()).await?;
                let category = match c.case.category.as_deref() {
                    Some(code) => packs.category_name(&c.village, code, c.case.approved_on)?,
                    None => String::new(),
                };
                let policy = packs.of(&c.village)?;
                funds += m.amount.fen();
                rows.push(vec![
                    seq(rows.len()),
                    Cell::text(town),
                    Cell::text(c.village_name.clone()),
                    Cell::text(c.case.household.to_string()),
                    Cell::text(c.head_name.clone()),
                    heads.id(&c.case.household),
                    Cell::text(category),
                    Cell::text(measure_type_name(policy, &m.type_code).to_string()),
                    Cell::text(m.content.clone()),
                    Cell::text(m.unit.clone()),
                    Cell::Date(m.start_on),
                    Cell::date(m.end_on),
                    Cell::Fen(m.amount.fen()),
                    Cell::text(m.status.label()),
                    Cell::text(m.effect.clone()),
                ]);
            }
            let columns = household_columns(&[
                ("户主身份证号", 21),
                ("对象类别", 14),
                ("措施类型", 14),
                ("措施内容", 28),
                ("责任单位", 16),
                ("开始日期", 12),
                ("结束日期", 12),
                ("帮扶资金（元）", 14),
                ("落实状态", 10),
                ("帮扶成效", 20),
            ]);
            let total = total_line(
                columns.len(),
                format!("{}项", rows.len()),
                vec![(12, Cell::Fen(funds))],
            );
            (columns, rows, total)
        }
        LedgerKind::Visits => {
            let visits = store.visits_within(actor, Some(area)).await?;
            let codes: Vec<HouseholdCode> = visits.iter().map(|v| v.household.clone()).collect();
            let mut heads_names: HashMap<HouseholdCode, String> = HashMap::new();
            let mut unique = codes.clone();
            unique.sort();
            unique.dedup();
            for chunk in unique.chunks(500) {
                for r in store.household_records(actor, chunk).await? {
                    let head = r
                        .members
                        .iter()
                        .find(|p| p.relation == Relation::Head)
                        .map(|p| p.name.clone())
                        .unwrap_or_default();
                    heads_names.insert(r.household.code.clone(), head);
                }
            }
            let mut rows = Vec::new();
            let mut photos = 0i64;
            for v in &visits {
                let village = v.household.village();
                let town = names.of(village.and_then(|v| v.parent())).await?;
                let village_name = names.of(village).await?;
                let n = i64::try_from(v.photos.len()).unwrap_or(0);
                photos += n;
                rows.push(vec![
                    seq(rows.len()),
                    Cell::text(town),
                    Cell::text(village_name),
                    Cell::text(v.household.to_string()),
                    Cell::text(heads_names.get(&v.household).cloned().unwrap_or_default()),
                    Cell::Date(v.visited_on),
                    Cell::text(v.visitors.join("、")),
                    Cell::text(v.findings.clone()),
                    Cell::text(v.follow_ups.clone()),
                    Cell::Count(n),
                    Cell::text(v.case_id.map(|c| format!("#{c}")).unwrap_or_default()),
                ]);
            }
            let columns = household_columns(&[
                ("走访日期", 12),
                ("走访人员", 16),
                ("走访发现", 30),
                ("后续措施", 24),
                ("照片（张）", 8),
                ("监测案件", 10),
            ]);
            let total = total_line(
                columns.len(),
                format!("{}次", rows.len()),
                vec![(9, Cell::Count(photos))],
            );
            (columns, rows, total)
        }
        LedgerKind::Problems => {
            let ledger = ProblemLedger::load(store, actor, area, today).await?;
            let mut rows = Vec::new();
            let mut closed = 0;
            for p in &ledger.problems {
                let town = names.of(p.village.parent()).await?;
                if p.closed_on.is_some() {
                    closed += 1;
                }
                rows.push(vec![
                    seq(rows.len()),
                    Cell::text(town),
                    Cell::text(p.village_name.clone()),
                    Cell::text(p.household.to_string()),
                    Cell::text(p.head_name.clone()),
                    Cell::text(p.kind.label()),
                    Cell::text(p.description.clone()),
                    Cell::text(p.source.label()),
                    Cell::Date(p.found_on),
                    Cell::text(p.found_by.clone()),
                    Cell::text(p.department.clone()),
                    Cell::Date(p.deadline),
                    Cell::text(p.resolution.clone().unwrap_or_default()),
                    Cell::date(p.resolved_on),
                    Cell::date(p.closed_on),
                    Cell::text(p.closed_by_name.clone().unwrap_or_default()),
                    Cell::text(p.state.label()),
                    yes(p.dates().overdue_on(today)),
                ]);
            }
            let columns = household_columns(&[
                ("问题类型", 10),
                ("问题描述", 28),
                ("发现途径", 12),
                ("发现日期", 12),
                ("发现人", 14),
                ("责任部门", 16),
                ("整改期限", 12),
                ("整改情况", 28),
                ("整改完成日期", 12),
                ("销号日期", 12),
                ("销号人", 10),
                ("状态", 12),
                ("是否逾期", 8),
            ]);
            let total = total_line(
                columns.len(),
                format!("{}个", rows.len()),
                vec![(14, Cell::text(format!("已销号{closed}个")))],
            );
            (columns, rows, total)
        }
    };
    let detail = serde_json::json!({
        "ledger": kind.code(),
        "area": area.as_str(),
        "rows": rows.len(),
        "full_id_numbers": reveal.is_some(),
    })
    .to_string();
    store
        .audit(actor, "export.ledger", kind.label(), &detail)
        .await?;
    // The ledger carries the name in force on the day it is made (from 2026 防止返贫致贫对象).
    let object_name = crate::policy::object_name(store, area.as_str(), today).await;
    let label = kind.label().replace("监测对象", &object_name);
    Ok(Ledger {
        kind,
        table: Table {
            sheet: sheet_name(&label),
            title: format!("{}{label}", division.name),
            subtitle: format!(
                "填报单位：{}    截至：{}    {}：{}条{}",
                division.name,
                today,
                kind.rows_are(),
                rows.len(),
                if kind.has_id_numbers() {
                    if reveal.is_some() {
                        "    （含完整身份证号，注意保密）"
                    } else {
                        "    （身份证号已打码）"
                    }
                } else {
                    ""
                }
            ),
            columns,
            rows,
            total: Some(total),
        },
    })
}

/// The file name a ledger is saved under: 青山县监测对象台账-2026-12-06.xlsx.
pub fn file_name(ledger: &Ledger, today: NaiveDate) -> String {
    format!("{}-{today}.xlsx", ledger.table.title)
}
