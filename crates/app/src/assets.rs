//! Project assets (项目资产) as use cases: registering what a finished project handed over,
//! income, the distribution plan (the pack decides whether cash hand-outs are allowed),
//! disposal (the pack's simplified-path limit) and write-off; the area's assets by class with
//! idle and low-return ones flagged; the ledgers (资产台账 by class, 收益分配台账, 处置/核销登记
//! 台账) as XLSX sheets.

use crate::AppError;
use crate::fields::{day_or_today, money_field, optional_date};
use crate::policy::{parse_date, resolve, stored_set};
use crate::workbook::{Cell, Table};
use chrono::{Datelike, NaiveDate};
use dixian_domain::access::{Actor, Permission};
use dixian_domain::assets::{
    AssetClass, AssetRules, DisposalMethod, DisposalPath, DistributionUse, IncomeKind, Operation,
    OwnerKind, PlanAction, disposal_problem, flag,
};
use dixian_domain::division::{DivisionCode, DivisionLevel};
use dixian_domain::funds::Notice;
use dixian_domain::money::Money;
use dixian_domain::monitoring::FieldProblem;
use dixian_domain::registry::HouseholdCode;
use dixian_store::Store;
use dixian_store::assets::{
    AssetFilter, AssetSummary, Ending, NewAsset, NewDistribution, NewIncome, PlanLineInput,
};

/// The asset rules in force for `division`'s county on `on`, and what the pack calls assets.
pub(crate) async fn rules(
    store: &dyn Store,
    division: &DivisionCode,
    on: NaiveDate,
) -> Result<AssetRules, AppError> {
    let county = division
        .ancestor_at(DivisionLevel::County)
        .unwrap_or(*division);
    let set = stored_set(store).await?;
    resolve(&set, &county, on)?.assets.ok_or_else(|| {
        AppError::Invalid(vec![format!(
            "{on}适用的政策包没有项目资产规则（[assets]），请先更新政策包"
        )])
    })
}

/// The asset registration form as typed (资产登记).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct AssetForm {
    pub project: String,
    pub name: String,
    pub class: String,
    pub owner_kind: String,
    pub owner_name: String,
    pub owner_household: String,
    pub division: String,
    /// Yuan as typed.
    pub value: String,
    pub location: String,
    pub formed_on: String,
    pub confirmed_on: String,
    pub confirm_document: String,
    pub custody_unit: String,
    pub custody_person: String,
    pub custody_duties: String,
    pub operation: String,
    pub operator: String,
}

/// Registers an asset from its form; gives its id.
pub async fn register(
    store: &dyn Store,
    actor: &Actor,
    f: &AssetForm,
    today: NaiveDate,
) -> Result<i64, AppError> {
    let mut p: Vec<FieldProblem> = Vec::new();
    let project = f.project.trim().trim_start_matches('#').parse::<i64>().ok();
    if project.is_none() {
        p.push(("project", "请选择形成资产的项目".into()));
    }
    if f.name.trim().is_empty() {
        p.push(("name", "请填写资产名称".into()));
    }
    let class = AssetClass::parse(&f.class);
    if class.is_none() {
        p.push(("class", "请选择资产类别（经营性、公益性或到户类）".into()));
    }
    let owner_kind = match class {
        Some(AssetClass::Household) => Some(OwnerKind::Household),
        _ => OwnerKind::parse(&f.owner_kind),
    };
    if owner_kind.is_none() {
        p.push(("owner_kind", "请选择所有权人类型".into()));
    }
    let owner_household = match (class, f.owner_household.trim()) {
        (Some(AssetClass::Household), "") => {
            p.push(("owner_household", "到户类资产须填写所属农户的户编号".into()));
            None
        }
        (Some(AssetClass::Household), t) => match HouseholdCode::parse(t) {
            Ok(c) => Some(c),
            Err(e) => {
                p.push(("owner_household", format!("户编号：{e}")));
                None
            }
        },
        _ => None,
    };
    // An asset stands where its project was built (a village of it for a cross-village one).
    let project_division = match project {
        Some(id) => store.project(actor, id).await?.map(|f| f.project.division),
        None => None,
    };
    let division = match (DivisionCode::parse(f.division.trim()), project_division) {
        (Ok(d), Some(pd)) if d.is_within(&pd) => Some(d),
        (_, Some(pd)) => Some(pd),
        (_, None) => {
            if project.is_some() {
                p.push(("project", "项目不存在或不在您的辖区".into()));
            }
            None
        }
    };
    let value = money_field(&mut p, "value", &f.value, "资产价值");
    let formed_on = day_or_today(&mut p, "formed_on", &f.formed_on, today, "形成日期");
    let confirmed_on = optional_date(&mut p, "confirmed_on", &f.confirmed_on, "确权日期");
    let operation = match f.operation.trim() {
        "" => None,
        t => Operation::parse(t),
    };
    if class == Some(AssetClass::Operating) && operation.is_none() {
        p.push((
            "operation",
            "经营性资产须写明经营方式（自主经营、承包、托管、租赁或合作经营）".into(),
        ));
    }
    let (
        Some(project),
        Some(class),
        Some(owner_kind),
        Some(division),
        Some(value),
        Some(formed_on),
        true,
    ) = (
        project,
        class,
        owner_kind,
        division,
        value,
        formed_on,
        p.is_empty(),
    )
    else {
        return Err(AppError::Fields(p));
    };
    Ok(store
        .add_asset(
            actor,
            &NewAsset {
                project_id: project,
                name: f.name.clone(),
                class,
                owner_kind,
                owner_name: f.owner_name.clone(),
                owner_household,
                division,
                value,
                location: f.location.clone(),
                formed_on,
                confirmed_on,
                confirm_document: f.confirm_document.clone(),
                custody_unit: f.custody_unit.clone(),
                custody_person: f.custody_person.clone(),
                custody_duties: f.custody_duties.clone(),
                operation: if class == AssetClass::Operating {
                    operation
                } else {
                    None
                },
                operator: f.operator.clone(),
            },
        )
        .await?)
}

