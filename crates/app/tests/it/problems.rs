//! The 三保障 problem ledger on the demo county: registration with the pack's defaults, the
//! steps, 月清零 and 月调度 whose every count is the length of the list its link opens, a
//! county pack changing the clearing limit with no code change, and scope.

use dixian_store::prelude::*;

use crate::monitoring::as_role;
use crate::support::*;
use dixian_app::AppError;
use dixian_app::problems::{
    ClearingCounts, Count, FilterQuery, ProblemForm, ProblemLedger, StepForm, register, take_step,
};
use dixian_app::setup::initialize;
use dixian_domain::access::Role;
use dixian_domain::assurance::Indicator;
use dixian_domain::division::DivisionCode;
use dixian_domain::problems::{Month, ProblemState};
use dixian_store::StoreError;

const COUNTY: &str = "500299000000";
const TOWN: &str = "500299101000";

fn code(s: &str) -> DivisionCode {
    DivisionCode::parse(s).unwrap()
}

/// A county pack that clears within 15 days instead of the national 30.
const STRICT_PACK: &str = r#"
[pack]
id = "qingshan-2026-problems"
title = "青山县三保障问题半月清零"
level = "县"
region = "500299000000"
effective_from = 2026-01-01

[problems]
clear_within_days = 15
fix_within = { days = 10, count = "工作日" }
closed_by_another = false

[problems.departments]
education = "县教委"
medical = "县医保局"
housing = "县住建委"
water = "县水利局"
food_clothing = "县民政局"

[sources]
"problems" = "县定默认值：测试用"
"#;

async fn demo(s: &dixian_store_sql::SqlStore, as_of: chrono::NaiveDate) {
    dixian_app::demo::load(
        s,
        &sys(),
        dixian_app::demo::DemoOptions {
            households: 3000,
            seed: 9,
            as_of,
        },
        |_, _| {},
    )
    .await
    .unwrap();
    let report = dixian_app::demo::problems::load_problems(
        s,
        &code(COUNTY),
        &code("500299101201"),
        9,
        as_of,
    )
    .await
    .unwrap();
    assert!(report.problems >= 10, "{report:?}");
    assert!(report.closed > 0 && report.open > 0, "{report:?}");
}

/// Every count's list, found again from its link's words, has exactly that many problems.
fn check_counts(l: &ProblemLedger, area: DivisionCode, counts: &ClearingCounts) {
    for c in [
        &counts.found,
        &counts.closed,
        &counts.open,
        &counts.overdue,
        &counts.uncleared,
    ] {
        let again = FilterQuery::of(&c.filter).filter(area).unwrap();
        let within = c.filter.within.unwrap_or(area);
        assert_eq!(
            again.within(within),
            c.filter,
            "the link reads back its filter"
        );
        assert_eq!(l.select(&c.filter).len(), c.n);
    }
}

fn sum(lines: &[dixian_app::problems::ClearingLine], pick: fn(&ClearingCounts) -> &Count) -> usize {
    lines.iter().map(|l| pick(&l.counts).n).sum()
}

