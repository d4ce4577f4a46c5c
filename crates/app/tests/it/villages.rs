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

/// The programme of the pack above with its pairing limits: each unit two teams, each team two
/// villages.
fn programme_pack() -> String {
    VILLAGE_PACK.replace(
        "choose_count = 2\n",
        "choose_count = 2\nteams_per_unit_max = 2\nvillages_per_team_max = 2\n",
    )
}

#[tokio::test]
async fn a_weak_village_reaches_its_target_and_is_struck_off() {
    use dixian_app::rectification::{StepForm, step, workbook};
    use dixian_app::villages::{WeakForm, enrol_weak, programme};
    use dixian_domain::rectification::ItemState;
    let (_d, s) = store().await;
    initialize(
        &s,
        &sys(),
        &[],
        &[file("qingshan-villages.toml", &programme_pack())],
    )
    .await
    .unwrap();
    // Late in 2026: the year's accounts are in (the 农经 statement is taken at year end).
    let today = d(2026, 12, 1);
    load_demo(&s, 300, 9, today).await;
    let county = as_role(Role::CountyAdmin, COUNTY);
    let v = village_codes(&s).await;
    let town_of = |code: &str| as_role(Role::TownReviewer, &format!("{}000", &code[..9]));
    let header = "村*,年度*,经营收入*,发包及上交收入*,投资收益*,补助收入*,其他收入*,经营支出*,管理费用*,其他支出*,本年收益*";
    let import = |lines: Vec<String>| {
        let body = format!("{header}\n{}\n", lines.join("\n"));
        let s = &s;
        let county = &county;
        async move {
            import_accounts(s, county, "收支.csv", body.as_bytes())
                .await
                .unwrap()
        }
    };
    let mut rows = Vec::new();
    for (village, business) in [(&v[0], 40_000), (&v[1], 60_000), (&v[2], 300_000)] {
        for year in 2023..=2025 {
            rows.push(row(village, year, business, 0, business));
        }
    }
    import(rows).await;

    // Only a chosen village is enrolled, and not below the pack's target.
    let form = |village: &str, target: &str| WeakForm {
        village: village.into(),
        target: target.into(),
        unit: "县农业农村委".into(),
        team: "第一工作队".into(),
        team_id: String::new(),
        person: "驻村队长".into(),
        plan: "建设光伏电站，收益归村集体".into(),
        deadline: "2027-12-31".into(),
    };
    let refused = |r: Result<i64, AppError>| match r {
        Err(AppError::Fields(p)) => p,
        other => panic!("expected a refused form, got {other:?}"),
    };
    let p = refused(enrol_weak(&s, &county, &form(&v[2], ""), today).await);
    assert!(p[0].1.contains("不在倒排选出的经济薄弱村中"), "{p:?}");
    // A helping team chosen from the resident teams must be one, and serve the village.
    for (id, says) in [("一队", "不存在"), ("999999", "不驻")] {
        let chosen = WeakForm {
            team_id: id.into(),
            ..form(&v[0], "")
        };
        let p = refused(enrol_weak(&s, &county, &chosen, today).await);
        assert!(
            p.iter().any(|(f, m)| *f == "team_id" && m.contains(says)),
            "{id}: {p:?}"
        );
    }
    let p = refused(enrol_weak(&s, &county, &form(&v[0], "15万"), today).await);
    assert_eq!(p[0].0, "target");
    assert!(p[0].1.contains("低于政策包的扶持目标200,000.00元"), "{p:?}");
    let p = refused(enrol_weak(&s, &town_of(&v[0]), &form(&v[0], ""), today).await);
    assert!(p[0].1.contains("纳入扶持由县级办理"), "{p:?}");
    let id = enrol_weak(&s, &county, &form(&v[0], ""), today)
        .await
        .unwrap();
    enrol_weak(&s, &county, &form(&v[1], "25万"), today)
        .await
        .unwrap();

    // The town reports completion with its evidence; the county verifies against the accounts.
    let town = town_of(&v[0]);
    let version = |n: i64| n.to_string();
    let take = |actor, step_code: &str, note: &str, evidence: &str, v: i64| {
        let f = StepForm {
            step: step_code.into(),
            on: String::new(),
            note: note.into(),
            evidence: evidence.into(),
            version: version(v),
            ..StepForm::default()
        };
        let s = &s;
        async move {
            step(s, actor, id, &f, Vec::new(), today)
                .await
                .map_err(|r| r.error)
        }
    };
    // A file that is not a scan or a photo is named beside the upload box; nothing is written,
    // and the scan chosen with it is kept for the corrected form (upload once).
    let f = StepForm {
        step: "resolve".into(),
        on: String::new(),
        note: "光伏电站已并网".into(),
        evidence: "并网验收单".into(),
        version: version(0),
        kept: Vec::new(),
        keep_refused_files: true,
    };
    let scan = (
        "并网验收单.pdf".to_string(),
        b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".to_vec(),
    );
    let not_a_scan = ("验收单.docx".to_string(), b"PK\x03\x04 word".to_vec());
    let kept = match step(&s, &town, id, &f, vec![not_a_scan, scan], today).await {
        Err(r) => {
            let AppError::Fields(p) = &r.error else {
                panic!("a .docx should be refused beside the upload: {:?}", r.error);
            };
            assert_eq!(p.len(), 1, "{p:?}");
            assert_eq!(p[0].0, "file");
            assert!(p[0].1.contains("验收单.docx"), "{}", p[0].1);
            assert_eq!(
                r.kept.iter().map(|k| k.name.as_str()).collect::<Vec<_>>(),
                ["并网验收单.pdf"]
            );
            r.kept
        }
        Ok(s) => panic!("a .docx should be refused beside the upload, got {s:?}"),
    };
    assert_eq!(s.item(&county, id).await.unwrap().unwrap().1.len(), 0);
    let corrected = StepForm {
        kept: kept.iter().map(|k| k.id).collect(),
        ..f.clone()
    };
    step(&s, &town, id, &corrected, Vec::new(), today)
        .await
        .map_err(|r| r.error)
        .unwrap();
    // Kept files are taken once: the same form sent again finds them gone.
    let again = step(&s, &town, id, &corrected, Vec::new(), today)
        .await
        .unwrap_err();
    assert!(
        again.error.to_string().contains("已不可用"),
        "{:?}",
        again.error
    );
    let close_refusal = |r: Result<_, AppError>| match r {
        Err(AppError::Store(dixian_store::StoreError::Invalid(m))) => m,
        other => panic!("expected the 销号 refused, got {other:?}"),
    };
    let m = close_refusal(take(&county, "close", "已核实", "", 1).await);
    assert!(m.contains("2025年以后还没有填报"), "{m}");
    import(vec![row(&v[0], 2026, 150_000, 0, 150_000)]).await;
    let m = close_refusal(take(&county, "close", "已核实", "", 1).await);
    assert!(
        m.contains("2026年经营性收入150,000.00元") && m.contains("差50,000.00元"),
        "{m}"
    );
    import(vec![row(&v[0], 2026, 210_000, 0, 210_000)]).await;
    take(&county, "close", "收益分配表核实，达到目标", "", 1)
        .await
        .unwrap();
    let (record, events) = s.item(&county, id).await.unwrap().unwrap();
    assert_eq!(record.state, ItemState::Closed);
    assert_eq!(events.len(), 2);
    assert_eq!(
        events[0]
            .files
            .iter()
            .map(|f| f.name.as_str())
            .collect::<Vec<_>>(),
        ["并网验收单.pdf"]
    );

    // The programme counts it struck off; the ledger's three lists carry it.
    let p = programme(&s, &county, None, today).await.unwrap().unwrap();
    assert_eq!((p.enrolled(), p.struck_off()), (2, 1));
    let line = p
        .lines
        .iter()
        .find(|l| l.line.ranked.village.to_string() == v[0])
        .unwrap();
    assert_eq!(
        line.latest,
        Some((2026, Money::from_yuan(210_000).unwrap()))
    );
    let tables = workbook(&s, &county, &Default::default(), today)
        .await
        .unwrap();
    assert_eq!(
        tables.iter().map(|t| t.sheet.as_str()).collect::<Vec<_>>(),
        ["问题清单", "任务清单", "责任清单"]
    );
    assert_eq!(tables[0].rows.len(), 2);
    assert!(tables[0].rows[0][3].shown().contains("集体经济薄弱村"));
    assert_eq!(tables[2].rows[0][3].shown(), "县农业农村委");
}