/// The income form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct IncomeForm {
    pub year: String,
    pub kind: String,
    pub amount: String,
    pub received_on: String,
    pub note: String,
}

pub async fn add_income(
    store: &dyn Store,
    actor: &Actor,
    asset: i64,
    f: &IncomeForm,
    today: NaiveDate,
) -> Result<i64, AppError> {
    let mut p: Vec<FieldProblem> = Vec::new();
    let year = f
        .year
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (2013..=today.year()).contains(y));
    if year.is_none() {
        p.push((
            "year",
            format!("收益年度应为2013到{}年之间的年份", today.year()),
        ));
    }
    let kind = IncomeKind::parse(&f.kind);
    if kind.is_none() {
        p.push(("kind", "请选择收益类型".into()));
    }
    let amount = money_field(&mut p, "amount", &f.amount, "收益金额");
    let on = day_or_today(&mut p, "received_on", &f.received_on, today, "到账日期");
    let (Some(year), Some(kind), Some(amount), Some(on), true) =
        (year, kind, amount, on, p.is_empty())
    else {
        return Err(AppError::Fields(p));
    };
    Ok(store
        .add_income(
            actor,
            &NewIncome {
                asset_id: asset,
                year,
                kind,
                amount,
                received_on: on,
                note: f.note.clone(),
            },
        )
        .await?)
}

/// The distribution plan form as typed: one line per row of `lines`, written
/// `户编号 用途 金额` (用途 by name or code; no 户编号 for 村内公益事业).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct PlanForm {
    pub year: String,
    /// How many payouts (1–12); empty: one.
    pub months: String,
    pub lines: String,
    pub notice_place: String,
    pub notice_from: String,
    pub notice_to: String,
    pub proposed_on: String,
}

/// Reads the plan's lines; each wrong line named by its number.
fn plan_lines(text: &str, p: &mut Vec<FieldProblem>) -> Vec<PlanLineInput> {
    let mut out = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let words: Vec<&str> = raw.split_whitespace().collect();
        if words.is_empty() {
            continue;
        }
        let n = n + 1;
        let (household, rest) = match HouseholdCode::parse(words[0]) {
            Ok(c) => (Some(c), &words[1..]),
            Err(_) => (None, &words[..]),
        };
        let Some((amount, uses)) = rest.split_last() else {
            p.push(("lines", format!("第{n}行应写成“户编号 用途 金额”")));
            continue;
        };
        let use_ = match uses.join("") {
            u if u.is_empty() => None,
            u => DistributionUse::parse(&u).or_else(|| {
                DistributionUse::ALL
                    .iter()
                    .copied()
                    .find(|d| d.label().starts_with(&u))
            }),
        };
        let Some(use_) = use_ else {
            let names: Vec<&str> = DistributionUse::ALL.iter().map(|d| d.label()).collect();
            p.push((
                "lines",
                format!("第{n}行的用途无效，可选：{}", names.join("、")),
            ));
            continue;
        };
        match Money::parse(amount) {
            Ok(m) if m > Money::ZERO => out.push(PlanLineInput {
                household,
                use_,
                amount: m,
                note: String::new(),
            }),
            _ => p.push(("lines", format!("第{n}行的金额“{amount}”无效"))),
        }
    }
    if out.is_empty() && p.is_empty() {
        p.push(("lines", "请至少填写一行分配：户编号 用途 金额".into()));
    }
    out
}

