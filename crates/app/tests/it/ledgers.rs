//! The standard ledgers on the demo county, written as XLSX and read back with calamine: the
//! sheets, titles and headings as county staff know them, every cell as built, the totals,
//! the rows agreeing with the dashboard's figures, ID numbers masked unless revealed with a
//! reason (audited), and scope.

use dixian_store::prelude::*;

use crate::monitoring::as_role;
use crate::support::*;
use calamine::{Data, Reader};
use dixian_app::AppError;
use dixian_app::dashboard::dashboard;
use dixian_app::ledgers::{LedgerKind, build};
use dixian_app::problems::ProblemLedger;
use dixian_app::setup::initialize;
use dixian_app::workbook::{HEADING_ROW, write_tables};
use dixian_domain::access::Role;
use dixian_domain::division::DivisionCode;
use dixian_store::{AuditFilter, StoreError};

fn code(s: &str) -> DivisionCode {
    DivisionCode::parse(s).unwrap()
}

/// The sheets of an XLSX file as text, the way a person reads them.
pub(super) fn read_back(bytes: Vec<u8>) -> Vec<(String, Vec<Vec<String>>)> {
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let names = book.sheet_names();
    names
        .into_iter()
        .map(|name| {
            let range = book.worksheet_range(&name).unwrap();
            let rows = range
                .rows()
                .map(|r| {
                    r.iter()
                        .map(|c| match c {
                            Data::Empty => String::new(),
                            Data::String(s) => s.clone(),
                            Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
                            Data::Float(f) => format!("{f:.2}"),
                            Data::Int(i) => i.to_string(),
                            Data::DateTime(dt) => {
                                let base = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap();
                                (base + chrono::Days::new(dt.as_f64() as u64)).to_string()
                            }
                            other => format!("{other:?}"),
                        })
                        .collect()
                })
                .collect();
            (name, rows)
        })
        .collect()
}

/// Headings as written, one line: the snapshot of each ledger's layout.
const HEADINGS: [(&str, &str); 5] = [
    (
        "monitored",
        "序号|乡镇（街道）|行政村|户编号|户主姓名|户主身份证号|家庭人口|对象类别|风险类型|识别纳入日期|收入年度|人均纯收入（元）|已明确帮扶责任人|已落实帮扶措施（项）|当前状态|风险消除日期|消除方式",
    ),
    (
        "measures",
        "序号|乡镇（街道）|行政村|户编号|户主姓名|户主身份证号|对象类别|措施类型|措施内容|责任单位|开始日期|结束日期|帮扶资金（元）|落实状态|帮扶成效",
    ),
    (
        "visits",
        "序号|乡镇（街道）|行政村|户编号|户主姓名|走访日期|走访人员|走访发现|后续措施|照片（张）|监测案件",
    ),
    (
        "eliminated",
        "序号|乡镇（街道）|行政村|户编号|户主姓名|户主身份证号|家庭人口|对象类别|风险类型|识别纳入日期|风险消除日期|消除方式|收入年度|人均纯收入（元）|已落实帮扶措施（项）",
    ),
    (
        "problems",
        "序号|乡镇（街道）|行政村|户编号|户主姓名|问题类型|问题描述|发现途径|发现日期|发现人|责任部门|整改期限|整改情况|整改完成日期|销号日期|销号人|状态|是否逾期",
    ),
];

fn masked(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 18
        && b[..4].iter().all(u8::is_ascii_digit)
        && &s[4..14] == "**********"
        && b[14..].iter().all(|c| c.is_ascii_digit() || *c == b'X')
}

