//! The monthly bulletin (月通报) of an area: headline figures at the month's end with the
//! change since the month before, the towns (or villages) side by side, the twelve months'
//! identifications and eliminations, on-time rates of the steps done in the month, the 三保障
//! problems by department, and the lists of what is overdue — in Chinese sentences and tables,
//! as a printable A4 page and as XLSX with native Excel charts.
//!
//! Figures "at the month's end" are read from each case's dates (纳入 on or before the day,
//! eliminated on or before the day), so a bulletin of a past month stays what it was; people
//! are the households' living members today (decision 29).

use crate::AppError;
use crate::dashboard::{grouped, permille};
use crate::monitoring::{Timeliness, timeliness};
use crate::problems::{ClearingReport, ProblemLedger};
use crate::workbook::{Cell, Placed, Table, add_table, sheet_name};
use chrono::NaiveDate;
use dixian_domain::access::Actor;
use dixian_domain::division::{Division, DivisionCode};
use dixian_domain::problems::Month;
use dixian_store::problems::ProblemRecord;
use dixian_store::{CaseFact, CaseFilter, CaseSummary, Store};
use rust_xlsxwriter::{Chart, ChartType, Format, FormatAlign, Workbook};

/// Households and people.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Pair {
    pub households: i64,
    pub people: i64,
}

impl Pair {
    fn add(&mut self, f: &CaseFact) {
        self.households += 1;
        self.people += f.people;
    }
}

/// The headline figures of an area at a day, and of the month ending there.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Headline {
    /// 识别监测对象: included on or before the day.
    pub identified: Pair,
    /// 监测帮扶中: included and not eliminated by the day.
    pub monitored: Pair,
    /// 风险已消除 by the day.
    pub eliminated: Pair,
    /// Eliminated people over identified people, in tenths of a percent.
    pub share: Option<i64>,
    /// Included during the month.
    pub new_identified: Pair,
    /// Eliminated during the month.
    pub new_eliminated: Pair,
}

impl Headline {
    /// The figures of the cases in `facts` inside `within` for `month`, taken on `as_of`.
    pub fn of(
        facts: &[CaseFact],
        within: &DivisionCode,
        month: Month,
        as_of: NaiveDate,
    ) -> Headline {
        let mut h = Headline::default();
        for f in facts.iter().filter(|f| f.village.is_within(within)) {
            let included = f.approved_on.filter(|d| *d <= as_of);
            let eliminated = f.eliminated_on.filter(|d| *d <= as_of);
            if included.is_some() {
                h.identified.add(f);
                if eliminated.is_some() {
                    h.eliminated.add(f);
                } else {
                    h.monitored.add(f);
                }
            }
            if included.is_some_and(|d| month.contains(d)) {
                h.new_identified.add(f);
            }
            if eliminated.is_some_and(|d| month.contains(d)) {
                h.new_eliminated.add(f);
            }
        }
        h.share = permille(h.eliminated.people, h.identified.people);
        h
    }
}

/// One town (or village) of the bulletin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DivisionLine {
    pub division: Division,
    pub figures: Headline,
    /// Cases whose current step is past its deadline today.
    pub overdue_now: i64,
    /// 三保障 problems open at the month's end, and of them beyond the clearing limit.
    pub problems_open: usize,
    pub problems_uncleared: usize,
}

/// One month of the trend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthLine {
    pub month: Month,
    pub identified: Pair,
    pub eliminated: Pair,
}