/// The village's distribution plan of an asset's income (村集体提方案).
pub async fn propose_plan(
    store: &dyn Store,
    actor: &Actor,
    asset: i64,
    f: &PlanForm,
    today: NaiveDate,
) -> Result<i64, AppError> {
    let mut p: Vec<FieldProblem> = Vec::new();
    let year = f.year.trim().parse::<i32>().ok();
    if year.is_none() {
        p.push(("year", "请填写收益年度".into()));
    }
    let lines = plan_lines(&f.lines, &mut p);
    let from = optional_date(&mut p, "notice_from", &f.notice_from, "公示开始日期");
    let to = optional_date(&mut p, "notice_to", &f.notice_to, "公示结束日期");
    if f.notice_place.trim().is_empty() || from.is_none() || to.is_none() {
        p.push((
            "notice_place",
            "分配方案须公示：请填写公示地点和起止日期".into(),
        ));
    }
    let proposed_on = day_or_today(&mut p, "proposed_on", &f.proposed_on, today, "提出日期");
    let months = match f.months.trim() {
        "" => Some(1),
        t => match t.trim_end_matches('次').parse::<u32>() {
            Ok(m @ 1..=12) => Some(m),
            _ => {
                p.push((
                    "months",
                    format!("发放次数应为1到12次（一次发放填1，按月发放填12），填的是“{t}”"),
                ));
                None
            }
        },
    };
    let found = store.asset(actor, asset).await?;
    let Some(found) = found else {
        return Err(AppError::NotFound(format!(
            "资产#{asset}不存在或不在您的辖区"
        )));
    };
    let rules = rules(store, &found.asset.division, proposed_on.unwrap_or(today)).await?;
    if !rules.cash_handout
        && let Some(i) = lines.iter().position(|l| l.use_ == DistributionUse::Cash)
    {
        p.push((
            "lines",
            format!(
                "第{}行“直接发放现金”：资产收益分配不应简单发钱（政策包 assets.cash_handout），请改为公益岗位工资、劳动报酬或奖励补助",
                i + 1
            ),
        ));
    }
    let (Some(year), Some(from), Some(to), Some(proposed_on), Some(months), true) =
        (year, from, to, proposed_on, months, p.is_empty())
    else {
        return Err(AppError::Fields(p));
    };
    Ok(store
        .propose_distribution(
            actor,
            &NewDistribution {
                asset_id: asset,
                year,
                months,
                lines,
                targeted: rules.targeted(),
                notice: Notice {
                    place: f.notice_place.trim().to_string(),
                    from,
                    to,
                },
                proposed_on,
            },
        )
        .await?)
}

/// A step on a plan as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct PlanStepForm {
    pub plan: i64,
    pub version: i64,
    pub action: String,
    pub on: String,
    pub note: String,
}

pub async fn plan_step(
    store: &dyn Store,
    actor: &Actor,
    f: &PlanStepForm,
    today: NaiveDate,
) -> Result<(), AppError> {
    let mut p: Vec<FieldProblem> = Vec::new();
    let action = PlanAction::parse(&f.action);
    if action.is_none() {
        p.push(("action", format!("办理动作“{}”无效", f.action.trim())));
    }
    let on = day_or_today(&mut p, "on", &f.on, today, "办理日期");
    if action == Some(PlanAction::Return) && f.note.trim().is_empty() {
        p.push(("note", "退回须写明原因".into()));
    }
    let (Some(action), Some(on), true) = (action, on, p.is_empty()) else {
        return Err(AppError::Fields(p));
    };
    Ok(store
        .advance_distribution(actor, f.plan, f.version, action, on, &f.note)
        .await?)
}

/// A payout (发放) as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct PayoutForm {
    pub plan: i64,
    /// `YYYY-MM`; empty: this month.
    pub month: String,
    /// Empty: today.
    pub paid_on: String,
}