#[tokio::test]
async fn a_team_month_counts_working_days_around_the_holiday_and_leave() {
    use dixian_app::teams::{
        DaysForm, MemberForm, TeamForm, add_member, add_team, record_days, team_month,
    };
    use dixian_domain::problems::Month;
    let pack = VILLAGE_PACK.replace(
        "[sources]",
        "[teams]\nin_village_share = [2, 3]\ntown_leave_max_days = 5\n\n[sources]\n\"teams\" = \"县定默认值：测试用\"",
    );
    let (_d, s) = store().await;
    initialize(&s, &sys(), &[], &[file("qingshan-villages.toml", &pack)])
        .await
        .unwrap();
    let today = d(2026, 12, 1);
    load_demo(&s, 300, 9, today).await;
    let county = as_role(Role::CountyAdmin, COUNTY);
    let v = village_codes(&s).await;
    // The same village twice is refused beside the box, nothing written.
    let form = TeamForm {
        name: "县农业农村委工作队".into(),
        unit: "县农业农村委".into(),
        villages: vec![v[0].clone(), v[0].clone()],
        from: "2026-01-01".into(),
    };
    let Err(AppError::Fields(p)) = add_team(&s, &county, &form).await else {
        panic!("a village chosen twice is refused");
    };
    assert!(
        p.iter()
            .any(|(f, m)| *f == "villages" && m.contains("选了两次")),
        "{p:?}"
    );
    let team = add_team(
        &s,
        &county,
        &TeamForm {
            villages: vec![v[0].clone()],
            ..form
        },
    )
    .await
    .unwrap();
    let id_number = dixian_domain::id_number::IdNumber::compose(
        "500299",
        d(1980, 3, 9),
        1,
        dixian_domain::id_number::Sex::Male,
    )
    .unwrap();
    let member = add_member(
        &s,
        &county,
        team,
        &MemberForm {
            name: "王书记".into(),
            id_number: id_number.as_str().into(),
            unit: "县农业农村委".into(),
            position: "科长".into(),
            role: "secretary".into(),
            from: "2026-01-01".into(),
            to: String::new(),
        },
        today,
    )
    .await
    .unwrap();
    let town = as_role(Role::TownReviewer, &format!("{}000", &v[0][..9]));
    let days = |from: &str, to: &str, kind: &str, approver: &str| DaysForm {
        member: member.to_string(),
        from: from.into(),
        to: to.into(),
        kind: kind.into(),
        approver: approver.into(),
        approval: if approver.is_empty() {
            String::new()
        } else {
            "批准".into()
        },
        note: String::new(),
    };
    // Days to come are not recorded ahead; a week's leave needs the county.
    let Err(AppError::Fields(p)) = record_days(
        &s,
        &town,
        team,
        &days("2026-12-01", "2026-12-03", "in", ""),
        today,
    )
    .await
    else {
        panic!("future days are refused");
    };
    assert!(
        p.iter().any(|(f, m)| *f == "to" && m.contains("还没有到")),
        "{p:?}"
    );
    let Err(AppError::Fields(p)) = record_days(
        &s,
        &town,
        team,
        &days("2026-10-12", "2026-10-18", "leave", "town"),
        today,
    )
    .await
    else {
        panic!("a week's leave approved by the town is refused");
    };
    assert!(
        p.iter()
            .any(|(f, m)| *f == "approver" && m.contains("请假7天")),
        "{p:?}"
    );
    // October 2026: 18 working days (the National Day week off, Saturday 10 October worked).
    for form in [
        days("2026-10-01", "2026-10-11", "in", ""),
        days("2026-10-12", "2026-10-18", "leave", "county"),
        days("2026-10-19", "2026-10-20", "trip", ""),
        days("2026-10-21", "2026-10-23", "in", ""),
    ] {
        record_days(&s, &town, team, &form, today).await.unwrap();
    }
    let m = team_month(
        &s,
        &town,
        team,
        Month {
            year: 2026,
            month: 10,
        },
        today,
    )
    .await
    .unwrap();
    let f = m.members[0].figures;
    // In the village 8, 9 and 10 (the worked Saturday); leave 12–16; trip 19–20; in 21–23;
    // 26–30 not recorded.
    assert_eq!(
        (f.working, f.in_village, f.leave, f.unrecorded, f.needed),
        (18, 8, 5, 5, 12)
    );
    assert!(!f.met);
    assert_eq!(f.rest_days_in_village, 8, "1–7 October and Sunday the 11th");
    let table = dixian_app::teams::month_table(&m).unwrap();
    assert_eq!(table.rows[0][10].shown(), "未达到");
    assert!(table.subtitle.contains("2/3"));
}