/// Everything the bulletin says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bulletin {
    pub area: Division,
    /// What the pack in force on `as_of` calls the households monitored (监测对象; from
    /// 2026 防止返贫致贫对象).
    pub object_name: String,
    pub month: Month,
    /// The month's last day, or today inside the month.
    pub as_of: NaiveDate,
    /// The day the bulletin was made: overdue lists are as of this day.
    pub made_on: NaiveDate,
    pub headline: Headline,
    /// The same figures at the previous month's end.
    pub previous: Headline,
    pub lines: Vec<DivisionLine>,
    pub months: Vec<MonthLine>,
    pub timeliness: Timeliness,
    pub problems: ClearingReport,
    pub previous_problems: ClearingReport,
    /// Cases overdue today, by due date.
    pub overdue_cases: Vec<CaseSummary>,
    /// 三保障 problems beyond the clearing limit at the month's end.
    pub uncleared: Vec<ProblemRecord>,
    /// Funds, projects and assets as of the month's end; `None` when they could not be read.
    pub funds: Option<crate::funds::AreaFigures>,
    /// The village work as of the month's end; `None` when it could not be read.
    pub villages: Option<crate::villages::AreaFigures>,
    /// The bulletin in sentences.
    pub paragraphs: Vec<String>,
}

fn share_text(p: Option<i64>) -> String {
    crate::dashboard::percent_text(p)
}

/// "增加3户" / "减少2户" / "持平".
fn change(now: i64, before: i64, unit: &str) -> String {
    match now - before {
        0 => "持平".into(),
        d if d > 0 => format!("增加{}{unit}", grouped(d)),
        d => format!("减少{}{unit}", grouped(-d)),
    }
}

/// "提高2.1个百分点" / "降低0.3个百分点" / "持平".
fn points(now: Option<i64>, before: Option<i64>) -> String {
    match (now, before) {
        (Some(a), Some(b)) if a > b => format!("提高{}.{}个百分点", (a - b) / 10, (a - b) % 10),
        (Some(a), Some(b)) if a < b => format!("降低{}.{}个百分点", (b - a) / 10, (b - a) % 10),
        (Some(_), Some(_)) => "持平".into(),
        _ => "上月末尚无识别对象".into(),
    }
}

fn paragraphs(b: &Bulletin) -> Vec<String> {
    let h = &b.headline;
    let p = &b.previous;
    let name = &b.area.name;
    let object = &b.object_name;
    let month = b.month.label();
    let mut out = vec![
        format!(
            "截至{}，{name}累计识别{object}{}户{}人，其中风险已消除{}户{}人、监测帮扶中{}户{}人，风险消除人数占比{}（较上月末{}）。",
            b.as_of,
            grouped(h.identified.households),
            grouped(h.identified.people),
            grouped(h.eliminated.households),
            grouped(h.eliminated.people),
            grouped(h.monitored.households),
            grouped(h.monitored.people),
            share_text(h.share),
            points(h.share, p.share),
        ),
        format!(
            "{month}新识别{object}{}户{}人（较上月{}），风险消除{}户{}人（较上月{}）。",
            grouped(h.new_identified.households),
            grouped(h.new_identified.people),
            change(
                h.new_identified.households,
                p.new_identified.households,
                "户"
            ),
            grouped(h.new_eliminated.households),
            grouped(h.new_eliminated.people),
            change(
                h.new_eliminated.households,
                p.new_eliminated.households,
                "户"
            ),
        ),
    ];
    let (done, on_time) = b
        .timeliness
        .steps
        .iter()
        .fold((0, 0), |(d, o), s| (d + s.done, o + s.on_time));
    let overdue = i64::try_from(b.overdue_cases.len()).unwrap_or(0);
    out.push(if done > 0 {
        format!(
            "{month}各环节办结{}件，其中按时办结{}件，按时办结率{}；截至{}逾期未办{}件{}。",
            grouped(done),
            grouped(on_time),
            share_text(permille(on_time, done)),
            b.made_on,
            grouped(overdue),
            if overdue > 0 {
                "，请有关乡镇抓紧办理"
            } else {
                ""
            }
        )
    } else {
        format!(
            "{month}没有办结的时限环节；截至{}逾期未办{}件。",
            b.made_on,
            grouped(overdue)
        )
    });
    let t = &b.problems.total;
    let before = &b.previous_problems.total;
    out.push(format!(
        "三保障及饮水安全问题{month}发现{}个、销号{}个，月末未销号{}个（较上月末{}），其中超过整改期限{}个、未清零{}个，{}。",
        t.found.n,
        t.closed.n,
        t.open.n,
        change(
            i64::try_from(t.open.n).unwrap_or(0),
            i64::try_from(before.open.n).unwrap_or(0),
            "个"
        ),
        t.overdue.n,
        t.uncleared.n,
        if t.cleared() { "实现月清零" } else { "未实现月清零" }
    ));
    let behind: Vec<String> = b
        .problems
        .lines
        .iter()
        .filter(|l| l.counts.uncleared.n > 0)
        .map(|l| format!("{}{}个", l.name, l.counts.uncleared.n))
        .collect();
    if !behind.is_empty() {
        out.push(format!("未清零问题涉及：{}。", behind.join("、")));
    }
    if let Some(f) = &b.funds {
        out.extend(fund_paragraphs(f, b.as_of));
    }
    if let Some(v) = &b.villages {
        out.extend(village_paragraphs(v, b.as_of));
    }
    out
}