/// Records the next payout of a filed plan: lines of households that no longer qualify are
/// stopped from it on, by the pack in force on the day paid.
pub async fn pay_out(
    store: &dyn Store,
    actor: &Actor,
    asset: i64,
    f: &PayoutForm,
    today: NaiveDate,
) -> Result<dixian_store::assets::PayoutRecord, AppError> {
    let mut p: Vec<FieldProblem> = Vec::new();
    let paid_on = day_or_today(&mut p, "paid_on", &f.paid_on, today, "发放日期");
    let month = match f.month.trim() {
        "" => today.format("%Y-%m").to_string(),
        m => m.to_string(),
    };
    match dixian_domain::assets::payout_month(&month) {
        None => p.push(("month", format!("发放月份“{month}”应写成如2026-07的年月"))),
        Some(first) if paid_on.is_some_and(|d| first > d) => p.push((
            "month",
            format!("发放月份{month}晚于发放日期：不能预先登记以后月份的发放"),
        )),
        Some(_) => {}
    }
    let found = store
        .asset(actor, asset)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("资产#{asset}不存在或不在您的辖区")))?;
    if !found.plans.iter().any(|pl| pl.id == f.plan) {
        p.push(("plan", format!("资产#{asset}没有分配方案#{}", f.plan)));
    }
    let (Some(paid_on), true) = (paid_on, p.is_empty()) else {
        return Err(AppError::Fields(p));
    };
    let rules = rules(store, &found.asset.division, paid_on).await?;
    Ok(store
        .record_payout(actor, f.plan, &month, paid_on, &rules.targeted())
        .await?)
}

/// The disposal or write-off form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct EndForm {
    pub version: i64,
    /// `disposal` or `write_off`.
    pub kind: String,
    pub on: String,
    pub method: String,
    pub path: String,
    pub value: String,
    pub proceeds: String,
    pub proceeds_use: String,
    pub decision: String,
    pub notice_place: String,
    pub notice_from: String,
    pub notice_to: String,
    pub reason: String,
    pub assessment: String,
}

/// Disposes of or writes off an asset, the pack deciding which disposals may take the
/// simplified path.
pub async fn end(
    store: &dyn Store,
    actor: &Actor,
    asset: i64,
    f: &EndForm,
    today: NaiveDate,
) -> Result<(), AppError> {
    let mut p: Vec<FieldProblem> = Vec::new();
    let on = day_or_today(&mut p, "on", &f.on, today, "办理日期");
    let found = store
        .asset(actor, asset)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("资产#{asset}不存在或不在您的辖区")))?;
    let ending = if f.kind.trim() == "write_off" {
        if f.reason.trim().is_empty() {
            p.push(("reason", "请写明核销原因（如自然灾害等不可抗力）".into()));
        }
        if f.assessment.trim().is_empty() {
            p.push((
                "assessment",
                "核销须有专业技术鉴定意见或法定资质中介机构的专项报告：请填写其名称和文号".into(),
            ));
        }
        Some(Ending::WriteOff {
            reason: f.reason.clone(),
            assessment: f.assessment.clone(),
        })
    } else {
        let method = DisposalMethod::parse(&f.method);
        if method.is_none() {
            p.push(("method", "请选择处置方式".into()));
        }
        let path = DisposalPath::parse(&f.path);
        if path.is_none() {
            p.push(("path", "请选择处置程序".into()));
        }
        let value = money_field(&mut p, "value", &f.value, "评估价值");
        let proceeds = match f.proceeds.trim() {
            "" => Some(Money::ZERO),
            t => match Money::parse(t) {
                Ok(m) if m >= Money::ZERO => Some(m),
                _ => {
                    p.push(("proceeds", format!("处置收入“{t}”无效")));
                    None
                }
            },
        };
        if let (Some(path), Some(value), Some(on)) = (path, value, on) {
            let rules = rules(store, &found.asset.division, on).await?;
            // The recorded value counts too: typing a low 评估价值 does not open the simplified
            // path to a large asset.
            if let Some(m) = disposal_problem(path, value.max(found.asset.value), &rules) {
                p.push(("path", m));
            }
        }
        if f.decision.trim().is_empty() {
            p.push(("decision", "请填写处置的决议或审批文件".into()));
        }
        if f.proceeds_use.trim().is_empty() {
            p.push(("proceeds_use", "请写明处置收入的用途".into()));
        }
        let notice = match (
            f.notice_place.trim(),
            optional_date(&mut p, "notice_from", &f.notice_from, "公示开始日期"),
            optional_date(&mut p, "notice_to", &f.notice_to, "公示结束日期"),
        ) {
            ("", None, None) => None,
            (place, Some(from), Some(to)) if !place.is_empty() => {
                let notice = Notice {
                    place: place.to_string(),
                    from,
                    to,
                };
                let county = found
                    .asset
                    .division
                    .ancestor_at(DivisionLevel::County)
                    .unwrap_or(found.asset.division);
                let set = stored_set(store).await?;
                let min_days = resolve(&set, &county, on.unwrap_or(today))?
                    .funds
                    .map_or(10, |f| f.notice_min_days);
                if let Err(m) = notice.check(min_days) {
                    p.push(("notice_to", m));
                } else if on.is_some_and(|d| d < to) {
                    p.push((
                        "notice_to",
                        format!("公示到{to}结束，处置应在公示无异议之后"),
                    ));
                }
                Some(notice)
            }
            _ => {
                p.push(("notice_place", "公示须填写地点和起止日期".into()));
                None
            }
        };
        match (method, path, value, proceeds) {
            (Some(method), Some(path), Some(value), Some(proceeds)) => Some(Ending::Disposal {
                method,
                path,
                value,
                proceeds,
                proceeds_use: f.proceeds_use.clone(),
                decision: f.decision.clone(),
                notice,
            }),
            _ => None,
        }
    };
    let (Some(ending), Some(on), true) = (ending, on, p.is_empty()) else {
        return Err(AppError::Fields(p));
    };
    Ok(store
        .end_asset(actor, asset, f.version, &ending, on)
        .await?)
}