/// A province counting days a year (青海: 200) instead of a share of each month: a pack value,
/// no code. A term from 1 July owes its half of the year, rounded up; days from every month of
/// the year so far are counted, weekends included.
#[tokio::test]
async fn a_yearly_rule_counts_the_years_days_pro_rata_for_a_half_year_term() {
    use dixian_app::teams::{
        DaysForm, MemberForm, TeamForm, add_member, add_team, record_days, team_month,
    };
    use dixian_domain::problems::Month;
    let pack = VILLAGE_PACK.replace(
        "[sources]",
        "[teams]\nin_village_days_per_year = 200\ntown_leave_max_days = 5\n\n[sources]\n\"teams\" = \"县定默认值：测试用\"",
    );
    let (_d, s) = store().await;
    initialize(&s, &sys(), &[], &[file("qingshan-villages.toml", &pack)])
        .await
        .unwrap();
    let today = d(2026, 12, 1);
    load_demo(&s, 300, 9, today).await;
    let county = as_role(Role::CountyAdmin, COUNTY);
    let v = village_codes(&s).await;
    let team = add_team(
        &s,
        &county,
        &TeamForm {
            name: "县水利局工作队".into(),
            unit: "县水利局".into(),
            villages: vec![v[0].clone()],
            from: "2026-07-01".into(),
        },
    )
    .await
    .unwrap();
    let id_number = dixian_domain::id_number::IdNumber::compose(
        "500299",
        d(1984, 5, 2),
        7,
        dixian_domain::id_number::Sex::Female,
    )
    .unwrap();
    let member = add_member(
        &s,
        &county,
        team,
        &MemberForm {
            name: "刘队员".into(),
            id_number: id_number.as_str().into(),
            unit: "县水利局".into(),
            position: "干部".into(),
            role: "member".into(),
            from: "2026-07-01".into(),
            to: String::new(),
        },
        today,
    )
    .await
    .unwrap();
    let town = as_role(Role::TownReviewer, &format!("{}000", &v[0][..9]));
    for (from, to) in [
        ("2026-07-01", "2026-07-31"),
        ("2026-08-01", "2026-08-20"),
        ("2026-10-01", "2026-10-11"),
    ] {
        let form = DaysForm {
            member: member.to_string(),
            from: from.into(),
            to: to.into(),
            kind: "in".into(),
            approver: String::new(),
            approval: String::new(),
            note: String::new(),
        };
        record_days(&s, &town, team, &form, today).await.unwrap();
    }
    let month = |m: u32| Month {
        year: 2026,
        month: m,
    };
    let october = team_month(&s, &town, team, month(10), today).await.unwrap();
    let x = &october.members[0];
    let y = x.year.unwrap();
    // 31 + 20 + 11 days; 184 of 365 days of the year owe 100.8 → 101; November and December
    // (61 days) can still make up the 39 missing.
    assert_eq!((y.in_village, y.required, y.left), (62, 101, 61));
    assert!(!y.met && y.reachable);
    assert_eq!(x.year_text(), "尚差39天");
    let august = team_month(&s, &town, team, month(8), today).await.unwrap();
    assert_eq!(august.members[0].year.map(|y| y.in_village), Some(51));
    // The month under way (today 1 December): the rest of it is still to come, so 62 days
    // and 30 to come cannot reach 101 — said as such, not for want of the month's last days.
    let december = team_month(&s, &town, team, month(12), today).await.unwrap();
    let y = december.members[0].year.unwrap();
    assert_eq!((y.in_village, y.left, y.reachable), (62, 30, false));
    assert_eq!(
        december.members[0].year_text(),
        "尚差39天（本年任期剩余30天，已不够）"
    );
    // Seen on 15 October, the rest of October counts as still to come: 77 days.
    let mid = team_month(&s, &town, team, month(10), d(2026, 10, 15))
        .await
        .unwrap();
    assert_eq!(
        mid.members[0].year.map(|y| (y.left, y.reachable)),
        Some((77, true))
    );
    // No monthly share in this pack: the table has the year's columns, not the month's.
    let table = dixian_app::teams::month_table(&october).unwrap();
    assert!(
        table.subtitle.contains("每年在村不少于200天"),
        "{}",
        table.subtitle
    );
    let names: Vec<&str> = table.columns.iter().map(|(n, _)| *n).collect();
    assert!(
        !names.contains(&"应在村") && names.contains(&"本年应在村"),
        "{names:?}"
    );
    assert_eq!(table.rows[0][10].shown(), "101");
    assert_eq!(table.rows[0][11].shown(), "尚差39天");
}