#[tokio::test]
async fn clearing_and_dispatch_count_what_they_list() {
    let (_d, s) = store().await;
    initialize(&s, &sys(), &[], &[]).await.unwrap();
    let as_of = d(2026, 11, 23);
    demo(&s, as_of).await;
    let county = as_role(Role::CountyAdmin, COUNTY);
    let l = ProblemLedger::load(&s, &county, &code(COUNTY), as_of)
        .await
        .unwrap();
    assert_eq!(l.area_rules.clear_within_days, 30);
    for month in [
        Month::of(as_of),
        Month::of(as_of).previous(),
        Month::parse("2026-02").unwrap(),
    ] {
        let r = l.by_division(&s, month).await.unwrap();
        assert_eq!(r.lines.len(), 15, "the demo county's towns");
        assert_eq!(r.as_of, month.as_of(as_of));
        check_counts(&l, code(COUNTY), &r.total);
        for line in &r.lines {
            check_counts(&l, code(COUNTY), &line.counts);
        }
        // Towns partition the county.
        assert_eq!(sum(&r.lines, |c| &c.found), r.total.found.n);
        assert_eq!(sum(&r.lines, |c| &c.closed), r.total.closed.n);
        assert_eq!(sum(&r.lines, |c| &c.open), r.total.open.n);
        assert_eq!(sum(&r.lines, |c| &c.uncleared), r.total.uncleared.n);
        let by_department = l.by_department(month);
        assert_eq!(by_department.total, r.total);
        assert_eq!(sum(&by_department.lines, |c| &c.open), r.total.open.n);
        for line in &by_department.lines {
            check_counts(&l, code(COUNTY), &line.counts);
        }
    }
    // A search by the head's name finds that household's problems and reads back as words.
    let first = &l.problems[0];
    let found = FilterQuery {
        q: first.head_name.clone(),
        ..FilterQuery::default()
    }
    .filter(code(COUNTY))
    .unwrap();
    assert_eq!(FilterQuery::of(&found).q, first.head_name);
    let listed = l.select(&found);
    assert!(listed.iter().any(|p| p.id == first.id));
    assert!(
        listed
            .iter()
            .all(|p| p.head_name.contains(first.head_name.as_str()))
    );
    assert!(
        found
            .words()
            .contains(&format!("查找：{}", first.head_name))
    );
    let long = FilterQuery {
        q: "长".repeat(21),
        ..FilterQuery::default()
    };
    assert!(
        long.filter(code(COUNTY))
            .unwrap_err()
            .to_string()
            .contains("过长")
    );
    // By designation (认定): problems of villages holding it on the day, themselves or by
    // their town or county; the words name it as the pack does.
    // The demo's designations (key towns, 脱贫村, key villages …), then the ledger read again.
    dixian_app::demo::villages::load_villages(&s, &code(COUNTY), 9, as_of)
        .await
        .unwrap();
    let l = ProblemLedger::load(&s, &county, &code(COUNTY), as_of)
        .await
        .unwrap();
    let designations = s.designations(&county, None).await.unwrap();
    let holds = |kind: &str, v: &DivisionCode| {
        designations.iter().any(|r| {
            let d = &r.designation;
            d.kind == kind && d.holds_on(as_of) && (d.division == *v || v.is_within(&d.division))
        })
    };
    let mut narrowed = false;
    for kind in [
        "key_town",
        "tuopin_village",
        "key_village",
        "relocation_village",
    ] {
        let f = FilterQuery {
            designation: kind.into(),
            ..FilterQuery::default()
        }
        .filter(code(COUNTY))
        .unwrap();
        assert_eq!(FilterQuery::of(&f).designation, kind);
        let expected = l
            .problems
            .iter()
            .filter(|p| holds(kind, &p.village))
            .count();
        assert_eq!(l.select(&f).len(), expected, "{kind}");
        narrowed |= expected > 0 && expected < l.problems.len();
        let kinds = dixian_app::villages::designation_kinds(&s, &county, as_of).await;
        let words = l.words(&f, &kinds);
        assert!(
            words
                .iter()
                .any(|w| w.starts_with("村的认定：") && !w.contains(kind)),
            "{words:?}"
        );
    }
    assert!(
        narrowed,
        "the demo's designations should narrow its problems"
    );
    assert!(
        FilterQuery {
            designation: "重点村".into(),
            ..FilterQuery::default()
        }
        .filter(code(COUNTY))
        .unwrap_err()
        .to_string()
        .contains("认定类别代码")
    );
    // The demo has problems beyond the clearing limit now, and struck-off ones.
    let now = l.by_division(&s, Month::of(as_of)).await.unwrap();
    assert!(now.total.uncleared.n > 0 && !now.total.cleared());
    assert!(l.problems.iter().any(|p| p.state == ProblemState::Closed));
    assert!(l.problems.iter().all(|p| p.found_on <= as_of));
    // A town's ledger is the county's cut to the town.
    let town = as_role(Role::TownReviewer, TOWN);
    let t = ProblemLedger::load(&s, &town, &code(TOWN), as_of)
        .await
        .unwrap();
    assert_eq!(
        t.problems.len(),
        l.problems
            .iter()
            .filter(|p| p.village.is_within(&code(TOWN)))
            .count()
    );
    // …and it cannot read the county's.
    let e = ProblemLedger::load(&s, &town, &code(COUNTY), as_of)
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Store(StoreError::Forbidden)), "{e}");
}