/// One class's figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassLine {
    pub class: AssetClass,
    pub count: usize,
    pub value: Money,
    pub income: Money,
}

/// The area's assets: by class, the flagged ones, what was distributed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetReport {
    /// The year whose income is shown (last year: a year's income is known at its end).
    pub year: i32,
    pub name: String,
    pub classes: Vec<ClassLine>,
    pub in_use: usize,
    pub ended: usize,
    /// Operating assets in use flagged idle or low-return, with why.
    pub flagged: Vec<(AssetSummary, String)>,
    pub distributed: Money,
}

/// What the pack in force for `actor`'s county calls assets on `on` (扶贫项目资产, from 2026
/// 帮扶项目资产).
async fn assets_name(store: &dyn Store, actor: &Actor, on: NaiveDate) -> Result<String, AppError> {
    let Some(county) = crate::areas::actor_county(actor) else {
        return Ok("项目资产".into());
    };
    let set = stored_set(store).await?;
    Ok(resolve(&set, &county, on)?.naming.project_assets)
}

pub async fn report(
    store: &dyn Store,
    actor: &Actor,
    within: Option<DivisionCode>,
    today: NaiveDate,
) -> Result<AssetReport, AppError> {
    let year = today.year() - 1;
    // An asset formed during last year has not had a whole year to earn.
    let formed_before = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(today);
    let root = within.or(match &actor.scope {
        dixian_domain::access::Scope::Within(r) => Some(*r),
        dixian_domain::access::Scope::Everything => None,
    });
    // One resolution gives both the rules and the name (扶贫/帮扶项目资产).
    let (rules, name) = match root.and_then(|r| r.ancestor_at(DivisionLevel::County)) {
        Some(county) => {
            let set = stored_set(store).await?;
            let policy = resolve(&set, &county, today)?;
            (policy.assets, policy.naming.project_assets)
        }
        None => (None, "项目资产".to_string()),
    };
    let bp = rules.as_ref().map_or(0, |r| r.low_return_bp);
    let figures = store
        .asset_figures(actor, within.as_ref(), year, bp, formed_before)
        .await?;
    let flagged = match &rules {
        Some(rules) => store
            .flagged_assets(actor, within.as_ref(), year, bp, formed_before)
            .await?
            .into_iter()
            .filter_map(|a| {
                let why = flag(a.class, a.value, a.income_of_year, rules)?;
                Some((a, why))
            })
            .collect(),
        None => Vec::new(),
    };
    let classes: Vec<ClassLine> = figures
        .classes
        .iter()
        .map(|(class, n, value, income)| ClassLine {
            class: *class,
            count: usize::try_from(*n).unwrap_or(0),
            value: *value,
            income: *income,
        })
        .collect();
    Ok(AssetReport {
        year,
        name,
        in_use: classes.iter().map(|c| c.count).sum(),
        ended: usize::try_from(figures.ended).unwrap_or(0),
        classes,
        flagged,
        distributed: figures.distributed,
    })
}