/// The village paragraphs: the designations in force, the weak-village programme and the
/// rectification ledger, the teams, the 遍访 and the information officers.
fn village_paragraphs(v: &crate::villages::AreaFigures, as_of: NaiveDate) -> Vec<String> {
    use chrono::Datelike;
    let mut out = Vec::new();
    if !v.designated.is_empty() {
        out.push(format!(
            "截至{as_of}，辖区内有效的认定：{}。",
            v.designated
                .iter()
                .map(|(_, name, n)| format!("{name}{n}个"))
                .collect::<Vec<_>>()
                .join("、")
        ));
    }
    out.push(format!(
        "经济薄弱村纳入扶持{}个、已销号{}个；整改台账未销号{}项{}。",
        v.weak_enrolled,
        v.weak_struck,
        v.items_open,
        if v.items_overdue > 0 {
            format!("，其中逾期{}项，请责任单位加快整改", v.items_overdue)
        } else {
            String::new()
        }
    ));
    out.push(format!(
        "驻村工作队{}个、在任队员{}人；{}年书记遍访{}次{}。",
        v.teams,
        v.members,
        as_of.year(),
        v.tours,
        match v.vacancies {
            Some(0) => "；防止返贫监测信息员已按标准配齐".to_string(),
            Some(n) => format!("；防止返贫监测信息员缺{n}名，请及时配备"),
            None => String::new(),
        }
    ));
    out
}

/// The funds and projects paragraphs: the year's money and its checks, the library by
/// stage, and the assets.
fn fund_paragraphs(f: &crate::funds::AreaFigures, as_of: NaiveDate) -> Vec<String> {
    let stage = |s: dixian_domain::funds::ProjectStage| {
        f.stages
            .iter()
            .find(|(x, _)| *x == s)
            .map_or(0, |(_, n)| *n)
    };
    use dixian_domain::funds::ProjectStage as S;
    let started = stage(S::Started) + stage(S::Completed) + stage(S::Accepted) + stage(S::Settled);
    let finished = stage(S::Completed) + stage(S::Accepted) + stage(S::Settled);
    let library: usize = f
        .stages
        .iter()
        .filter(|(s, _)| s.in_library())
        .map(|(_, n)| n)
        .sum();
    let mut out = vec![format!(
        "{}年{}到位{}元，截至{}已支出{}元，支出进度{}{}",
        f.year,
        f.funds_name,
        f.received.grouped(),
        as_of,
        f.spent.grouped(),
        dixian_domain::funds::percent_text(f.spent_bp),
        match &f.industry {
            Some((_, text)) => format!("；{text}。"),
            None => "。".into(),
        }
    )];
    out.push(format!(
        "项目库入库项目{library}个，已开工{started}个、已完工{finished}个{}。",
        if f.overdue > 0 {
            format!("，实施进度滞后{}个，请有关乡镇加快推进", f.overdue)
        } else {
            String::new()
        }
    ));
    let in_use: usize = f.assets.classes.iter().map(|c| c.count).sum();
    let value = f.assets.classes.iter().map(|c| c.value.fen()).sum::<i64>();
    out.push(format!(
        "{}在用{in_use}个、价值{}元，{}年收益分配方案{}元{}。",
        f.assets.name,
        dixian_domain::money::Money::from_fen(value).grouped(),
        f.assets.year,
        f.assets.distributed.grouped(),
        if f.assets.flagged.is_empty() {
            String::new()
        } else {
            format!("，闲置或低效的经营性资产{}个", f.assets.flagged.len())
        }
    ));
    out
}