#[tokio::test]
async fn every_ledger_reads_back_as_built_and_agrees_with_the_dashboard() {
    let (_d, s) = store().await;
    initialize(&s, &sys(), &[], &[]).await.unwrap();
    let as_of = d(2026, 11, 23);
    load_demo(&s, 3000, 5, as_of).await;
    let town = code("500299101000");
    let report =
        dixian_app::demo::cases::load_cases(&s, &town, &town, &code("500299101201"), 5, as_of)
            .await
            .unwrap();
    assert!(report.visits > 0, "the demo records visits");
    dixian_app::demo::problems::load_problems(
        &s,
        &code("500299000000"),
        &code("500299101201"),
        5,
        as_of,
    )
    .await
    .unwrap();
    let county = as_role(Role::CountyAdmin, "500299000000");
    let area = code("500299000000");
    let board = dashboard(&s, &county, &area, as_of).await.unwrap();

    for (kind, headings) in LedgerKind::ALL.iter().zip(HEADINGS) {
        assert_eq!(kind.code(), headings.0);
        let ledger = build(&s, &county, *kind, &area, None, as_of).await.unwrap();
        let mut bytes = Vec::new();
        write_tables(std::slice::from_ref(&ledger.table), &mut bytes).unwrap();
        let sheets = read_back(bytes);
        assert_eq!(sheets.len(), 1);
        let (name, rows) = &sheets[0];
        // The name in force on the day (2026: 防止返贫致贫对象台账).
        let label = kind.label().replace("监测对象", "防止返贫致贫对象");
        assert_eq!(name, &label);
        assert_eq!(rows[0][0], format!("青山县{label}"));
        assert!(
            rows[1][0].starts_with("填报单位：青山县    截至：2026-11-23"),
            "{}",
            rows[1][0]
        );
        let head = HEADING_ROW as usize;
        assert_eq!(rows[head].join("|"), headings.1, "{}", kind.label());
        let data = &rows[head + 1..rows.len() - 1];
        assert_eq!(data.len(), ledger.table.rows.len());
        assert!(!data.is_empty(), "{} has rows in the demo", kind.label());
        // Every cell as built, in order.
        for (got, built) in data.iter().zip(&ledger.table.rows) {
            let want: Vec<String> = built.iter().map(|c| c.shown()).collect();
            let got: Vec<String> = got.iter().take(want.len()).cloned().collect();
            let want: Vec<String> = want
                .iter()
                .map(|w| w.strip_suffix(".00").unwrap_or(w).to_string())
                .collect();
            assert_eq!(got, want, "{}", kind.label());
        }
        assert_eq!(data.first().unwrap()[0], "1");
        assert_eq!(data.last().unwrap()[0], data.len().to_string());
        let total = rows.last().unwrap();
        assert_eq!(total[0], "合计");
        let col = |name: &str| headings.1.split('|').position(|h| h == name).unwrap();
        match kind {
            LedgerKind::Monitored | LedgerKind::Eliminated => {
                let figure = if *kind == LedgerKind::Monitored {
                    &board.identified
                } else {
                    &board.eliminated
                };
                assert_eq!(data.len() as i64, figure.households);
                assert_eq!(total[3], format!("{}户", figure.households));
                assert_eq!(total[col("家庭人口")], figure.people.to_string());
                assert!(data.iter().all(|r| masked(&r[col("户主身份证号")])));
                // Codes stay text: sixteen digits, never 1.2E+15.
                assert!(data.iter().all(|r| r[col("户编号")].len() == 16));
            }
            LedgerKind::Measures => {
                let sum: f64 = data
                    .iter()
                    .map(|r| r[col("帮扶资金（元）")].parse::<f64>().unwrap_or(0.0))
                    .sum();
                let total_funds: f64 = total[col("帮扶资金（元）")].parse().unwrap();
                assert!((sum - total_funds).abs() < 0.005, "{sum} vs {total_funds}");
                assert_eq!(total[3], format!("{}项", data.len()));
            }
            LedgerKind::Visits => {
                assert_eq!(data.len(), report.visits);
                let photos: i64 = data
                    .iter()
                    .map(|r| r[col("照片（张）")].parse::<i64>().unwrap())
                    .sum();
                assert_eq!(total[col("照片（张）")], photos.to_string());
                // Newest first.
                assert!(
                    data.windows(2)
                        .all(|w| w[0][col("走访日期")] >= w[1][col("走访日期")])
                );
            }
            LedgerKind::Problems => {
                let l = ProblemLedger::load(&s, &county, &area, as_of)
                    .await
                    .unwrap();
                assert_eq!(data.len(), l.problems.len());
                let closed = data.iter().filter(|r| r[col("状态")] == "已销号").count();
                assert_eq!(total[col("销号日期")], format!("已销号{closed}个"));
            }
        }
    }

    // In full: only with a reason, and the reveal is audited.
    let e = build(&s, &county, LedgerKind::Monitored, &area, Some("查"), as_of)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("须说明理由"), "{e}");
    let full = build(
        &s,
        &county,
        LedgerKind::Monitored,
        &area,
        Some("报送县纪委专项检查"),
        as_of,
    )
    .await
    .unwrap();
    let ids = full
        .table
        .columns
        .iter()
        .position(|c| c.0 == "户主身份证号")
        .unwrap();
    assert!(
        full.table
            .rows
            .iter()
            .all(|r| r[ids].shown().len() == 18 && !r[ids].shown().contains('*'))
    );
    let audit = s
        .audit_records(&sys(), &AuditFilter::after(0, 100_000))
        .await
        .unwrap();
    assert_eq!(
        audit.iter().filter(|r| r.action == "export.ledger").count(),
        6
    );
    assert!(
        audit
            .iter()
            .any(|r| r.detail.contains("报送县纪委专项检查"))
    );

    // A village officer may not export; a town officer only within the town.
    let village = as_role(Role::VillageOfficer, "500299101201");
    let e = build(
        &s,
        &village,
        LedgerKind::Visits,
        &code("500299101201"),
        None,
        as_of,
    )
    .await
    .unwrap_err();
    assert!(matches!(e, AppError::Store(StoreError::Forbidden)), "{e}");
    let town_officer = as_role(Role::TownReviewer, "500299101000");
    let e = build(&s, &town_officer, LedgerKind::Problems, &area, None, as_of)
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Store(StoreError::Forbidden)), "{e}");
    let mine = build(&s, &town_officer, LedgerKind::Visits, &town, None, as_of)
        .await
        .unwrap();
    assert_eq!(
        mine.table.rows.len(),
        report.visits,
        "the demo's visits are all in the town"
    );
    assert!(mine.table.title.starts_with("石桥镇"));
}
