//! The monthly bulletin on the demo county: its figures agree with the dashboard and with the
//! problem ledger, a past month stays what it was, the sentences say the numbers, and the
//! XLSX reads back with its sheets, headings, totals and native charts.

use dixian_store::prelude::*;

use crate::ledgers::read_back;
use crate::monitoring::as_role;
use crate::support::*;
use dixian_app::AppError;
use dixian_app::bulletin::{Headline, bulletin, tables, write_xlsx};
use dixian_app::dashboard::dashboard;
use dixian_app::problems::ProblemLedger;
use dixian_app::setup::initialize;
use dixian_app::workbook::HEADING_ROW;
use dixian_domain::access::Role;
use dixian_domain::division::DivisionCode;
use dixian_domain::problems::Month;
use dixian_store::StoreError;

fn code(s: &str) -> DivisionCode {
    DivisionCode::parse(s).unwrap()
}

#[tokio::test]
async fn the_bulletin_agrees_with_the_dashboard_and_reads_back_with_charts() {
    let (_d, s) = store().await;
    initialize(&s, &sys(), &[], &[]).await.unwrap();
    let today = d(2026, 11, 23);
    load_demo(&s, 3000, 5, today).await;
    let town = code("500299101000");
    let county_code = code("500299000000");
    dixian_app::demo::cases::load_cases(&s, &town, &town, &code("500299101201"), 5, today)
        .await
        .unwrap();
    dixian_app::demo::problems::load_problems(&s, &county_code, &code("500299101201"), 5, today)
        .await
        .unwrap();
    let county = as_role(Role::CountyAdmin, "500299000000");
    let month = Month::of(today);

    // This month, taken today: the dashboard's figures.
    let b = bulletin(&s, &county, &county_code, month, today)
        .await
        .unwrap();
    let board = dashboard(&s, &county, &county_code, today).await.unwrap();
    let h = &b.headline;
    assert_eq!(b.as_of, today);
    assert_eq!(
        (h.identified.households, h.identified.people),
        (board.identified.households, board.identified.people)
    );
    assert_eq!(
        (h.eliminated.households, h.eliminated.people),
        (board.eliminated.households, board.eliminated.people)
    );
    assert_eq!(h.monitored.households, board.monitored.households);
    assert_eq!(h.share, board.eliminated_share);
    let this = board.months.last().unwrap();
    assert_eq!(h.new_identified.households, this.identified.households);
    assert_eq!(h.new_eliminated.households, this.eliminated.households);
    let before = &board.months[board.months.len() - 2];
    assert_eq!(
        b.previous.new_identified.households,
        before.identified.households
    );
    assert_eq!(b.months.len(), 12);
    for (m, dm) in b.months.iter().zip(&board.months) {
        assert_eq!(m.month.to_string(), dm.month);
        assert_eq!(m.identified.households, dm.identified.households);
        assert_eq!(m.eliminated.households, dm.eliminated.households);
    }
    // Towns partition the county; the problems are the ledger's.
    assert_eq!(b.lines.len(), 15);
    let sum: i64 = b
        .lines
        .iter()
        .map(|l| l.figures.identified.households)
        .sum();
    assert_eq!(sum, h.identified.households);
    assert_eq!(
        b.lines.iter().map(|l| l.overdue_now).sum::<i64>(),
        i64::try_from(b.overdue_cases.len()).unwrap()
    );
    assert_eq!(b.overdue_cases.len() as i64, board.overdue_total.households);
    let l = ProblemLedger::load(&s, &county, &county_code, today)
        .await
        .unwrap();
    assert_eq!(b.problems, l.by_department(month));
    assert_eq!(b.uncleared.len(), b.problems.total.uncleared.n);
    assert_eq!(
        b.lines.iter().map(|l| l.problems_open).sum::<usize>(),
        b.problems.total.open.n
    );

    // The sentences carry the numbers.
    let text = b.paragraphs.join("\n");
    for needle in [
        format!("截至{today}，青山县累计识别防止返贫致贫对象"),
        format!("{}户", h.identified.households),
        format!(
            "风险消除人数占比{}",
            dixian_app::dashboard::percent_text(h.share)
        ),
        format!(
            "{}新识别防止返贫致贫对象{}户",
            month.label(),
            h.new_identified.households
        ),
        format!("月末未销号{}个", b.problems.total.open.n),
    ] {
        assert!(text.contains(&needle), "{needle} not in:\n{text}");
    }
    // The village paragraphs say what is stored: the village work's own figures.
    let v = b.villages.as_ref().expect("the village work is read");
    let board_villages = dixian_app::villages::area_figures(&s, &county, &county_code, b.as_of)
        .await
        .unwrap();
    assert_eq!(*v, board_villages);
    assert!(
        text.contains(&format!("驻村工作队{}个、在任队员{}人", v.teams, v.members)),
        "{text}"
    );
    assert!(
        text.contains(&format!("经济薄弱村纳入扶持{}个", v.weak_enrolled)),
        "{text}"
    );

    // A past month is read from the cases' dates: what was included by its end.
    let october = Month::parse("2026-10").unwrap();
    let past = bulletin(&s, &county, &county_code, october, today)
        .await
        .unwrap();
    assert_eq!(past.as_of, d(2026, 10, 31));
    let facts = s.case_facts(&county, Some(&county_code)).await.unwrap();
    let by_then = facts
        .iter()
        .filter(|f| f.approved_on.is_some_and(|a| a <= d(2026, 10, 31)))
        .count() as i64;
    assert_eq!(past.headline.identified.households, by_then);
    assert_eq!(past.headline, b.previous);
    // The name is the one in force on the day the figures stand: a 2025 month's bulletin says
    // 监测对象, a 2026 one 防止返贫致贫对象 (2026 No.1 document, pack national-2026).
    let last_year = bulletin(
        &s,
        &county,
        &county_code,
        Month::parse("2025-10").unwrap(),
        today,
    )
    .await
    .unwrap();
    assert_eq!(last_year.object_name, "监测对象");
    assert!(
        last_year.paragraphs[0].contains("累计识别监测对象"),
        "{:?}",
        last_year.paragraphs
    );
    assert_eq!(b.object_name, "防止返贫致贫对象");
    assert_eq!(
        Headline::of(&facts, &county_code, october, d(2026, 10, 31)),
        past.headline
    );

    // The workbook: seven sheets, the sentences, headings, totals, three charts.
    let mut bytes = Vec::new();
    write_xlsx(&b, &mut bytes).unwrap();
    let charts = (1..=3)
        .filter(|n| {
            let name = format!("xl/charts/chart{n}.xml");
            bytes.windows(name.len()).any(|w| w == name.as_bytes())
        })
        .count();
    assert_eq!(charts, 3, "native Excel charts");
    let sheets = read_back(bytes);
    let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "月通报",
            "各乡镇",
            "每月趋势",
            "办理时效",
            "三保障问题（按部门）",
            "逾期未办",
            "未清零问题"
        ]
    );
    let built = tables(&b);
    for ((name, rows), table) in sheets.iter().zip(&built) {
        assert_eq!(rows[0][0], table.title, "{name}");
        let head = HEADING_ROW as usize;
        let headings: Vec<&str> = rows[head]
            .iter()
            .take(table.columns.len())
            .map(String::as_str)
            .collect();
        let want: Vec<&str> = table.columns.iter().map(|c| c.0).collect();
        assert_eq!(headings, want, "{name}");
    }
    let (_, summary) = &sheets[0];
    let all_text: String = summary
        .iter()
        .flatten()
        .cloned()
        .collect::<Vec<_>>()
        .join("\n");
    for p in &b.paragraphs {
        assert!(all_text.contains(p.as_str()), "sentence missing: {p}");
    }
    assert_eq!(
        summary[HEADING_ROW as usize + 1][0],
        "识别防止返贫致贫对象（户）"
    );
    assert_eq!(
        summary[HEADING_ROW as usize + 1][1],
        h.identified.households.to_string()
    );
    let (_, towns) = &sheets[1];
    let total = towns
        .iter()
        .find(|r| r.first().is_some_and(|c| c == "合计"))
        .unwrap();
    assert_eq!(total[1], h.identified.households.to_string());
    assert_eq!(total[2], h.identified.people.to_string());
    let (_, trend) = &sheets[2];
    let total = trend.last().unwrap();
    assert_eq!(
        total[1],
        b.months
            .iter()
            .map(|m| m.identified.households)
            .sum::<i64>()
            .to_string()
    );

    // A town's bulletin read by the county counts that town's steps only: the demo's cases
    // are all in 石桥镇, so 白沙镇 has none.
    let done =
        |b: &dixian_app::bulletin::Bulletin| b.timeliness.steps.iter().map(|s| s.done).sum::<i64>();
    assert!(
        done(&b) > 0,
        "the demo county completes timed steps this month"
    );
    let baisha = bulletin(&s, &county, &code("500299102000"), month, today)
        .await
        .unwrap();
    assert_eq!(done(&baisha), 0);
    assert!(
        baisha
            .timeliness
            .towns
            .iter()
            .all(|t| t.town == code("500299102000"))
    );
    assert_eq!(
        done(&bulletin(&s, &county, &town, month, today).await.unwrap()),
        done(&b)
    );

    // A month not begun, and someone else's county.
    let e = bulletin(&s, &county, &county_code, month.next(), today)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("尚未开始"), "{e}");
    let other_town = as_role(Role::TownReviewer, "500299102000");
    let e = bulletin(&s, &other_town, &town, month, today)
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Store(StoreError::Forbidden)), "{e}");
    let mine = bulletin(
        &s,
        &as_role(Role::TownReviewer, "500299101000"),
        &town,
        month,
        today,
    )
    .await
    .unwrap();
    assert_eq!(
        mine.headline.identified, h.identified,
        "the demo's cases are all in the town"
    );
    assert!(mine.lines.iter().all(|l| l.division.code.is_within(&town)));
}