/// Builds the bulletin of `area` for `month` (refused, audited, outside the actor's scope).
pub async fn bulletin(
    store: &dyn Store,
    actor: &Actor,
    area: &DivisionCode,
    month: Month,
    today: NaiveDate,
) -> Result<Bulletin, AppError> {
    if month.first_day() > today {
        return Err(AppError::Invalid(vec![format!(
            "{}尚未开始，不能生成月通报",
            month.label()
        )]));
    }
    let facts = store.case_facts(actor, Some(area)).await?;
    let division = store
        .division(area)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("区划代码{area}不存在")))?;
    let as_of = month.as_of(today);
    let previous_month = month.previous();
    let headline = Headline::of(&facts, area, month, as_of);
    let previous = Headline::of(&facts, area, previous_month, previous_month.last_day());
    let ledger = ProblemLedger::load(store, actor, area, today).await?;
    let mut lines = Vec::new();
    for child in store.child_divisions(area).await? {
        let counts = ledger.clearing(
            &crate::problems::ProblemFilter::default().within(child.code),
            month,
        );
        lines.push(DivisionLine {
            figures: Headline::of(&facts, &child.code, month, as_of),
            overdue_now: facts
                .iter()
                .filter(|f| {
                    f.village.is_within(&child.code)
                        && f.state.step().is_some()
                        && f.due_on.is_some_and(|d| d < today)
                })
                .count()
                .try_into()
                .unwrap_or(0),
            problems_open: counts.open.n,
            problems_uncleared: counts.uncleared.n,
            division: child,
        });
    }
    let mut months = Vec::new();
    let mut m = month;
    for _ in 0..12 {
        let h = Headline::of(&facts, area, m, m.as_of(today));
        months.push(MonthLine {
            month: m,
            identified: h.new_identified,
            eliminated: h.new_eliminated,
        });
        m = m.previous();
    }
    months.reverse();
    let timeliness = timeliness(store, actor, Some(area), month.first_day(), as_of, today).await?;
    let problems = ledger.by_department(month);
    let previous_problems = ledger.by_department(previous_month);
    let mut overdue_cases = store
        .cases(
            actor,
            &CaseFilter {
                within: Some(*area),
                overdue_on: Some(today),
                limit: 10_000,
                ..CaseFilter::default()
            },
        )
        .await?;
    overdue_cases.sort_by_key(|c| (c.case.due_on, c.case.id));
    let uncleared = ledger
        .select(&crate::problems::ProblemFilter {
            uncleared_on: Some(as_of),
            ..crate::problems::ProblemFilter::default().within(*area)
        })
        .into_iter()
        .cloned()
        .collect();
    // The name in force for the area on the day the figures stand; the older name if no pack
    // resolves there (the figures do not depend on it).
    let object_name = crate::policy::object_name(store, area.as_str(), as_of).await;
    let funds = match crate::funds::area_figures(store, actor, area, as_of).await {
        Ok(f) => Some(f),
        Err(e) => {
            tracing::warn!(error = %e, "月通报的资金项目数字读取失败");
            None
        }
    };
    let villages = match crate::villages::area_figures(store, actor, area, as_of).await {
        Ok(v) => Some(v),
        Err(e) => {
            tracing::warn!(error = %e, "月通报的村级工作数字读取失败");
            None
        }
    };
    let mut b = Bulletin {
        funds,
        villages,
        object_name,
        area: division,
        month,
        as_of,
        made_on: today,
        headline,
        previous,
        lines,
        months,
        timeliness,
        problems,
        previous_problems,
        overdue_cases,
        uncleared,
        paragraphs: Vec::new(),
    };
    b.paragraphs = paragraphs(&b);
    store
        .audit(
            actor,
            "bulletin.make",
            &format!("{}{}月通报", b.area.name, month.label()),
            &serde_json::json!({ "area": area.as_str(), "month": month.to_string() }).to_string(),
        )
        .await?;
    Ok(b)
}