/// The demo county's village codes, in code order.
async fn village_codes(s: &SqlStore) -> Vec<String> {
    s.divisions_within(&DivisionCode::parse(COUNTY).unwrap())
        .await
        .unwrap()
        .into_iter()
        .filter(|d| d.code.level() == DivisionLevel::Village)
        .map(|d| d.code.to_string())
        .collect()
}

/// The county pack with the 遍访 and grid rules (seeds/003 第5、17条), its officer number per
/// village given: pack values, no code.
fn cadre_pack(village_officers: u32) -> String {
    VILLAGE_PACK.replace(
        "[sources]",
        &format!(
            "[cadres]\ncounty_key_towns = 5\ncounty_key_villages = 7\nkey_town = \"key_town\"\nkey_village = \"key_village\"\ncounty_officers = 2\ntown_officers = 2\nvillage_officers = {village_officers}\n\n[sources]\n\"cadres\" = \"县定默认值：测试用\""
        ),
    )
}

/// 遍访 coverage on the demo county: the county secretary owes only the key places designated
/// in the year (2 towns < 5, 1 village < 7), a household visit reaches its village and town,
/// last year's visit does not count, the town secretary owes every village and monitored
/// household of the town, the 第一书记 line exists only where a team's 第一书记 serves; forms
/// refused beside their boxes.
#[tokio::test]
async fn tours_cover_each_level_against_the_pack() {
    use dixian_app::cadres::{TourForm, add_tour, coverage_of};
    use dixian_domain::cadres::{CoverageWhat, SecretaryLevel};
    let (_d, s) = store().await;
    initialize(
        &s,
        &sys(),
        &[],
        &[file("qingshan-villages.toml", &cadre_pack(1))],
    )
    .await
    .unwrap();
    let today = d(2026, 12, 1);
    load_demo(&s, 600, 9, today).await;
    let county = as_role(Role::CountyAdmin, COUNTY);
    let v = village_codes(&s).await;
    let t1 = format!("{}000", &v[0][..9]);
    let t1_villages: Vec<&String> = v.iter().filter(|c| c.starts_with(&t1[..9])).collect();
    let t2 = v
        .iter()
        .map(|c| format!("{}000", &c[..9]))
        .find(|t| *t != t1)
        .unwrap();
    let designation = |division: &str, kind: &str, from: &str, to: &str| DesignationForm {
        division: division.into(),
        kind: kind.into(),
        document: "青乡振〔2021〕3号".into(),
        from: from.into(),
        to: to.into(),
    };
    for f in [
        designation(&t1, "key_town", "2021-09-01", ""),
        designation(&t2, "key_town", "2021-09-01", ""),
        designation(&v[0], "key_village", "2021-09-01", ""),
        // Ended before the year: not owed in 2026.
        designation(&v[1], "key_village", "2021-09-01", "2025-06-30"),
    ] {
        designate(&s, &county, &f, today).await.unwrap();
    }
    let owed = s
        .tour_households(&county, Some(&DivisionCode::parse(&v[0]).unwrap()))
        .await
        .unwrap();
    assert!(!owed.is_empty(), "the demo village has 脱贫户 or 监测户");
    let tour = |level: &str, of: &str, on: &str, division: &str, household: &str| TourForm {
        level: level.into(),
        of: of.into(),
        visitor: "张书记".into(),
        on: on.into(),
        kind: if household.is_empty() {
            "division".into()
        } else {
            "household".into()
        },
        division: division.into(),
        household: household.into(),
        note: String::new(),
    };
    let first_household = owed[0].code.to_string();
    // The county secretary: one household of v0 this year (v0 and t1 reached), t2 last year.
    add_tour(
        &s,
        &county,
        &tour("county", COUNTY, "2026-03-02", "", &first_household),
        today,
    )
    .await
    .unwrap();
    add_tour(
        &s,
        &county,
        &tour("county", COUNTY, "2025-11-20", &t2, ""),
        today,
    )
    .await
    .unwrap();
    // The town secretary of t1: every village but the last, through a form each.
    let town = as_role(Role::TownReviewer, &t1);
    for village in &t1_villages[..t1_villages.len() - 1] {
        add_tour(
            &s,
            &town,
            &tour("town", &t1, "2026-04-01", village, ""),
            today,
        )
        .await
        .unwrap();
    }
    // v0's secretary: every household owed.
    let village = as_role(Role::VillageOfficer, &v[0]);
    for h in &owed {
        add_tour(
            &s,
            &village,
            &tour("village", &v[0], "2026-05-06", "", h.code.as_str()),
            today,
        )
        .await
        .unwrap();
    }
    // Refusals beside the box: a household of another town, a town as a village secretary's
    // division, a day to come.
    let other = s
        .tour_households(&county, Some(&DivisionCode::parse(&t2).unwrap()))
        .await
        .unwrap();
    let refused = |r: Result<i64, AppError>, field: &str, says: &str| match r {
        Err(AppError::Fields(p)) => assert!(
            p.iter().any(|(f, m)| *f == field && m.contains(says)),
            "{p:?} should say {says} at {field}"
        ),
        other => panic!("expected a refusal at {field}, got {other:?}"),
    };
    if let Some(h) = other.first() {
        refused(
            add_tour(
                &s,
                &town,
                &tour("town", &t1, "2026-04-02", "", h.code.as_str()),
                today,
            )
            .await,
            "household",
            "不在乡镇党委书记",
        );
    }
    refused(
        add_tour(
            &s,
            &village,
            &tour("village", &t1, "2026-04-02", "", &first_household),
            today,
        )
        .await,
        "of",
        "应选所在村",
    );
    refused(
        add_tour(
            &s,
            &village,
            &tour("village", &v[0], "2026-12-09", "", &first_household),
            today,
        )
        .await,
        "on",
        "",
    );

    let view = coverage_of(&s, &county, None, 2026, today).await.unwrap();
    let line = |level: SecretaryLevel, of: &str, what: CoverageWhat| {
        view.lines
            .iter()
            .find(|l| l.level == level && l.of.as_str() == of && l.what == what)
            .cloned()
            .unwrap_or_else(|| panic!("no line {level:?} {of} {what:?}"))
    };
    let towns = line(SecretaryLevel::County, COUNTY, CoverageWhat::KeyTowns);
    assert_eq!((towns.done, towns.due), (1, 2), "t2 was visited last year");
    assert_eq!(towns.missing, vec![t2.clone()]);
    let villages = line(SecretaryLevel::County, COUNTY, CoverageWhat::KeyVillages);
    assert_eq!((villages.done, villages.due), (1, 1));
    let tv = line(SecretaryLevel::Town, &t1, CoverageWhat::Villages);
    assert_eq!(
        (tv.done, tv.due),
        (t1_villages.len() - 1, t1_villages.len())
    );
    assert_eq!(tv.missing, vec![t1_villages[t1_villages.len() - 1].clone()]);
    let monitored_in_t1 = s
        .tour_households(&county, Some(&DivisionCode::parse(&t1).unwrap()))
        .await
        .unwrap()
        .iter()
        .filter(|h| h.monitored)
        .count();
    let tm = line(SecretaryLevel::Town, &t1, CoverageWhat::Monitored);
    assert_eq!((tm.done, tm.due), (0, monitored_in_t1));
    let v0 = line(
        SecretaryLevel::Village,
        &v[0],
        CoverageWhat::PovertyAndMonitored,
    );
    assert_eq!((v0.done, v0.due, v0.met()), (owed.len(), owed.len(), true));
    assert!(
        !view.lines.iter().any(|l| l.level == SecretaryLevel::First),
        "no 第一书记 without a team"
    );
    // A team with a 第一书记 for v0: its line appears, nothing visited yet.
    let team = dixian_app::teams::add_team(
        &s,
        &county,
        &dixian_app::teams::TeamForm {
            name: "县农业农村委工作队".into(),
            unit: "县农业农村委".into(),
            villages: vec![v[0].clone()],
            from: "2026-01-01".into(),
        },
    )
    .await
    .unwrap();
    let id_number = dixian_domain::id_number::IdNumber::compose(
        "500299",
        d(1980, 3, 9),
        1,
        dixian_domain::id_number::Sex::Male,
    )
    .unwrap();
    dixian_app::teams::add_member(
        &s,
        &county,
        team,
        &dixian_app::teams::MemberForm {
            name: "王书记".into(),
            id_number: id_number.as_str().into(),
            unit: "县农业农村委".into(),
            position: "科长".into(),
            role: "secretary".into(),
            from: "2026-01-01".into(),
            to: String::new(),
        },
        today,
    )
    .await
    .unwrap();
    let view = coverage_of(&s, &county, None, 2026, today).await.unwrap();
    let firsts: Vec<_> = view
        .lines
        .iter()
        .filter(|l| l.level == SecretaryLevel::First)
        .collect();
    assert_eq!(firsts.len(), 1);
    assert_eq!(
        (firsts[0].of.to_string(), firsts[0].done, firsts[0].due),
        (v[0].clone(), 0, owed.len())
    );
    // A town's view: its own lines, and the county secretary's not judged there.
    let tv = coverage_of(&s, &town, None, 2026, today).await.unwrap();
    assert!(tv.lines.iter().all(|l| l.of.as_str().starts_with(&t1[..9])));
}