/// The asset ledgers as XLSX sheets: 资产台账 (one sheet per class), 收益分配台账 of last year,
/// and the 处置/核销登记台账. For those who export ledgers; audited.
pub async fn ledger(
    store: &dyn Store,
    actor: &Actor,
    today: NaiveDate,
) -> Result<Vec<Table>, AppError> {
    crate::accounts::require(store, actor, Permission::ExportLedger, "资产台账导出").await?;
    let year = today.year() - 1;
    let name = assets_name(store, actor, today).await?;
    let subtitle = format!("截至：{today}　收益年度：{year}");
    let list = store
        .assets(
            actor,
            &AssetFilter {
                income_year: year,
                ..AssetFilter::default()
            },
        )
        .await?;
    let mut tables = Vec::new();
    for class in AssetClass::ALL {
        let rows: Vec<Vec<Cell>> = list
            .iter()
            .filter(|a| a.class == *class)
            .map(|a| {
                vec![
                    Cell::text(format!("#{}", a.id)),
                    Cell::text(&a.name),
                    Cell::text(&a.division_name),
                    Cell::text(&a.project_name),
                    Cell::text(a.owner_kind.label()),
                    Cell::text(&a.owner_name),
                    Cell::Fen(a.value.fen()),
                    Cell::Date(a.formed_on),
                    Cell::text(a.operation.map(|o| o.label()).unwrap_or("")),
                    Cell::text(&a.custody_person),
                    Cell::Fen(a.income_of_year.fen()),
                    Cell::text(a.state.label()),
                ]
            })
            .collect();
        let value: i64 = list
            .iter()
            .filter(|a| a.class == *class)
            .map(|a| a.value.fen())
            .sum();
        let income: i64 = list
            .iter()
            .filter(|a| a.class == *class)
            .map(|a| a.income_of_year.fen())
            .sum();
        tables.push(Table {
            sheet: class.label().into(),
            title: format!("{name}台账（{}）", class.label()),
            subtitle: subtitle.clone(),
            columns: vec![
                ("资产编号", 10),
                ("资产名称", 30),
                ("所在村", 14),
                ("形成项目", 30),
                ("所有权人类型", 14),
                ("所有权人", 24),
                ("资产价值（元）", 16),
                ("形成日期", 12),
                ("经营方式", 10),
                ("管护责任人", 12),
                ("上年收益（元）", 16),
                ("状态", 10),
            ],
            rows,
            total: Some(vec![
                Cell::text("合计"),
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Fen(value),
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Fen(income),
                Cell::Empty,
            ]),
        });
    }
    let plans = store.distributions(actor, year).await?;
    let mut rows = Vec::new();
    for (a, p) in &plans {
        for l in &p.lines {
            rows.push(vec![
                Cell::text(format!("#{}", a.id)),
                Cell::text(&a.name),
                Cell::text(&a.division_name),
                Cell::Count(i64::from(p.year)),
                Cell::text(
                    l.household
                        .as_ref()
                        .map(|h| h.to_string())
                        .unwrap_or_default(),
                ),
                Cell::text(&l.head_name),
                Cell::text(l.use_.label()),
                Cell::Fen(l.amount.fen()),
                Cell::text(p.state.label()),
                Cell::Count(i64::from(p.months)),
                Cell::Fen(l.paid.fen()),
                Cell::text(
                    l.stopped
                        .as_ref()
                        .map(|(month, why)| format!("{month}起停发：{why}"))
                        .unwrap_or_default(),
                ),
            ]);
        }
    }
    tables.push(Table {
        sheet: "收益分配".into(),
        title: format!("{name}收益分配台账（{year}年度）"),
        subtitle: subtitle.clone(),
        columns: vec![
            ("资产编号", 10),
            ("资产名称", 30),
            ("所在村", 14),
            ("收益年度", 10),
            ("户编号", 18),
            ("户主", 10),
            ("用途", 18),
            ("金额（元）", 14),
            ("方案状态", 18),
            ("发放次数", 10),
            ("已发放（元）", 14),
            ("停发", 30),
        ],
        rows,
        total: None,
    });
    let ended = store.ended_assets(actor).await?;
    let mut disposals = Vec::new();
    let mut write_offs = Vec::new();
    for e in &ended {
        match &e.ending.ending {
            Ending::Disposal {
                method,
                path,
                value,
                proceeds,
                proceeds_use,
                decision,
                ..
            } => disposals.push(vec![
                Cell::text(format!("#{}", e.asset.id)),
                Cell::text(&e.asset.name),
                Cell::text(&e.asset.division_name),
                Cell::text(e.asset.class.label()),
                Cell::Date(e.ending.on),
                Cell::text(method.label()),
                Cell::text(path.label()),
                Cell::Fen(value.fen()),
                Cell::Fen(proceeds.fen()),
                Cell::text(proceeds_use),
                Cell::text(decision),
            ]),
            Ending::WriteOff { reason, assessment } => write_offs.push(vec![
                Cell::text(format!("#{}", e.asset.id)),
                Cell::text(&e.asset.name),
                Cell::text(&e.asset.division_name),
                Cell::text(e.asset.class.label()),
                Cell::Fen(e.asset.value.fen()),
                Cell::Date(e.ending.on),
                Cell::text(reason),
                Cell::text(assessment),
                Cell::text(&e.ending.by),
            ]),
        }
    }
    tables.push(Table {
        sheet: "处置登记".into(),
        title: format!("{name}处置登记台账"),
        subtitle: subtitle.clone(),
        columns: vec![
            ("资产编号", 10),
            ("资产名称", 30),
            ("所在村", 14),
            ("类别", 12),
            ("处置日期", 12),
            ("处置方式", 10),
            ("处置程序", 28),
            ("评估价值（元）", 16),
            ("处置收入（元）", 16),
            ("收入用途", 30),
            ("决议或审批文件", 30),
        ],
        rows: disposals,
        total: None,
    });
    tables.push(Table {
        sheet: "核销登记".into(),
        title: format!("{name}核销登记总台账"),
        subtitle,
        columns: vec![
            ("资产编号", 10),
            ("资产名称", 30),
            ("所在村", 14),
            ("类别", 12),
            ("资产价值（元）", 16),
            ("核销日期", 12),
            ("核销原因", 30),
            ("鉴定意见或专项报告", 36),
            ("办理人", 12),
        ],
        rows: write_offs,
        total: None,
    });
    let detail =
        serde_json::json!({ "assets": list.len(), "plans": plans.len(), "ended": ended.len() })
            .to_string();
    store
        .audit(actor, "asset.export", "资产台账", &detail)
        .await?;
    Ok(tables)
}