fn pair_cells(p: Pair) -> [Cell; 2] {
    [Cell::Count(p.households), Cell::Count(p.people)]
}

fn share_cell(p: Option<i64>) -> Cell {
    p.map_or(Cell::Empty, Cell::Permille)
}

/// The bulletin's tables, one per sheet, in order.
pub fn tables(b: &Bulletin) -> Vec<Table> {
    let title = format!(
        "{}防止返贫动态监测帮扶工作{}通报",
        b.area.name,
        b.month.label()
    );
    let subtitle = format!(
        "统计截至：{}    生成日期：{}    人数为各户当前在户人口",
        b.as_of, b.made_on
    );
    let h = &b.headline;
    let p = &b.previous;
    let delta = |a: i64, c: i64| Cell::Count(a - c);
    let identified_households = format!("识别{}（户）", b.object_name);
    let identified_people = format!("识别{}（人）", b.object_name);
    let headline_rows = vec![
        (
            identified_households.as_str(),
            h.identified.households,
            p.identified.households,
        ),
        (
            identified_people.as_str(),
            h.identified.people,
            p.identified.people,
        ),
        (
            "监测帮扶中（户）",
            h.monitored.households,
            p.monitored.households,
        ),
        (
            "风险已消除（户）",
            h.eliminated.households,
            p.eliminated.households,
        ),
        ("风险已消除（人）", h.eliminated.people, p.eliminated.people),
        (
            "当月新识别（户）",
            h.new_identified.households,
            p.new_identified.households,
        ),
        (
            "当月风险消除（户）",
            h.new_eliminated.households,
            p.new_eliminated.households,
        ),
    ];
    let mut summary_rows: Vec<Vec<Cell>> = headline_rows
        .into_iter()
        .map(|(name, now, before)| {
            vec![
                Cell::text(name),
                Cell::Count(now),
                Cell::Count(before),
                delta(now, before),
            ]
        })
        .collect();
    summary_rows.push(vec![
        Cell::text("风险消除人数占比"),
        share_cell(h.share),
        share_cell(p.share),
        Cell::text(points(h.share, p.share)),
    ]);
    let t = &b.problems.total;
    let pt = &b.previous_problems.total;
    for (name, now, before) in [
        ("三保障问题当月发现（个）", t.found.n, pt.found.n),
        ("三保障问题当月销号（个）", t.closed.n, pt.closed.n),
        ("三保障问题未销号（个）", t.open.n, pt.open.n),
        ("三保障问题未清零（个）", t.uncleared.n, pt.uncleared.n),
    ] {
        let (now, before) = (
            i64::try_from(now).unwrap_or(0),
            i64::try_from(before).unwrap_or(0),
        );
        summary_rows.push(vec![
            Cell::text(name),
            Cell::Count(now),
            Cell::Count(before),
            delta(now, before),
        ]);
    }
    let summary = Table {
        sheet: sheet_name("月通报"),
        title: title.clone(),
        subtitle: subtitle.clone(),
        columns: vec![("指标", 26), ("本月", 12), ("上月", 12), ("增减", 16)],
        rows: summary_rows,
        total: None,
    };

    let level = b
        .lines
        .first()
        .map_or("区划", |l| l.division.code.level().label());
    let mut sum = Headline::default();
    let (mut overdue, mut open, mut uncleared) = (0, 0, 0);
    let division_rows = b
        .lines
        .iter()
        .map(|l| {
            let f = &l.figures;
            for (acc, add) in [
                (&mut sum.identified, f.identified),
                (&mut sum.monitored, f.monitored),
                (&mut sum.eliminated, f.eliminated),
                (&mut sum.new_identified, f.new_identified),
                (&mut sum.new_eliminated, f.new_eliminated),
            ] {
                acc.households += add.households;
                acc.people += add.people;
            }
            overdue += l.overdue_now;
            open += l.problems_open;
            uncleared += l.problems_uncleared;
            let mut row = vec![Cell::text(l.division.name.clone())];
            row.extend(pair_cells(f.identified));
            row.push(Cell::Count(f.monitored.households));
            row.extend(pair_cells(f.eliminated));
            row.push(share_cell(f.share));
            row.push(Cell::Count(f.new_identified.households));
            row.push(Cell::Count(f.new_eliminated.households));
            row.push(Cell::Count(l.overdue_now));
            row.push(Cell::Count(i64::try_from(l.problems_open).unwrap_or(0)));
            row.push(Cell::Count(
                i64::try_from(l.problems_uncleared).unwrap_or(0),
            ));
            row
        })
        .collect();
    let mut total = vec![Cell::text("合计")];
    total.extend(pair_cells(sum.identified));
    total.push(Cell::Count(sum.monitored.households));
    total.extend(pair_cells(sum.eliminated));
    total.push(share_cell(permille(
        sum.eliminated.people,
        sum.identified.people,
    )));
    total.push(Cell::Count(sum.new_identified.households));
    total.push(Cell::Count(sum.new_eliminated.households));
    total.push(Cell::Count(overdue));
    total.push(Cell::Count(i64::try_from(open).unwrap_or(0)));
    total.push(Cell::Count(i64::try_from(uncleared).unwrap_or(0)));
    let divisions = Table {
        sheet: sheet_name(&format!("各{level}")),
        title: format!("{}各{level}监测帮扶情况（截至{}）", b.area.name, b.as_of),
        subtitle: subtitle.clone(),
        columns: vec![
            (level, 12),
            ("识别户数", 10),
            ("识别人数", 10),
            ("监测帮扶中（户）", 12),
            ("风险已消除（户）", 12),
            ("风险已消除（人）", 12),
            ("风险消除人数占比", 12),
            ("当月新识别（户）", 12),
            ("当月风险消除（户）", 12),
            ("逾期未办（件）", 10),
            ("三保障未销号（个）", 12),
            ("三保障未清零（个）", 12),
        ],
        rows: division_rows,
        total: Some(total),
    };

    let trend = Table {
        sheet: sheet_name("每月趋势"),
        title: format!("{}近12个月新识别和风险消除", b.area.name),
        subtitle: subtitle.clone(),
        columns: vec![
            ("月份", 10),
            ("新识别（户）", 12),
            ("新识别（人）", 12),
            ("风险消除（户）", 12),
            ("风险消除（人）", 12),
        ],
        rows: b
            .months
            .iter()
            .map(|m| {
                vec![
                    Cell::text(m.month.to_string()),
                    Cell::Count(m.identified.households),
                    Cell::Count(m.identified.people),
                    Cell::Count(m.eliminated.households),
                    Cell::Count(m.eliminated.people),
                ]
            })
            .collect(),
        total: Some(vec![
            Cell::text("合计"),
            Cell::Count(b.months.iter().map(|m| m.identified.households).sum()),
            Cell::Count(b.months.iter().map(|m| m.identified.people).sum()),
            Cell::Count(b.months.iter().map(|m| m.eliminated.households).sum()),
            Cell::Count(b.months.iter().map(|m| m.eliminated.people).sum()),
        ]),
    };

    let (done, on_time) = b
        .timeliness
        .steps
        .iter()
        .fold((0, 0), |(d, o), s| (d + s.done, o + s.on_time));
    let timely = Table {
        sheet: sheet_name("办理时效"),
        title: format!("{}{}各环节按时办结情况", b.area.name, b.month.label()),
        subtitle: subtitle.clone(),
        columns: vec![
            ("环节", 22),
            ("办理层级", 10),
            ("办结（件）", 10),
            ("按时（件）", 10),
            ("超时（件）", 10),
            ("按时办结率", 12),
        ],
        rows: b
            .timeliness
            .steps
            .iter()
            .map(|s| {
                vec![
                    Cell::text(s.step.clone()),
                    Cell::text(s.level),
                    Cell::Count(s.done),
                    Cell::Count(s.on_time),
                    Cell::Count(s.done - s.on_time),
                    share_cell(permille(s.on_time, s.done)),
                ]
            })
            .collect(),
        total: Some(vec![
            Cell::text("合计"),
            Cell::Empty,
            Cell::Count(done),
            Cell::Count(on_time),
            Cell::Count(done - on_time),
            share_cell(permille(on_time, done)),
        ]),
    };

    let count = |n: usize| Cell::Count(i64::try_from(n).unwrap_or(0));
    let departments = Table {
        sheet: sheet_name("三保障问题（按部门）"),
        title: format!(
            "{}{}三保障及饮水安全问题月调度",
            b.area.name,
            b.month.label()
        ),
        subtitle: subtitle.clone(),
        columns: vec![
            ("责任部门", 18),
            ("当月发现", 10),
            ("当月销号", 10),
            ("未销号", 10),
            ("超过整改期限", 12),
            ("未清零", 10),
        ],
        rows: b
            .problems
            .lines
            .iter()
            .map(|l| {
                vec![
                    Cell::text(l.name.clone()),
                    count(l.counts.found.n),
                    count(l.counts.closed.n),
                    count(l.counts.open.n),
                    count(l.counts.overdue.n),
                    count(l.counts.uncleared.n),
                ]
            })
            .collect(),
        total: Some(vec![
            Cell::text("合计"),
            count(t.found.n),
            count(t.closed.n),
            count(t.open.n),
            count(t.overdue.n),
            count(t.uncleared.n),
        ]),
    };

    let overdue_list = Table {
        sheet: sheet_name("逾期未办"),
        title: format!("{}逾期未办案件（截至{}）", b.area.name, b.made_on),
        subtitle: subtitle.clone(),
        columns: vec![
            ("案件", 8),
            ("户编号", 19),
            ("户主", 10),
            ("村", 12),
            ("当前环节", 14),
            ("本环节开始", 12),
            ("办理时限", 12),
        ],
        rows: b
            .overdue_cases
            .iter()
            .map(|c| {
                vec![
                    Cell::text(format!("#{}", c.case.id)),
                    Cell::text(c.case.household.to_string()),
                    Cell::text(c.head_name.clone()),
                    Cell::text(c.village_name.clone()),
                    Cell::text(c.case.state.label()),
                    Cell::Date(c.case.step_since),
                    Cell::date(c.case.due_on),
                ]
            })
            .collect(),
        total: Some(vec![
            Cell::text("合计"),
            Cell::text(format!("{}件", b.overdue_cases.len())),
        ]),
    };

    let uncleared_list = Table {
        sheet: sheet_name("未清零问题"),
        title: format!("{}未清零三保障问题（截至{}）", b.area.name, b.as_of),
        subtitle,
        columns: vec![
            ("问题", 8),
            ("户编号", 19),
            ("户主", 10),
            ("村", 12),
            ("类型", 10),
            ("问题描述", 28),
            ("发现日期", 12),
            ("责任部门", 16),
            ("整改期限", 12),
            ("状态", 12),
        ],
        rows: b
            .uncleared
            .iter()
            .map(|p| {
                vec![
                    Cell::text(format!("#{}", p.id)),
                    Cell::text(p.household.to_string()),
                    Cell::text(p.head_name.clone()),
                    Cell::text(p.village_name.clone()),
                    Cell::text(p.kind.label()),
                    Cell::text(p.description.clone()),
                    Cell::Date(p.found_on),
                    Cell::text(p.department.clone()),
                    Cell::Date(p.deadline),
                    Cell::text(p.state.label()),
                ]
            })
            .collect(),
        total: Some(vec![
            Cell::text("合计"),
            Cell::text(format!("{}个", b.uncleared.len())),
        ]),
    };
    vec![
        summary,
        divisions,
        trend,
        timely,
        departments,
        overdue_list,
        uncleared_list,
    ]
}