/// The information-officer grid against the pack (003 第17条): county 2, town 2, village as the
/// pack says — a village's vacancy changes with the pack value alone.
#[tokio::test]
async fn the_officer_grid_lists_vacancies_by_the_pack() {
    use dixian_app::cadres::{EndForm, OfficerForm, add_officer, end_officer, grid};
    for (per_village, v0_vacant) in [(1, 0), (2, 1)] {
        let (_d, s) = store().await;
        initialize(
            &s,
            &sys(),
            &[],
            &[file("qingshan-villages.toml", &cadre_pack(per_village))],
        )
        .await
        .unwrap();
        let today = d(2026, 12, 1);
        load_demo(&s, 200, 9, today).await;
        let county = as_role(Role::CountyAdmin, COUNTY);
        let v = village_codes(&s).await;
        let t1 = format!("{}000", &v[0][..9]);
        let town = as_role(Role::TownReviewer, &t1);
        let officer = |division: &str, name: &str| OfficerForm {
            division: division.into(),
            name: name.into(),
            phone: "13800138000".into(),
            kind: "part".into(),
            from: "2026-01-01".into(),
        };
        add_officer(&s, &county, &officer(COUNTY, "县信息员"), today)
            .await
            .unwrap();
        for n in ["甲", "乙"] {
            add_officer(&s, &town, &officer(&t1, n), today)
                .await
                .unwrap();
        }
        add_officer(&s, &town, &officer(&v[0], "村信息员"), today)
            .await
            .unwrap();
        let gone = add_officer(&s, &town, &officer(&v[1], "走了的"), today)
            .await
            .unwrap();
        let Err(AppError::Fields(p)) = end_officer(
            &s,
            &town,
            gone,
            &EndForm {
                on: String::new(),
                reason: " ".into(),
            },
            today,
        )
        .await
        else {
            panic!("an end without its reason is refused");
        };
        assert!(p.iter().any(|(f, _)| *f == "reason"), "{p:?}");
        end_officer(
            &s,
            &town,
            gone,
            &EndForm {
                on: "2026-11-30".into(),
                reason: "外出务工".into(),
            },
            today,
        )
        .await
        .unwrap();
        let (rules, lines, past) = grid(&s, &county, None, today).await.unwrap();
        assert_eq!(rules.unwrap().village_officers, per_village);
        let of = |code: &str| lines.iter().find(|l| l.division.as_str() == code).unwrap();
        assert_eq!((of(COUNTY).required, of(COUNTY).vacancies), (2, 1));
        assert_eq!(of(&t1).vacancies, 0);
        assert_eq!(of(&v[0]).vacancies, v0_vacant);
        assert_eq!(
            of(&v[1]).vacancies,
            per_village,
            "an officer who left leaves a gap"
        );
        assert_eq!(past.len(), 1);
        let total: u32 = lines.iter().map(|l| l.vacancies).sum();
        let villages = u32::try_from(v.len()).unwrap();
        let towns = u32::try_from(
            lines
                .iter()
                .filter(|l| l.division.level() == DivisionLevel::Town)
                .count(),
        )
        .unwrap();
        assert_eq!(total, 1 + (towns - 1) * 2 + villages * per_village - 1);
    }
}
