//! Villages on the demo county: designations checked against the pack's table and the
//! division's level; the 农经 statement imported whole or not at all (a row whose 收益 does not
//! add up named by row and column); each village's gap to the county pack's target; the
//! weak-village reverse ranking with a tie at the cut and a village missing a year.

use crate::monitoring::as_role;
use crate::support::*;
use dixian_app::villages::{DesignationForm, designate, import_accounts, overview, weak_ranking};
use dixian_domain::access::Role;
use dixian_domain::division::DivisionLevel;

const COUNTY: &str = "500299000000";

/// The county's village rules: a target from 2024 and a programme choosing two villages by
/// the 2023–2025 average — pack values, no code.
const VILLAGE_PACK: &str = r#"
[pack]
id = "qingshan-2024-villages"
title = "青山县村集体经济目标（测试）"
level = "县"
region = "500299000000"
effective_from = 2024-01-01

[villages]
operating_items = ["business", "contract", "investment", "other"]

[[villages.target]]
year = 2024
all_operating_min = "100000元"
all_profit_min = "30000元"
share_percent = 50
share_operating_min = "200000元"
share_profit_min = "50000元"

[villages.weak]
rank_from = 2023
rank_to = 2025
choose_count = 2
target_operating = "200000元"

[sources]
"villages" = "县定默认值：测试用"
"#;

fn row(village: &str, year: i32, business: i64, subsidy: i64, profit: i64) -> String {
    // 经营收入, 发包及上交, 投资收益, 补助, 其他, 经营支出, 管理费用, 其他支出, 本年收益
    format!("{village},{year},{business},0,0,{subsidy},0,0,0,0,{profit}")
}

#[tokio::test]
async fn accounts_import_whole_and_rank_the_weak_villages_by_the_pack() {
    let (_d, s) = store().await;
    initialize(
        &s,
        &sys(),
        &[],
        &[file("qingshan-villages.toml", VILLAGE_PACK)],
    )
    .await
    .unwrap();
    let today = d(2026, 3, 1);
    load_demo(&s, 800, 9, today).await;
    let county = as_role(Role::CountyAdmin, COUNTY);
    let villages: Vec<_> = s
        .divisions_within(&DivisionCode::parse(COUNTY).unwrap())
        .await
        .unwrap()
        .into_iter()
        .filter(|d| d.code.level() == DivisionLevel::Village)
        .collect();
    assert!(villages.len() >= 5, "{}", villages.len());
    let v: Vec<String> = villages.iter().map(|d| d.code.to_string()).collect();

    // A designation of the wrong level, then a right one.
    let form = |division: &str, kind: &str| DesignationForm {
        division: division.into(),
        kind: kind.into(),
        document: "青乡振〔2024〕1号".into(),
        from: "2024-01-01".into(),
        to: String::new(),
    };
    let Err(AppError::Fields(p)) = designate(&s, &county, &form(&v[0], "key_town"), today).await
    else {
        panic!("a town's designation given to a village is refused");
    };
    assert_eq!(p[0].0, "division");
    assert!(p[0].1.contains("认定给乡镇"), "{}", p[0].1);
    designate(&s, &county, &form(&v[0], "tuopin_village"), today)
        .await
        .unwrap();

    // A statement with a 收益 that does not add up: refused by row and column, nothing saved.
    let header = "村*,年度*,经营收入*,发包及上交收入*,投资收益*,补助收入*,其他收入*,经营支出*,管理费用*,其他支出*,本年收益*";
    let bad = format!(
        "{header}\n{}\n{}\n",
        row(&v[0], 2024, 50_000, 10_000, 60_000),
        row(&v[1], 2024, 50_000, 10_000, 70_000)
    );
    let Err(AppError::Invalid(m)) = import_accounts(&s, &county, "收支.csv", bad.as_bytes()).await
    else {
        panic!("a 收益 that does not add up is refused");
    };
    assert!(
        m[0].contains("收支.csv第3行“本年收益”") && m[0].contains("相差10,000.00元"),
        "{m:?}"
    );
    assert!(
        s.accounts(&county, None, 2000, 2100)
            .await
            .unwrap()
            .is_empty()
    );

    // The statement: v0 and v1 tie at the bottom, v2 has no 2024, v3 is well off, v4 has none.
    let mut rows = vec![header.to_string()];
    for (village, incomes) in [
        (&v[0], [40_000, 50_000, 60_000]),
        (&v[1], [60_000, 50_000, 40_000]),
        (&v[3], [300_000, 320_000, 340_000]),
    ] {
        for (year, business) in (2023..=2025).zip(incomes) {
            rows.push(row(village, year, business, 20_000, business + 20_000));
        }
    }
    rows.push(row(&v[2], 2023, 50_000, 0, 50_000));
    rows.push(row(&v[2], 2025, 50_000, 0, 50_000));
    let n = import_accounts(&s, &county, "收支.csv", rows.join("\n").as_bytes())
        .await
        .unwrap();
    assert_eq!(n, 11);

    // The weak ranking: three villages average 5万 and the pack chooses two, so the tie at the
    // cut brings in the third; the village without accounts is not ranked.
    let (rules, lines) = weak_ranking(&s, &county, None, today)
        .await
        .unwrap()
        .expect("the county's pack has a programme");
    assert_eq!(rules.choose_count, 2);
    let chosen: Vec<String> = lines
        .iter()
        .filter(|l| l.ranked.chosen)
        .map(|l| l.ranked.village.to_string())
        .collect();
    assert_eq!(chosen.len(), 3, "{chosen:?}");
    for x in [&v[0], &v[1], &v[2]] {
        assert!(chosen.contains(x), "{x} chosen");
    }
    let missing = lines
        .iter()
        .find(|l| l.ranked.village.to_string() == v[2])
        .unwrap();
    assert_eq!(missing.ranked.missing, [2024]);
    assert!(
        lines
            .iter()
            .find(|l| l.ranked.village.to_string() == v[4])
            .unwrap()
            .ranked
            .rank
            .is_none()
    );

    // 2025 against the pack's target (the 2024 one holds): v3 meets it, v0 lacks 4万.
    let o = overview(&s, &county, None, 2025, today).await.unwrap();
    assert_eq!(o.target.as_ref().map(|t| t.year), Some(2024));
    assert_eq!(o.reported, 4);
    let line = |code: &str| {
        o.lines
            .iter()
            .find(|l| l.village.to_string() == code)
            .unwrap()
    };
    assert!(line(&v[3]).gap.unwrap().met());
    assert_eq!(
        line(&v[0]).gap.unwrap().operating,
        Money::from_yuan(40_000).unwrap()
    );
    assert!(line(&v[4]).account.is_none());
    assert_eq!(line(&v[0]).designations, ["脱贫村"]);
    assert_eq!(o.met_all, 1);
}