fn io(e: impl std::fmt::Display) -> AppError {
    AppError::Invalid(vec![format!("写入月通报失败：{e}")])
}

/// A column chart of `series` (column numbers) over the table's first column, placed beside it.
fn chart_beside(
    wb: &mut Workbook,
    sheet: usize,
    table: &Table,
    placed: Placed,
    kind: ChartType,
    title: &str,
    series: &[u16],
) -> Result<(), AppError> {
    if placed.last_row < placed.first_row {
        return Ok(());
    }
    let mut chart = Chart::new(kind);
    for c in series {
        let name = table.columns.get(usize::from(*c)).map_or("", |c| c.0);
        chart
            .add_series()
            .set_name(name)
            .set_categories((
                table.sheet.as_str(),
                placed.first_row,
                0,
                placed.last_row,
                0,
            ))
            .set_values((
                table.sheet.as_str(),
                placed.first_row,
                *c,
                placed.last_row,
                *c,
            ));
    }
    chart.title().set_name(title);
    chart.set_width(640).set_height(360);
    let ws = wb.worksheet_from_index(sheet).map_err(io)?;
    let at = u16::try_from(table.columns.len() + 1).unwrap_or(8);
    ws.insert_chart(crate::workbook::HEADING_ROW, at, &chart)
        .map_err(io)?;
    Ok(())
}