/// Most assets one file may hold.
pub const MAX_IMPORT_ROWS: usize = 100_000;

/// The columns of the asset-ledger template (资产台账导入模板); `true`: required.
pub const ASSET_COLUMNS: [(&str, bool); 16] = [
    ("资产名称", true),
    ("形成项目编号", true),
    ("资产类别", true),
    ("所有权人类型", false),
    ("所有权人", false),
    ("所属户编号", false),
    ("资产价值（元）", true),
    ("坐落位置", false),
    ("形成日期", true),
    ("确权日期", false),
    ("确权文件", false),
    ("管护单位", false),
    ("管护责任人", false),
    ("管护职责", false),
    ("经营方式", false),
    ("经营主体", false),
];

/// The asset-ledger template as CSV or XLSX, with its instructions.
pub fn asset_template(kind: crate::sheet::FileKind) -> Result<Vec<u8>, AppError> {
    let notes: Vec<crate::sheet::ColumnNote> = ASSET_COLUMNS
        .iter()
        .map(|(name, required)| crate::sheet::ColumnNote {
            name,
            required: *required,
            note: match *name {
                "形成项目编号" => "项目库中已完工项目的编号，如 #12（先导入项目清单）".into(),
                "资产类别" => "经营性资产、公益性资产或到户类资产".into(),
                "所有权人类型" => "村集体经济组织、乡镇、行业部门（国有）；到户类不填".into(),
                "所属户编号" => "到户类资产必填，16位户编号（设为文本）".into(),
                "资产价值（元）" => "金额，可写“50万”".into(),
                "形成日期" | "确权日期" => "日期，如 2025-12-01".into(),
                "经营方式" => "经营性资产必填：自主经营、承包、托管、租赁、合作经营".into(),
                _ => String::new(),
            },
        })
        .collect();
    crate::sheet::template_book(
        kind,
        "资产台账",
        "项目资产台账导入说明",
        &notes,
        &[(0, 24.0), (4, 24.0), (5, 20.0)],
        &["整个文件有任何一处问题都不会写入，改正后重新上传即可。"],
    )
    .map_err(|e| AppError::Invalid(vec![format!("无法生成模板：{e}")]))
}