#[tokio::test]
async fn register_and_step_with_the_packs_defaults() {
    let (_d, s) = store().await;
    initialize(&s, &sys(), &[], &[]).await.unwrap();
    let as_of = d(2026, 11, 23);
    load_demo(&s, 600, 3, as_of).await;
    let village = as_role(Role::VillageOfficer, "500299101201");
    let town = as_role(Role::TownReviewer, TOWN);
    let form = ProblemForm {
        household: "5002991012010001".into(),
        kind: "饮水安全".into(),
        source: "visit".into(),
        description: "旱季自来水断供".into(),
        found_on: "2026-11-02".into(),
        found_by: "王村干".into(),
        ..ProblemForm::default()
    };
    let id = register(&s, &village, &form, as_of).await.unwrap();
    let p = s.problem(&village, id).await.unwrap().unwrap().problem;
    assert_eq!(p.kind, Indicator::Water);
    assert_eq!(p.department, "水利部门", "the national pack's department");
    assert_eq!(p.deadline, d(2026, 12, 2), "30 natural days");

    // A form wrong in several places names every problem at once, each under its field.
    let all_wrong = ProblemForm {
        household: "123".into(),
        kind: "交通".into(),
        source: "".into(),
        description: "  ".into(),
        found_on: "2026-12-01".into(),
        found_by: "".into(),
        deadline: "2026-13-01".into(),
        ..ProblemForm::default()
    };
    match register(&s, &village, &all_wrong, as_of).await {
        Err(dixian_app::AppError::Fields(list)) => assert_eq!(
            list.iter().map(|(f, _)| *f).collect::<Vec<_>>(),
            [
                "household",
                "kind",
                "source",
                "description",
                "found_by",
                "found_on",
                "deadline"
            ]
        ),
        other => panic!("expected every field named, got {other:?}"),
    }

    // Wrong input is named, and nothing is written.
    for (bad, says) in [
        (
            ProblemForm {
                kind: "交通".into(),
                ..form.clone()
            },
            "问题类型",
        ),
        (
            ProblemForm {
                found_on: "2026-12-01".into(),
                ..form.clone()
            },
            "晚于今天",
        ),
        (
            ProblemForm {
                household: "5002991012010".into(),
                ..form.clone()
            },
            "户编号",
        ),
        (
            ProblemForm {
                deadline: "2026-13-01".into(),
                ..form.clone()
            },
            "整改期限",
        ),
        (
            ProblemForm {
                source: String::new(),
                ..form.clone()
            },
            "发现途径",
        ),
    ] {
        let e = register(&s, &village, &bad, as_of).await.unwrap_err();
        assert!(e.to_string().contains(says), "{says}: {e}");
    }
    assert_eq!(s.problems(&town, None).await.unwrap().len(), 1);

    let step = |action: &str, version: i64, note: &str| StepForm {
        action: action.into(),
        on: String::new(),
        note: note.into(),
        version: version.to_string(),
        ..StepForm::default()
    };
    let photo = vec![("验收.png".to_string(), dixian_testkit::photo_png())];
    take_step(
        &s,
        &village,
        id,
        &step("resolve", 1, "已接通管网"),
        photo,
        as_of,
    )
    .await
    .unwrap();
    // A program posing as a photo is refused by its bytes.
    let e = take_step(
        &s,
        &town,
        id,
        &step("close", 2, ""),
        vec![("x.jpg".into(), b"MZ\x90\x00".to_vec())],
        as_of,
    )
    .await
    .unwrap_err()
    .error;
    assert!(e.to_string().contains("不是JPEG、PNG照片或PDF"), "{e}");
    take_step(
        &s,
        &town,
        id,
        &step("close", 2, "核实到位"),
        Vec::new(),
        as_of,
    )
    .await
    .unwrap();
    let file = s.problem(&town, id).await.unwrap().unwrap();
    assert_eq!(file.problem.state, ProblemState::Closed);
    assert_eq!(file.problem.closed_on, Some(as_of));
    assert_eq!(file.events[0].files.len(), 1);

    // Four eyes (the pack's default): the town officer who reports a fix cannot strike it off;
    // a colleague can.
    let second = register(&s, &village, &form, as_of).await.unwrap();
    take_step(
        &s,
        &town,
        second,
        &step("resolve", 1, "已接通管网"),
        Vec::new(),
        as_of,
    )
    .await
    .unwrap();
    let e = take_step(
        &s,
        &town,
        second,
        &step("close", 2, "核实到位"),
        Vec::new(),
        as_of,
    )
    .await
    .unwrap_err()
    .error;
    assert!(e.to_string().contains("须由另一位工作人员核实销号"), "{e}");
    let colleague = Actor {
        name: "另一位乡镇审核员".into(),
        ..town.clone()
    };
    take_step(
        &s,
        &colleague,
        second,
        &step("close", 2, "核实到位"),
        Vec::new(),
        as_of,
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn a_county_pack_changes_the_limits_without_code() {
    let (_d, s) = store().await;
    initialize(&s, &sys(), &[], &[file("qingshan.toml", STRICT_PACK)])
        .await
        .unwrap();
    let as_of = d(2026, 11, 23);
    load_demo(&s, 600, 3, as_of).await;
    let village = as_role(Role::VillageOfficer, "500299101201");
    let id = register(
        &s,
        &village,
        &ProblemForm {
            household: "5002991012010001".into(),
            kind: "housing".into(),
            source: "campaign".into(),
            description: "房屋经鉴定为C级危房".into(),
            found_on: "2026-11-02".into(),
            found_by: "排查组".into(),
            ..ProblemForm::default()
        },
        as_of,
    )
    .await
    .unwrap();
    let p = s.problem(&village, id).await.unwrap().unwrap().problem;
    assert_eq!(p.department, "县住建委");
    // 10 working days from Monday 2 November 2026.
    assert_eq!(p.deadline, d(2026, 11, 16));
    let l = ProblemLedger::load(&s, &village, &code("500299101201"), as_of)
        .await
        .unwrap();
    let month = Month::of(as_of);
    // Found 21 days ago: beyond the county's 15 days, within the nation's 30.
    assert_eq!(l.by_department(month).total.uncleared.n, 1);
    assert_eq!(l.area_rules.clear_within_days, 15);
}