/// The bulletin as an XLSX workbook: the sentences on the first sheet above the headline
/// table, a sheet per table, native column and line charts beside the towns, the months and
/// the departments.
pub fn write_xlsx<W: std::io::Write + Send>(b: &Bulletin, out: W) -> Result<(), AppError> {
    let tables = tables(b);
    let mut wb = Workbook::new();
    let mut placed = Vec::new();
    for t in &tables {
        placed.push(add_table(&mut wb, t, false)?);
    }
    // The sentences under the headline table of the first sheet.
    {
        let ws = wb.worksheet_from_index(0).map_err(io)?;
        let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
        let mut r = placed[0].last_row + 2;
        ws.write_string_with_format(r, 0, "通报内容", &Format::new().set_bold())
            .map_err(io)?;
        for para in &b.paragraphs {
            r += 1;
            ws.merge_range(r, 0, r, 3, para, &wrap).map_err(io)?;
            ws.set_row_height(r, 48).map_err(io)?;
        }
    }
    chart_beside(
        &mut wb,
        1,
        &tables[1],
        placed[1],
        ChartType::Column,
        "识别户数与风险已消除户数",
        &[1, 4],
    )?;
    chart_beside(
        &mut wb,
        2,
        &tables[2],
        placed[2],
        ChartType::Line,
        "每月新识别和风险消除户数",
        &[1, 3],
    )?;
    chart_beside(
        &mut wb,
        4,
        &tables[4],
        placed[4],
        ChartType::Bar,
        "各责任部门未销号和未清零问题",
        &[3, 5],
    )?;
    wb.save_to_writer(out).map_err(io)
}