/// Imports an asset ledger (资产台账), all or none; every problem named by its row and column.
/// Gives how many were imported.
pub async fn import(
    store: &dyn Store,
    actor: &Actor,
    file_name: &str,
    bytes: &[u8],
    today: NaiveDate,
) -> Result<usize, AppError> {
    use crate::sheet::{Problem, table};
    let (_work, rows) = table::open_list(actor, file_name, bytes, &ASSET_COLUMNS, MAX_IMPORT_ROWS)?;
    let mut problems: Vec<Problem> = Vec::new();
    let mut assets = Vec::new();
    let mut row_of = Vec::new();
    let mut projects: std::collections::BTreeMap<i64, Option<(DivisionCode, bool)>> =
        std::collections::BTreeMap::new();
    for r in &rows {
        let bad = |problems: &mut Vec<Problem>, c: usize, message: String| {
            problems.push(r.problem(&ASSET_COLUMNS, c, message));
        };
        let missing = r.missing(&ASSET_COLUMNS);
        if !missing.is_empty() {
            problems.extend(missing);
            continue;
        }
        let project = match r.get(1).trim_start_matches(['#', '＃']).parse::<i64>() {
            Ok(id) => {
                if let std::collections::btree_map::Entry::Vacant(e) = projects.entry(id) {
                    let found = store
                        .project(actor, id)
                        .await?
                        .map(|f| (f.project.division, f.project.stage.completed()));
                    e.insert(found);
                }
                match projects.get(&id).copied().flatten() {
                    Some((division, true)) => Some((id, division)),
                    Some((_, false)) => {
                        bad(
                            &mut problems,
                            1,
                            format!("项目#{id}尚未完工，完工后才能登记资产"),
                        );
                        None
                    }
                    None => {
                        bad(&mut problems, 1, format!("项目#{id}不存在或不在您的辖区"));
                        None
                    }
                }
            }
            Err(_) => {
                bad(
                    &mut problems,
                    1,
                    format!("“{}”不是项目编号，应写成 #12", r.get(1)),
                );
                None
            }
        };
        let class = AssetClass::parse(r.get(2)).or_else(|| {
            AssetClass::ALL
                .iter()
                .copied()
                .find(|c| c.label().starts_with(r.get(2)))
        });
        if class.is_none() {
            bad(
                &mut problems,
                2,
                format!("“{}”无效，应为经营性资产、公益性资产或到户类资产", r.get(2)),
            );
        }
        let owner_kind = match (class, r.get(3)) {
            (Some(AssetClass::Household), _) => Some(OwnerKind::Household),
            (_, "") => Some(OwnerKind::Collective),
            (_, t) => {
                let k = OwnerKind::parse(t).filter(|k| *k != OwnerKind::Household);
                if k.is_none() {
                    bad(
                        &mut problems,
                        3,
                        format!("“{t}”无效，应为村集体经济组织、乡镇或行业部门（国有）"),
                    );
                }
                k
            }
        };
        let owner_household = match (class, r.get(5)) {
            (Some(AssetClass::Household), "") => {
                bad(&mut problems, 5, "到户类资产须填写所属户编号".into());
                None
            }
            (Some(AssetClass::Household), _) if r.numbers.contains(&5) => {
                bad(
                    &mut problems,
                    5,
                    "户编号被Excel存成了数字、末几位已丢失，请把这一列设为文本后重新填写".into(),
                );
                None
            }
            (Some(AssetClass::Household), t) => match HouseholdCode::parse(t) {
                Ok(c) => Some(c),
                Err(e) => {
                    bad(&mut problems, 5, e.to_string());
                    None
                }
            },
            _ => None,
        };
        let value = match Money::parse(r.get(6)) {
            Ok(m) if m > Money::ZERO => Some(m),
            _ => {
                bad(&mut problems, 6, format!("“{}”不是大于0的金额", r.get(6)));
                None
            }
        };
        let date = |c: usize, problems: &mut Vec<Problem>| match r.get(c) {
            "" => Ok(None),
            t => match parse_date(t) {
                Ok(d) if d <= today => Ok(Some(d)),
                Ok(d) => {
                    bad(problems, c, format!("{d}晚于今天"));
                    Err(())
                }
                Err(e) => {
                    bad(problems, c, e.to_string());
                    Err(())
                }
            },
        };
        let formed_on = date(8, &mut problems);
        let confirmed_on = date(9, &mut problems);
        let operation = match (class, r.get(14)) {
            (Some(AssetClass::Operating), "") => {
                bad(&mut problems, 14, "经营性资产须写明经营方式".into());
                None
            }
            (Some(AssetClass::Operating), t) => {
                let o = Operation::parse(t);
                if o.is_none() {
                    bad(
                        &mut problems,
                        14,
                        format!("“{t}”无效，应为自主经营、承包、托管、租赁或合作经营"),
                    );
                }
                o
            }
            _ => None,
        };
        let (
            Some((project_id, division)),
            Some(class),
            Some(owner_kind),
            Some(value),
            Ok(Some(formed_on)),
            Ok(confirmed_on),
        ) = (project, class, owner_kind, value, formed_on, confirmed_on)
        else {
            continue;
        };
        if class == AssetClass::Household && owner_household.is_none()
            || class == AssetClass::Operating && operation.is_none()
        {
            continue;
        }
        assets.push(NewAsset {
            project_id,
            name: r.get(0).to_string(),
            class,
            owner_kind,
            owner_name: r.get(4).to_string(),
            owner_household,
            division,
            value,
            location: r.get(7).to_string(),
            formed_on,
            confirmed_on,
            confirm_document: r.get(10).to_string(),
            custody_unit: r.get(11).to_string(),
            custody_person: r.get(12).to_string(),
            custody_duties: r.get(13).to_string(),
            operation,
            operator: r.get(15).to_string(),
        });
        row_of.push(r.number);
    }
    if !problems.is_empty() {
        problems.sort_by_key(|p| p.row);
        return Err(table::refused(file_name, &problems));
    }
    match store.import_assets(actor, &assets).await {
        Ok(ids) => Ok(ids.len()),
        Err(dixian_store::StoreError::Invalid(m)) => Err(AppError::Invalid(vec![table::at_row(
            &m,
            "个资产",
            &row_of,
            file_name,
        )])),
        Err(e) => Err(e.into()),
    }
}
