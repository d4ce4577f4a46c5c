//! Whole cases run through the clock on the real holiday calendar and the shipped packs.

use super::*;
use crate::division::DivisionCode;
use crate::fixtures::two_person_record;
use crate::policy::{Pack, builtin_set};
use crate::registry::assurance::{Assurance, HousingRating};
use crate::registry::{Income, LabourCapacity};
use crate::screening::Department;
use proptest::prelude::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn village() -> DivisionCode {
    DivisionCode::parse("500299101201").unwrap()
}

fn policy_on(on: NaiveDate) -> Policy {
    builtin_set().unwrap().resolve(&village(), on).unwrap()
}

/// Two members, 2025 net income 10,000 yuan: 5,000 per head, below the 6,000 line.
fn poor_household() -> HouseholdRecord {
    let mut r = two_person_record();
    r.incomes = vec![Income {
        year: 2025,
        wage: Money::from_fen(1_000_000),
        ..Income::default()
    }];
    r
}

/// The same household later: income up, 三保障 and water checked secure.
fn recovered_household() -> HouseholdRecord {
    let mut r = poor_household();
    r.incomes.push(Income {
        year: 2027,
        wage: Money::from_fen(3_000_000),
        ..Income::default()
    });
    r.assurance = Some(Assurance {
        food_clothing: true,
        housing: Some(HousingRating::B),
        water_quantity: true,
        water_quality: true,
        water_convenience: true,
        water_guarantee: true,
        note: None,
    });
    r
}

struct Run {
    policy: Policy,
    cal: WorkCalendar,
    household: HouseholdRecord,
    measures: usize,
    case: Case,
    events: Vec<Event>,
}

impl Run {
    fn open(discovered: NaiveDate, accepted: NaiveDate) -> Run {
        let policy = policy_on(accepted);
        let cal = WorkCalendar::builtin();
        let household = poor_household();
        let o = open(
            &policy,
            &cal,
            household.household.code.clone(),
            discovered,
            accepted,
        )
        .unwrap();
        Run {
            policy,
            cal,
            household,
            measures: 0,
            case: o.case,
            events: vec![o.event],
        }
    }

    fn try_do(&mut self, role: Role, on: NaiveDate, action: Action) -> Result<&Event, Refusal> {
        let ctx = Context {
            policy: &self.policy,
            calendar: &self.cal,
            on,
            role: Some(role),
            household: &HouseholdFacts::from(&self.household),
            measures: self.measures,
        };
        let o = transition(&self.case, &action, &ctx)?;
        self.case = o.case;
        self.events.push(o.event);
        Ok(self.events.last().unwrap())
    }

    fn act(&mut self, role: Role, on: NaiveDate, action: Action) -> &Event {
        match self.try_do(role, on, action) {
            Ok(e) => e,
            Err(e) => panic!("refused on {on}: {e}"),
        }
    }

    fn verify(&mut self, on: NaiveDate) -> &Event {
        self.act(
            Role::VillageOfficer,
            on,
            Action::Verify(Box::new(verification(on))),
        )
    }

    fn deliberate(&mut self, on: NaiveDate) -> &Event {
        self.act(
            Role::VillageOfficer,
            on,
            Action::Deliberate(Deliberation {
                held_on: on,
                attendees: 23,
                agreed: true,
                note: "村民代表一致同意".into(),
                notice_from: on,
                overrides: Vec::new(),
            }),
        )
    }

    fn approve(&mut self, role: Role, on: NaiveDate) -> &Event {
        self.act(role, on, approve())
    }

    /// Notice ended, town and county approve, all on `on`.
    fn include(&mut self, on: NaiveDate) {
        self.act(Role::VillageOfficer, on, Action::EndNotice);
        self.approve(Role::TownReviewer, on);
        self.approve(Role::CountyAdmin, on);
    }
}

fn verification(on: NaiveDate) -> Verification {
    Verification {
        visited_on: Some(on),
        verifiers: vec!["王村干".into(), "李镇干".into()],
        consent_attachment: Some(1),
        risk_types: vec!["01".into()],
        category: Some("01".into()),
        findings: "户主住院，医疗支出大".into(),
        ..Verification::default()
    }
}

fn approve() -> Action {
    Action::Approve {
        comment: "同意".into(),
        category: None,
        risk_types: Vec::new(),
    }
}

#[test]
fn a_lead_across_the_national_day_break_meets_its_limits() {
    // Discovered on Monday 28 September 2026, accepted the next day. 1–7 October are
    // holidays; Saturday 10 October is a make-up working day.
    let mut run = Run::open(d(2026, 9, 28), d(2026, 9, 29));
    assert_eq!(
        run.case.identification_due,
        d(2026, 10, 13),
        "15 natural days"
    );
    // 5 working days from 29 Sep: 30 Sep, 8, 9, 10 (make-up Saturday), 12 Oct.
    assert_eq!(run.case.due_on, Some(d(2026, 10, 12)));
    assert_eq!(run.case.state, CaseState::Verifying);

    let e = run.verify(d(2026, 9, 30));
    assert_eq!(e.on_time(), Some(true));
    assert!(
        e.details.iter().any(|(k, v)| k == "收入核算"
            && v.contains("人均纯收入5,000.00元")
            && v.contains("低于监测范围6,000.00元")),
        "{:?}",
        e.details
    );
    assert_eq!(run.case.state, CaseState::Deliberation);
    assert_eq!(run.case.due_on, Some(d(2026, 10, 13)));
    // The 排查表 keeps who lived there and the 两不愁三保障 check as they stood.
    let details = &run.events.last().unwrap().details;
    let detail = |k: &str| {
        details
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(
        detail("在户成员"),
        Some("张三（76岁，普通劳动力）、李四（76岁，普通劳动力）")
    );
    assert!(
        detail("两不愁三保障及饮水安全")
            .unwrap()
            .contains("住房安全未核查")
    );

    run.deliberate(d(2026, 10, 8));
    assert_eq!(run.case.state, CaseState::Notice);
    // At least 5 natural days: 8–12 October, so it may end on the 13th.
    assert_eq!(run.case.notice_until, Some(d(2026, 10, 13)));
    let early = run.try_do(Role::VillageOfficer, d(2026, 10, 12), Action::EndNotice);
    assert_eq!(
        early.unwrap_err().to_string(),
        "公示期未满：2026-10-08起公示，2026-10-13方可结束公示"
    );
    run.include(d(2026, 10, 13));
    assert_eq!(run.case.state, CaseState::Monitored);
    assert_eq!(run.case.approved_on, Some(d(2026, 10, 13)));
    assert_eq!(run.events.last().unwrap().on_time(), Some(true));
    assert_eq!(run.case.category.as_deref(), Some("01"));
    // 10 working days from 13 October for the cadre and the plan.
    assert_eq!(run.case.cadre_due, Some(d(2026, 10, 27)));
    assert_eq!(run.case.plan_due, Some(d(2026, 10, 27)));
    assert_eq!(run.case.version, 5);
}

#[test]
fn a_late_county_decision_is_recorded_as_late() {
    let mut run = Run::open(d(2026, 9, 28), d(2026, 9, 29));
    run.verify(d(2026, 10, 8));
    run.deliberate(d(2026, 10, 9));
    run.act(Role::VillageOfficer, d(2026, 10, 14), Action::EndNotice);
    run.approve(Role::TownReviewer, d(2026, 10, 14));
    let e = run.approve(Role::CountyAdmin, d(2026, 10, 15));
    assert_eq!(e.due_on, Some(d(2026, 10, 13)));
    assert_eq!(e.on_time(), Some(false));
}

#[test]
fn an_objection_pauses_the_identification_clock() {
    let mut run = Run::open(d(2026, 9, 28), d(2026, 9, 29));
    run.verify(d(2026, 9, 30));
    run.deliberate(d(2026, 10, 8));
    let e = run.act(
        Role::VillageOfficer,
        d(2026, 10, 10),
        Action::Object {
            content: "村民反映该户有经营性收入未登记".into(),
        },
    );
    assert_eq!(e.to, CaseState::Verifying);
    assert_eq!(run.case.paused_on, Some(d(2026, 10, 10)));
    // Re-verification has 5 working days of its own from the objection (Sat 10 Oct is a
    // working day, not counted as the start): 12–16 October.
    assert_eq!(run.case.due_on, Some(d(2026, 10, 16)));
    let e = run.verify(d(2026, 10, 12)).clone();
    // Paused 11 and 12 October: two natural days added to 13 October.
    assert_eq!(run.case.identification_due, d(2026, 10, 15));
    assert_eq!(run.case.paused_on, None);
    assert!(
        e.details
            .iter()
            .any(|(_, v)| v == "异议核实期间暂停，顺延至2026-10-15")
    );
    run.deliberate(d(2026, 10, 12));
    assert_eq!(run.case.notice_until, Some(d(2026, 10, 17)));
    run.include(d(2026, 10, 17));
    // The extended limit was missed by two days.
    assert_eq!(run.events.last().unwrap().on_time(), Some(false));
}

#[test]
fn green_channel_starts_assistance_before_approval() {
    let mut run = Run::open(d(2026, 9, 28), d(2026, 9, 29));
    let refused = run.try_do(
        Role::VillageOfficer,
        d(2026, 9, 29),
        Action::GreenChannel {
            reason: "洪灾房屋倒塌".into(),
        },
    );
    assert!(matches!(refused, Err(Refusal::Role { .. })));
    // 001: 经村级研判确认后 — the town cannot start it without the village's proposal.
    let refused = run
        .try_do(
            Role::TownReviewer,
            d(2026, 9, 29),
            Action::GreenChannel {
                reason: "同意".into(),
            },
        )
        .map(|_| ())
        .unwrap_err();
    assert!(refused.to_string().contains("须先经村级研判"), "{refused}");
    assert_eq!(
        available(&run.case)
            .into_iter()
            .filter(|k| k.code().contains("green"))
            .collect::<Vec<_>>(),
        [ActionKind::ProposeGreenChannel]
    );
    // Nor can the town propose, nor the village date its assessment in the future.
    let refused = run.try_do(
        Role::TownReviewer,
        d(2026, 9, 29),
        Action::ProposeGreenChannel {
            assessed_on: d(2026, 9, 29),
            reason: "洪灾房屋倒塌".into(),
        },
    );
    assert!(matches!(refused, Err(Refusal::Role { .. })));
    let refused = run
        .try_do(
            Role::VillageOfficer,
            d(2026, 9, 29),
            Action::ProposeGreenChannel {
                assessed_on: d(2026, 9, 30),
                reason: "洪灾房屋倒塌".into(),
            },
        )
        .map(|_| ())
        .unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("村级研判日期2026-09-30晚于办理日期")
    );
    let refused = run
        .try_do(
            Role::VillageOfficer,
            d(2026, 9, 29),
            Action::ProposeGreenChannel {
                assessed_on: d(2026, 9, 1),
                reason: "洪灾房屋倒塌".into(),
            },
        )
        .map(|_| ())
        .unwrap_err();
    assert!(
        refused.to_string().contains("早于发现日期2026-09-28"),
        "{refused}"
    );
    let e = run.act(
        Role::VillageOfficer,
        d(2026, 9, 29),
        Action::ProposeGreenChannel {
            assessed_on: d(2026, 9, 28),
            reason: "洪灾房屋倒塌，村两委和驻村工作队研判须先行安置".into(),
        },
    );
    assert!(
        e.details
            .contains(&("村级研判日期".into(), "2026-09-28".into()))
    );
    assert_eq!(run.case.green_channel_proposed_on, Some(d(2026, 9, 28)));
    assert!(!run.case.assisting(), "not before the town agrees");
    // The town may decline, with a reason; the village may propose again.
    let refused = run
        .try_do(
            Role::TownReviewer,
            d(2026, 9, 29),
            Action::DeclineGreenChannel { reason: " ".into() },
        )
        .map(|_| ())
        .unwrap_err();
    assert!(refused.to_string().contains("不同意的理由"), "{refused}");
    run.act(
        Role::TownReviewer,
        d(2026, 9, 29),
        Action::DeclineGreenChannel {
            reason: "已由民政临时救助，按正常程序认定".into(),
        },
    );
    assert_eq!(run.case.green_channel_proposed_on, None);
    run.act(
        Role::VillageOfficer,
        d(2026, 9, 29),
        Action::ProposeGreenChannel {
            assessed_on: d(2026, 9, 29),
            reason: "再次研判：房屋倒塌无处安身".into(),
        },
    );
    run.act(
        Role::TownReviewer,
        d(2026, 9, 29),
        Action::GreenChannel {
            reason: "同意先行帮扶".into(),
        },
    );
    assert_eq!(
        run.case.state,
        CaseState::Verifying,
        "the procedure goes on"
    );
    assert_eq!(run.case.green_channel_on, Some(d(2026, 9, 29)));
    // 10 working days from 29 September: 30 Sep, 8, 9, 10, 12–16, 19 October.
    assert_eq!(run.case.cadre_due, Some(d(2026, 10, 19)));
    run.verify(d(2026, 9, 30));
    run.deliberate(d(2026, 10, 8));
    run.include(d(2026, 10, 13));
    let flags = &run.events.last().unwrap().flags;
    assert_eq!(
        flags,
        &vec!["绿色通道：2026-09-29先行帮扶，2026-10-13补办认定".to_string()]
    );
    assert_eq!(
        run.case.cadre_due,
        Some(d(2026, 10, 19)),
        "kept from the green channel"
    );
}

#[test]
fn steps_are_refused_to_the_wrong_role_state_or_data() {
    let mut run = Run::open(d(2026, 9, 28), d(2026, 9, 29));
    let e = run
        .try_do(
            Role::AssistanceCadre,
            d(2026, 9, 30),
            Action::Verify(Box::new(verification(d(2026, 9, 30)))),
        )
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "入户核实需由村级信息员或乡镇审核员办理，当前账号角色为帮扶责任人"
    );
    let e = run
        .try_do(Role::TownReviewer, d(2026, 9, 30), approve())
        .unwrap_err();
    assert_eq!(e.to_string(), "案件当前处于“入户核实”，不能审核通过");
    let mut one = verification(d(2026, 9, 30));
    one.verifiers = vec!["王村干".into(), " 王村干 ".into()];
    let e = run
        .try_do(
            Role::VillageOfficer,
            d(2026, 9, 30),
            Action::Verify(Box::new(one)),
        )
        .unwrap_err();
    assert_eq!(e.to_string(), "入户核实须不少于2人，填写了1人");
    let mut unsigned = verification(d(2026, 9, 30));
    unsigned.consent_attachment = None;
    let e = run
        .try_do(
            Role::VillageOfficer,
            d(2026, 9, 30),
            Action::Verify(Box::new(unsigned)),
        )
        .unwrap_err();
    assert!(e.to_string().contains("承诺授权书"));
    let mut six = verification(d(2026, 9, 30));
    six.risk_types = ["01", "02", "03", "05", "06", "0401"]
        .map(String::from)
        .to_vec();
    let e = run
        .try_do(
            Role::VillageOfficer,
            d(2026, 9, 30),
            Action::Verify(Box::new(six)),
        )
        .unwrap_err();
    assert_eq!(e.to_string(), "风险类型最多5项，填写了6项");
    let mut unknown = verification(d(2026, 9, 30));
    unknown.risk_types = vec!["42".into()];
    let e = run
        .try_do(
            Role::VillageOfficer,
            d(2026, 9, 30),
            Action::Verify(Box::new(unknown)),
        )
        .unwrap_err();
    assert_eq!(e.to_string(), "风险类型代码“42”不在政策包代码表中");
    let e = run
        .try_do(
            Role::VillageOfficer,
            d(2026, 9, 28),
            Action::Verify(Box::new(verification(d(2026, 9, 28)))),
        )
        .unwrap_err();
    assert!(e.to_string().contains("早于本环节开始日期"), "{e}");
    // Nothing of the refusals stuck.
    assert_eq!(run.case.version, 0);
    assert_eq!(run.case.state, CaseState::Verifying);
    // The town returns; the village re-verifies.
    run.verify(d(2026, 9, 30));
    run.deliberate(d(2026, 10, 8));
    run.act(Role::VillageOfficer, d(2026, 10, 13), Action::EndNotice);
    let e = run
        .try_do(
            Role::TownReviewer,
            d(2026, 10, 13),
            Action::Return {
                comment: " ".into(),
            },
        )
        .unwrap_err();
    assert_eq!(e.to_string(), "请填写退回意见");
    run.act(
        Role::TownReviewer,
        d(2026, 10, 13),
        Action::Return {
            comment: "收入核算缺少务工收入".into(),
        },
    );
    assert_eq!(run.case.state, CaseState::Verifying);
    assert_eq!(
        run.case.due_on,
        Some(d(2026, 10, 13)),
        "the identification limit still binds"
    );
    let e = run
        .try_do(
            Role::TownReviewer,
            d(2026, 10, 13),
            Action::Revert { reason: "x".into() },
        )
        .unwrap_err();
    assert!(matches!(e, Refusal::Role { .. }));
}

#[test]
fn exclusion_hits_are_shown_not_refused() {
    let mut run = Run::open(d(2026, 9, 28), d(2026, 9, 29));
    run.household.members[1].public_payroll = true;
    let mut v = verification(d(2026, 9, 30));
    v.exclusions_found = vec!["vehicle".into()];
    let e = run.act(
        Role::VillageOfficer,
        d(2026, 9, 30),
        Action::Verify(Box::new(v)),
    );
    assert_eq!(
        e.flags,
        vec![
            "信息比对：家庭成员拥有享受型轿车或大中型货车及挖机等（入户核实发现）".to_string(),
            "信息比对：家庭成员为财政供养人员（户籍档案：李四）".to_string(),
        ]
    );
    assert_eq!(run.case.exclusion_hits, ["vehicle", "payroll"]);
}

fn record(department: Department, kind: &str) -> DepartmentRecord {
    DepartmentRecord {
        department,
        person: "张三".into(),
        kind: kind.into(),
        on: d(2025, 5, 20),
        source: format!("2026-10 {}数据第2行", department.label()),
    }
}

/// Each exclusion rule of the pack: a department's row finds it at 入户核实, the
/// deliberation cannot agree without the 村民代表大会 admitting it, and can with.
#[test]
fn each_exclusion_rule_is_found_from_department_data_and_overridden_only_by_the_assembly() {
    let policy = policy_on(d(2026, 9, 30));
    let cases = [
        ("vehicle", Department::Vehicles, "小型轿车", "农用车"),
        ("payroll", Department::Payroll, "公务员", "离退休人员"),
        ("housing", Department::RealEstate, "商品住宅", "宅基地住宅"),
        (
            "business",
            Department::Business,
            "个体工商户",
            "农民专业合作社",
        ),
    ];
    assert_eq!(policy.exclusions.rule.len(), cases.len());
    for (code, department, counted, ignored) in cases {
        let rule = policy.exclusions.get(code).unwrap();
        // A kind the rule does not count finds nothing.
        let mut run = Run::open(d(2026, 9, 28), d(2026, 9, 29));
        let mut facts = HouseholdFacts::from(&run.household);
        facts.records = vec![record(department, ignored)];
        let hits = exclusion_hits(&policy, &facts, &verification(d(2026, 9, 30)));
        assert!(hits.is_empty(), "{code}: {hits:?}");
        // A kind it counts is found and shown at the verification.
        facts.records = vec![record(department, counted)];
        let ctx = Context {
            policy: &run.policy,
            calendar: &run.cal,
            on: d(2026, 9, 30),
            role: Some(Role::VillageOfficer),
            household: &facts,
            measures: 0,
        };
        let o = transition(
            &run.case,
            &Action::Verify(Box::new(verification(d(2026, 9, 30)))),
            &ctx,
        )
        .unwrap();
        let shown = format!(
            "信息比对：{}（2026-10 {}数据第2行：张三，{counted}，2025-05-20）",
            rule.name,
            department.label()
        );
        assert!(
            o.event.flags.contains(&shown),
            "{code}: {:?}",
            o.event.flags
        );
        assert_eq!(o.case.exclusion_hits, [code]);
        run.case = o.case;
        // An agreed deliberation without the assembly's admission is refused, naming it.
        let deliberation = |overrides: Vec<String>| {
            Action::Deliberate(Deliberation {
                held_on: d(2026, 10, 8),
                attendees: 23,
                agreed: true,
                note: "村民代表大会评议".into(),
                notice_from: d(2026, 10, 8),
                overrides,
            })
        };
        let e = run
            .try_do(
                Role::VillageOfficer,
                d(2026, 10, 8),
                deliberation(Vec::new()),
            )
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(&rule.name) && e.contains("须经村民代表大会评议认定"),
            "{code}: {e}"
        );
        // Admitting a rule the household does not meet is refused too.
        let other = if code == "vehicle" {
            "housing"
        } else {
            "vehicle"
        };
        let e = run
            .try_do(
                Role::VillageOfficer,
                d(2026, 10, 8),
                deliberation(vec![code.into(), other.into()]),
            )
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(e.contains("无需评议认定"), "{code}: {e}");
        let e = run.act(
            Role::VillageOfficer,
            d(2026, 10, 8),
            deliberation(vec![code.into()]),
        );
        assert!(
            e.details
                .contains(&("村民代表大会评议认定的特殊情况".into(), rule.name.clone())),
            "{code}: {:?}",
            e.details
        );
        assert_eq!(run.case.state, CaseState::Notice, "{code}");
    }
}

/// A deliberation that disagrees passes the case up to the town; that road does not carry a
/// household past an exclusion rule the assembly never admitted it despite.
#[test]
fn a_disagreeing_deliberation_does_not_carry_an_excluded_household_into_monitoring() {
    let mut run = Run::open(d(2026, 9, 28), d(2026, 9, 29));
    run.household.members[1].public_payroll = true;
    run.verify(d(2026, 9, 30));
    assert_eq!(run.case.exclusion_hits, ["payroll"]);
    run.act(
        Role::VillageOfficer,
        d(2026, 10, 8),
        Action::Deliberate(Deliberation {
            held_on: d(2026, 10, 8),
            attendees: 23,
            agreed: false,
            note: "评议不同意，报乡镇".into(),
            notice_from: d(2026, 10, 8),
            overrides: Vec::new(),
        }),
    );
    // The town, who decides next, may not approve it on towards inclusion.
    assert_eq!(run.case.state, CaseState::TownReview);
    let e = run
        .try_do(Role::TownReviewer, d(2026, 10, 9), approve())
        .map(|_| ())
        .unwrap_err();
    assert!(
        e.to_string().contains(
            "入户核实发现“家庭成员为财政供养人员”，未经村民代表大会评议认定为特殊情况，不能纳入"
        ),
        "{e}"
    );
    assert_eq!(run.case.state, CaseState::TownReview);
}

#[test]
fn the_county_cannot_change_the_income_situation_of_a_category() {
    let mut run = Run::open(d(2026, 9, 28), d(2026, 9, 29));
    run.verify(d(2026, 9, 30));
    run.deliberate(d(2026, 10, 8));
    run.act(Role::VillageOfficer, d(2026, 10, 13), Action::EndNotice);
    run.approve(Role::TownReviewer, d(2026, 10, 13));
    let e = run
        .try_do(
            Role::CountyAdmin,
            d(2026, 10, 13),
            Action::Approve {
                comment: "改为突发严重困难户".into(),
                category: Some("03".into()),
                risk_types: Vec::new(),
            },
        )
        .map(|_| ())
        .unwrap_err();
    assert!(e.to_string().contains("须退回重新入户核实收支"), "{e}");
}

#[test]
fn a_pack_may_forbid_the_assembly_to_override_a_rule() {
    let county = r#"
[pack]
id = "qingshan-2026-exclusions"
title = "青山县原则上不纳入情形"
level = "县"
region = "500299000000"
effective_from = 2026-01-01

[[exclusions.rule]]
code = "payroll"
name = "家庭成员为财政供养人员"
department = "payroll"
registry = "财政供养"
found_at_visit = false
assembly_may_override = false

[sources]
"exclusions" = "县定默认值：测试用"
"#;
    let mut set = builtin_set().unwrap();
    set.add(Pack::parse("qingshan.toml", county).unwrap())
        .unwrap();
    let mut run = Run::open(d(2026, 9, 28), d(2026, 9, 29));
    run.policy = set.resolve(&village(), d(2026, 9, 30)).unwrap();
    // Not found at a visit: the verifiers cannot tick it.
    let mut v = verification(d(2026, 9, 30));
    v.exclusions_found = vec!["payroll".into()];
    let e = run
        .try_do(
            Role::VillageOfficer,
            d(2026, 9, 30),
            Action::Verify(Box::new(v)),
        )
        .map(|_| ())
        .unwrap_err();
    assert!(e.to_string().contains("不能在入户核实中勾选"), "{e}");
    run.household.members[1].public_payroll = true;
    let e = run.verify(d(2026, 9, 30));
    assert!(
        e.flags
            .iter()
            .any(|f| f.ends_with("（户籍档案：李四），不得经评议纳入")),
        "{:?}",
        e.flags
    );
    let e = run
        .try_do(
            Role::VillageOfficer,
            d(2026, 10, 8),
            Action::Deliberate(Deliberation {
                held_on: d(2026, 10, 8),
                attendees: 23,
                agreed: true,
                note: String::new(),
                notice_from: d(2026, 10, 8),
                overrides: vec!["payroll".into()],
            }),
        )
        .map(|_| ())
        .unwrap_err();
    assert!(
        e.to_string().contains("不能经评议认定；请办结不予纳入"),
        "{e}"
    );
    // A pack naming a department that holds no such data, or a kind it does not have, is
    // refused with the field.
    let bad = county.replace("department = \"payroll\"", "department = \"tax\"");
    let errs = Pack::parse("qingshan.toml", &bad).unwrap_err();
    assert_eq!(errs[0].field, "exclusions.rule[1].department", "{errs:?}");
    let bad = county.replace("department = \"payroll\"", "department = \"medical\"");
    let errs = Pack::parse("qingshan.toml", &bad).unwrap_err();
    assert!(errs[0].message.contains("部门“medical”无效"), "{errs:?}");
    let bad = county.replace(
        "department = \"payroll\"",
        "department = \"payroll\"\nkinds = [\"村干部\"]",
    );
    let errs = Pack::parse("qingshan.toml", &bad).unwrap_err();
    assert!(
        errs[0].message.contains("不是财政供养数据的类别"),
        "{errs:?}"
    );
}

#[test]
fn closing_tells_the_household_why() {
    let mut run = Run::open(d(2026, 9, 28), d(2026, 9, 29));
    run.verify(d(2026, 9, 30));
    let e = run
        .try_do(
            Role::TownReviewer,
            d(2026, 10, 8),
            Action::Close {
                reason: String::new(),
            },
        )
        .unwrap_err();
    assert!(e.to_string().starts_with("请填写不予纳入的理由"));
    run.act(
        Role::TownReviewer,
        d(2026, 10, 8),
        Action::Close {
            reason: "家庭成员为财政供养人员".into(),
        },
    );
    assert_eq!(run.case.state, CaseState::NotIncluded);
    assert!(!run.case.state.is_open());
    assert_eq!(
        run.case.closed_reason.as_deref(),
        Some("家庭成员为财政供养人员")
    );
}

fn included() -> Run {
    let mut run = Run::open(d(2026, 9, 28), d(2026, 9, 29));
    run.verify(d(2026, 9, 30));
    run.deliberate(d(2026, 10, 8));
    run.include(d(2026, 10, 13));
    run
}

fn exit_verification(on: NaiveDate) -> Verification {
    Verification {
        stable_income_months: 6,
        rigid_expenditure_resolved: true,
        findings: "务工收入稳定".into(),
        ..verification(on)
    }
}

#[test]
fn elimination_is_refused_with_every_failing_gate_named() {
    let mut run = included();
    run.act(
        Role::AssistanceCadre,
        d(2026, 11, 20),
        Action::ProposeElimination {
            mode: "1".into(),
            reason: "收入已增加".into(),
        },
    );
    assert_eq!(run.case.state, CaseState::ExitVerifying);
    let e = run
        .try_do(
            Role::VillageOfficer,
            d(2026, 11, 23),
            Action::Verify(Box::new(exit_verification(d(2026, 11, 23)))),
        )
        .unwrap_err();
    let Refusal::Gates(gates) = &e else {
        panic!("{e}")
    };
    let failed: Vec<&str> = gates
        .iter()
        .filter(|g| g.blocking && !g.passed)
        .map(|g| g.name)
        .collect();
    assert_eq!(
        failed,
        vec![
            "监测时间",
            "收入稳定超过监测范围",
            "两不愁三保障及饮水安全",
            "帮扶措施"
        ]
    );
    let text = e.to_string();
    assert!(
        text.contains("监测时间（2026-10-13纳入监测，须满6个月（2027-04-13起））"),
        "{text}"
    );
    assert!(
        text.contains("帮扶措施（已落实帮扶措施0项，帮扶消除须至少1项）"),
        "{text}"
    );

    // Half a year later, with a measure, higher income and everything secure.
    run.household = recovered_household();
    run.measures = 1;
    let mut short = exit_verification(d(2027, 5, 6));
    short.stable_income_months = 5;
    let e = run
        .try_do(
            Role::VillageOfficer,
            d(2027, 5, 6),
            Action::Verify(Box::new(short)),
        )
        .unwrap_err();
    assert!(e.to_string().contains("5个月，须不少于6个月"), "{e}");
    run.act(
        Role::VillageOfficer,
        d(2027, 5, 6),
        Action::Verify(Box::new(exit_verification(d(2027, 5, 6)))),
    );
    assert_eq!(run.case.state, CaseState::ExitDeliberation);
    run.deliberate(d(2027, 5, 7));
    assert_eq!(run.case.state, CaseState::ExitNotice);
    run.act(Role::VillageOfficer, d(2027, 5, 12), Action::EndNotice);
    run.approve(Role::TownReviewer, d(2027, 5, 12));
    let e = run
        .try_do(Role::TownReviewer, d(2027, 5, 12), approve())
        .unwrap_err();
    assert!(matches!(e, Refusal::Role { .. }), "the county confirms");
    run.approve(Role::CountyAdmin, d(2027, 5, 13));
    assert_eq!(run.case.state, CaseState::Eliminated);
    assert_eq!(run.case.eliminated_on, Some(d(2027, 5, 13)));
    assert!(!run.case.state.is_open());

    // 回退: the elimination proves unstable.
    run.act(
        Role::CountyAdmin,
        d(2027, 6, 1),
        Action::Revert {
            reason: "务工中断，收入骤减".into(),
        },
    );
    assert_eq!(run.case.state, CaseState::Monitored);
    assert_eq!(run.case.eliminated_on, None);
    assert_eq!(run.case.elimination_mode, None);
}

#[test]
fn no_assistance_elimination_without_labour_capacity() {
    let mut run = included();
    run.household = recovered_household();
    for m in &mut run.household.members {
        m.labour = LabourCapacity::None;
    }
    run.measures = 2;
    run.act(
        Role::VillageOfficer,
        d(2027, 5, 1),
        Action::ProposeElimination {
            mode: "1".into(),
            reason: "收入增加".into(),
        },
    );
    let e = run
        .try_do(
            Role::VillageOfficer,
            d(2027, 5, 6),
            Action::Verify(Box::new(exit_verification(d(2027, 5, 6)))),
        )
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("劳动能力（家庭无劳动能力，不标注帮扶消除，应落实兜底保障）"),
        "{e}"
    );
    // The town turns the proposal down; 自然消除 is a separate proposal.
    run.act(
        Role::TownReviewer,
        d(2027, 5, 6),
        Action::Close {
            reason: "按兜底保障继续监测".into(),
        },
    );
    assert_eq!(run.case.state, CaseState::Monitored);
    run.act(
        Role::VillageOfficer,
        d(2027, 5, 7),
        Action::ProposeElimination {
            mode: "2".into(),
            reason: "纳入低保后收入稳定".into(),
        },
    );
    run.act(
        Role::VillageOfficer,
        d(2027, 5, 8),
        Action::Verify(Box::new(exit_verification(d(2027, 5, 8)))),
    );
    assert_eq!(run.case.state, CaseState::ExitDeliberation);
}

#[test]
fn a_quick_elimination_is_flagged_when_a_pack_allows_it() {
    let mut set = builtin_set().unwrap();
    let county = r#"
[pack]
id = "qingshan-2026"
title = "青山县风险消除条件"
level = "县"
region = "500299000000"
effective_from = 2026-01-01

[elimination]
min_monitored_months = 1
min_stable_income_months = 1
early_review_months = 2

[sources]
"elimination" = "县定默认值：测试用"
"#;
    set.add(Pack::parse("qingshan.toml", county).unwrap())
        .unwrap();
    let mut run = included();
    run.policy = set.resolve(&village(), d(2026, 11, 20)).unwrap();
    run.household = recovered_household();
    run.household.incomes.retain(|i| i.year != 2027);
    run.household.incomes.push(Income {
        year: 2026,
        wage: Money::from_fen(2_000_000),
        ..Income::default()
    });
    run.measures = 1;
    run.act(
        Role::VillageOfficer,
        d(2026, 11, 20),
        Action::ProposeElimination {
            mode: "1".into(),
            reason: "收入增加".into(),
        },
    );
    let e = run.act(
        Role::VillageOfficer,
        d(2026, 11, 23),
        Action::Verify(Box::new(exit_verification(d(2026, 11, 23)))),
    );
    assert_eq!(
        e.flags,
        vec!["消除时间：纳入不满2个月即帮扶消除，需重点复核".to_string()]
    );
}

#[test]
fn pack_values_change_behaviour_without_code_changes() {
    // Same dates; a county pack with a 20-working-day limit, a 7-day notice and a line
    // raised to 9,000 yuan (a county may raise its province's line, never lower it). The
    // household earns 7,000 a head: above the national 6,000, below the county's 9,000.
    let county = r#"
[pack]
id = "qingshan-2026"
title = "青山县时限与监测范围"
level = "县"
region = "500299000000"
effective_from = 2026-01-01

[monitoring_line]
amount = "9000元"
basis = "测试"

[deadlines]
identification = { days = 20, count = "工作日" }
application_acceptance = { days = 2, count = "工作日" }
verification = { days = 3, count = "工作日" }
village_notice_min = { days = 7, count = "自然日" }
cadre_assignment = { days = 5, count = "工作日" }
assistance_plan = { days = 15, count = "工作日" }

[sources]
"monitoring_line" = "县定默认值：测试用"
"deadlines" = "县定默认值：测试用"
"#;
    let mut set = builtin_set().unwrap();
    set.add(Pack::parse("qingshan.toml", county).unwrap())
        .unwrap();
    let mut run = Run::open(d(2026, 9, 28), d(2026, 9, 29));
    run.policy = set.resolve(&village(), d(2026, 9, 29)).unwrap();
    let o = open(
        &run.policy,
        &run.cal,
        run.case.household.clone(),
        d(2026, 9, 28),
        d(2026, 9, 29),
    )
    .unwrap();
    run.case = o.case;
    run.household.incomes[0].wage = Money::from_fen(1_400_000);
    // 20 working days from 28 Sep: 29, 30 Sep, 8–10 (10th a make-up Saturday), 12–16,
    // 19–23, 26–30 October.
    assert_eq!(run.case.identification_due, d(2026, 10, 30));
    assert_eq!(run.case.due_on, Some(d(2026, 10, 9)), "3 working days");
    let e = run.verify(d(2026, 9, 30));
    assert!(
        !e.flags.iter().any(|f| f.contains("不低于监测范围")),
        "{:?}",
        e.flags
    );
    let mut national = Run::open(d(2026, 9, 28), d(2026, 9, 29));
    national.household.incomes[0].wage = Money::from_fen(1_400_000);
    let e = national.verify(d(2026, 9, 30));
    assert!(
        e.flags
            .iter()
            .any(|f| f.contains("不低于监测范围6,000.00元")),
        "{:?}",
        e.flags
    );
    run.deliberate(d(2026, 10, 8));
    assert_eq!(run.case.notice_until, Some(d(2026, 10, 15)));
    run.include(d(2026, 10, 15));
    assert_eq!(run.case.cadre_due, Some(d(2026, 10, 22)));
    assert_eq!(run.case.plan_due, Some(d(2026, 11, 5)));
}

#[test]
fn states_and_steps_agree() {
    for s in CaseState::ALL {
        if let Some((p, st)) = s.step() {
            assert_eq!(CaseState::at(p, st), *s);
        }
        assert_eq!(CaseState::parse(s.code()), Some(*s));
    }
    assert!(CaseState::ExitNotice.is_included());
    assert!(!CaseState::Notice.is_included());
}

fn any_action() -> impl Strategy<Value = (usize, Action)> {
    let roles = 0..Role::ALL.len();
    let action = prop_oneof![
        (0u32..3).prop_map(|n| {
            let mut v = exit_verification(d(2027, 6, 1));
            v.verifiers.truncate(n as usize);
            Action::Verify(Box::new(v))
        }),
        any::<bool>().prop_map(|agreed| Action::Deliberate(Deliberation {
            held_on: d(2027, 6, 1),
            attendees: 9,
            agreed,
            note: String::new(),
            notice_from: d(2027, 6, 1),
            overrides: Vec::new(),
        })),
        Just(Action::Object {
            content: "异议".into()
        }),
        Just(Action::EndNotice),
        Just(approve()),
        Just(Action::Return {
            comment: "退回".into()
        }),
        Just(Action::Close {
            reason: "理由".into()
        }),
        Just(Action::GreenChannel {
            reason: "灾害".into()
        }),
        prop_oneof![Just("1"), Just("2"), Just("9")].prop_map(|m| Action::ProposeElimination {
            mode: m.into(),
            reason: "理由".into()
        }),
        Just(Action::Revert {
            reason: "理由".into()
        }),
    ];
    (roles, action)
}

proptest! {
    /// Whatever is tried in whatever order, a case only moves along the arrows of the
    /// machine, never moves on refusal, and its version counts its events.
    #[test]
    fn random_steps_keep_the_machine_consistent(steps in proptest::collection::vec(any_action(), 1..40)) {
        let mut run = Run::open(d(2027, 5, 28), d(2027, 5, 29));
        run.household = recovered_household();
        run.measures = 1;
        for (i, (role, action)) in steps.into_iter().enumerate() {
            let role = Role::ALL[role];
            let on = d(2027, 6, 1) + chrono::Days::new(i as u64 * 20);
            let before = run.case.clone();
            match run.try_do(role, on, action.clone()) {
                Ok(e) => {
                    prop_assert!(available(&before).contains(&action.kind()));
                    prop_assert_eq!(e.from, Some(before.state));
                    prop_assert!(allowed_roles(action.kind(), before.state).contains(&role));
                    prop_assert_eq!(run.case.version, before.version + 1);
                    if run.case.state != before.state {
                        prop_assert_eq!(run.case.step_since, on);
                    }
                    prop_assert_eq!(run.case.approved_on.is_some() || !run.case.state.is_included(), true);
                }
                Err(e) => {
                    prop_assert_eq!(&run.case, &before);
                    // What the machine offers is never refused for the state.
                    if available(&before).contains(&action.kind()) {
                        prop_assert!(!matches!(e, Refusal::State { .. }), "{e}");
                    } else if allowed_roles(action.kind(), before.state).contains(&role) {
                        // Only a second green channel is refused for its data.
                        prop_assert!(matches!(e, Refusal::State { .. } | Refusal::Data(_) | Refusal::Fields(_)), "{e}");
                    }
                }
            }
        }
    }
}

fn measure(type_code: &str, status: MeasureStatus) -> Measure {
    Measure {
        id: 0,
        type_code: type_code.into(),
        content: "内容".into(),
        unit: "区农业农村委".into(),
        start_on: d(2026, 10, 20),
        end_on: None,
        amount: Money::from_fen(500_000),
        status,
        effect: String::new(),
    }
}

#[test]
fn cadre_and_plan_answer_their_deadlines_once() {
    let mut run = included();
    let early = run.try_do(
        Role::VillageOfficer,
        d(2026, 10, 20),
        Action::AssignCadre {
            cadre: "张帮扶".into(),
            unit: "区农业农村委".into(),
            political: "中共党员".into(),
            start: d(2026, 10, 20),
        },
    );
    assert!(
        matches!(early, Err(Refusal::Role { .. })),
        "the town assigns"
    );
    let e = run
        .act(
            Role::TownReviewer,
            d(2026, 10, 28),
            Action::AssignCadre {
                cadre: "张帮扶".into(),
                unit: "区农业农村委".into(),
                political: "中共党员".into(),
                start: d(2026, 10, 28),
            },
        )
        .clone();
    assert_eq!(
        (e.due_on, e.on_time()),
        (Some(d(2026, 10, 27)), Some(false)),
        "a day late"
    );
    assert_eq!(run.case.cadre_on, Some(d(2026, 10, 28)));
    let again = run
        .act(
            Role::TownReviewer,
            d(2026, 11, 2),
            Action::AssignCadre {
                cadre: "李帮扶".into(),
                unit: "镇农业服务中心".into(),
                political: String::new(),
                start: d(2026, 11, 2),
            },
        )
        .clone();
    assert_eq!(again.due_on, None, "a change, not the first assignment");
    let plan = run
        .act(
            Role::AssistanceCadre,
            d(2026, 10, 23),
            Action::RecordPlan {
                change: "新增：就业帮扶".into(),
            },
        )
        .clone();
    assert!(plan.comment.contains("就业帮扶"));
    // The step dates may not run backwards: the case's step began at approval.
    assert_eq!(plan.on_time(), Some(true));
    assert_eq!(
        run.case.state,
        CaseState::Monitored,
        "neither changes the state"
    );
}

#[test]
fn plans_are_checked_against_the_risks_and_the_labour() {
    let policy = policy_on(d(2026, 10, 1));
    let household = HouseholdFacts::from(&poor_household());
    let risks = vec!["03".to_string(), "01".to_string()];
    let gaps = plan_gaps(&policy, &risks, &household, &[]);
    assert_eq!(gaps[0], "尚无帮扶措施");
    assert!(
        gaps.iter()
            .any(|g| g == "风险类型“因学”须有义务教育保障、其他教育帮扶、社会帮扶中的至少一项"),
        "{gaps:?}"
    );
    assert!(
        gaps.iter().any(|g| g.starts_with("风险类型“因病”")),
        "{gaps:?}"
    );
    assert!(
        gaps.iter()
            .any(|g| g.starts_with("家庭有劳动能力成员，须有开发式帮扶措施（产业帮扶、就业帮扶）")),
        "{gaps:?}"
    );
    let plan = [
        measure("08", MeasureStatus::Ongoing),
        measure("07", MeasureStatus::Planned),
        measure("02", MeasureStatus::Stopped),
    ];
    assert_eq!(
        plan_gaps(&policy, &risks, &household, &plan),
        vec!["家庭有劳动能力成员，须有开发式帮扶措施（产业帮扶、就业帮扶）".to_string()],
        "a stopped measure does not count"
    );
    let mut without_labour = household.clone();
    for m in &mut without_labour.members {
        m.labour = LabourCapacity::None;
    }
    assert!(plan_gaps(&policy, &risks, &without_labour, &plan[..2]).is_empty());
    let e = check_risks(&policy, &["07".to_string()], &without_labour).unwrap_err();
    assert_eq!(
        e.to_string(),
        "风险类型“因务工就业不稳”要求家庭有劳动能力成员，该户没有"
    );
    assert!(check_risks(&policy, &["07".to_string()], &household).is_ok());
    // Measures as entered.
    assert!(check_measure(&policy, &measure("01", MeasureStatus::Planned)).is_ok());
    let e = check_measure(&policy, &measure("99", MeasureStatus::Planned)).unwrap_err();
    assert_eq!(e.to_string(), "帮扶措施类型代码“99”不在政策包代码表中");
    let mut backwards = measure("01", MeasureStatus::Planned);
    backwards.end_on = Some(d(2026, 10, 1));
    assert!(
        check_measure(&policy, &backwards)
            .unwrap_err()
            .to_string()
            .contains("结束日期早于开始日期")
    );
}

#[test]
fn the_pack_bounds_what_one_measure_may_carry() {
    let mut set = builtin_set().unwrap();
    let policy = set.resolve(&village(), d(2026, 10, 1)).unwrap();
    let mut m = measure("01", MeasureStatus::Planned);
    m.amount = Money::parse("50万元").unwrap();
    assert!(check_measure(&policy, &m).is_ok());
    m.amount = Money::parse("99999999999999元").unwrap();
    let e = check_measure(&policy, &m).unwrap_err().to_string();
    assert!(e.contains("超过单项措施上限500,000.00元"), "{e}");
    // A county with larger housing grants raises its bound in its own pack: no code change.
    let county = r#"
[pack]
id = "qingshan-2026-assistance"
title = "青山县帮扶措施资金上限"
level = "县"
region = "500299000000"
effective_from = 2026-01-01

[assistance]
max_measure_amount = "120万元"

[sources]
"assistance" = "县定默认值：测试用"
"#;
    set.add(Pack::parse("qingshan.toml", county).unwrap())
        .unwrap();
    let policy = set.resolve(&village(), d(2026, 10, 1)).unwrap();
    m.amount = Money::parse("100万元").unwrap();
    assert!(check_measure(&policy, &m).is_ok());
    let zero = county.replace("120万元", "0元");
    let errs = Pack::parse("qingshan.toml", &zero).unwrap_err();
    assert!(errs[0].message.contains("必须大于0"), "{errs:?}");
}

#[test]
fn a_pack_decides_which_measures_a_risk_needs() {
    // A county requiring a health measure for 因残 too: no code change.
    let county = r#"
[pack]
id = "qingshan-2026-codes"
title = "青山县风险类型与措施要求"
level = "县"
region = "500299000000"
effective_from = 2026-01-01

[[codes.risk_type]]
code = "02"
name = "因残"
requires_measures = ["07"]

[[codes.measure_type]]
code = "01"
name = "产业帮扶"
developmental = true

[[codes.measure_type]]
code = "07"
name = "健康帮扶"

[sources]
"codes.risk_type" = "县定默认值：测试用"
"codes.measure_type" = "县定默认值：测试用"
"#;
    let mut set = builtin_set().unwrap();
    set.add(Pack::parse("qingshan.toml", county).unwrap())
        .unwrap();
    let policy = set.resolve(&village(), d(2026, 10, 1)).unwrap();
    let household = HouseholdFacts::from(&poor_household());
    let gaps = plan_gaps(
        &policy,
        &["02".to_string()],
        &household,
        &[measure("01", MeasureStatus::Ongoing)],
    );
    assert_eq!(
        gaps,
        vec!["风险类型“因残”须有健康帮扶中的至少一项".to_string()]
    );
    let bad = county.replace(
        "requires_measures = [\"07\"]",
        "requires_measures = [\"77\"]",
    );
    let errs = Pack::parse("qingshan.toml", &bad).unwrap_err();
    assert!(errs[0].message.contains("措施类型代码“77”"), "{errs:?}");
}

#[test]
fn the_pack_says_which_mode_is_elimination_by_assistance() {
    // A county whose mode "3" is its 帮扶消除 under another name: the measure and labour
    // gates follow the flag, not the wording.
    let county = r#"
[pack]
id = "qingshan-2026-modes"
title = "青山县消除方式"
level = "县"
region = "500299000000"
effective_from = 2026-01-01

[[codes.elimination_mode]]
code = "3"
name = "落实措施后消除"
by_assistance = true

[[codes.elimination_mode]]
code = "4"
name = "帮扶以外原因消除"

[sources]
"codes.elimination_mode" = "县定默认值：测试用"
"#;
    let mut set = builtin_set().unwrap();
    set.add(Pack::parse("qingshan.toml", county).unwrap())
        .unwrap();
    let mut run = included();
    run.policy = set.resolve(&village(), d(2027, 5, 1)).unwrap();
    run.household = recovered_household();
    let gates_of = |run: &mut Run, mode: &str| {
        let facts = HouseholdFacts::from(&run.household);
        let ctx = Context {
            policy: &run.policy,
            calendar: &run.cal,
            on: d(2027, 5, 6),
            role: None,
            household: &facts,
            measures: 0,
        };
        elimination_gates(&ctx, &run.case, mode, None)
            .unwrap()
            .iter()
            .map(|g| g.name)
            .collect::<Vec<_>>()
    };
    assert!(gates_of(&mut run, "3").contains(&"帮扶措施"));
    assert!(
        !gates_of(&mut run, "4").contains(&"帮扶措施"),
        "its name says 帮扶, its flag does not"
    );
}

#[test]
fn income_is_counted_over_the_twelve_months_before_the_check() {
    // 001: 年人均纯收入的测算周期以其履行认定程序时间点往前推算一年. Verified on 30 September
    // 2026: 1 October 2025 – 30 September 2026, 92 days of the 2025 record and 273 of 2026's.
    let mut r = poor_household();
    r.incomes.push(Income {
        year: 2026,
        wage: Money::from_fen(3_000_000),
        ..Income::default()
    });
    let facts = HouseholdFacts::from(&r);
    let policy = policy_on(d(2026, 9, 30));
    let c = income_check(&facts, &policy, d(2026, 9, 30), Money::ZERO).unwrap();
    assert_eq!((c.from, c.to), (d(2025, 10, 1), d(2026, 9, 30)));
    // (10,000 × 92 + 30,000 × 273) / 365 = 24,958.90, rounded once.
    assert_eq!(c.net, Money::from_fen(2_495_890));
    assert_eq!(c.per_capita, Money::from_fen(1_247_945));
    let text = c.describe();
    assert!(
        text.contains("2025-10-01至2026-09-30纯收入24,958.90元（2025年度记录折算92/365天，2026年度记录折算273/365天）"),
        "{text}"
    );
    // The same day a year earlier: only the 2025 record can speak for 2025's days, and
    // 2024's days take it too (no earlier record), saying so.
    let c = income_check(&facts, &policy, d(2025, 6, 30), Money::ZERO).unwrap();
    assert_eq!(c.net, Money::from_fen(1_000_000));
    assert!(
        c.describe()
            .contains("2024年无收入记录，按2025年度记录折算184/365天"),
        "{}",
        c.describe()
    );
    // A check in 2026 before the 2026 record exists counts the 2025 record for the whole
    // twelve months: the same as the latest calendar year.
    let c = income_check(
        &HouseholdFacts::from(&poor_household()),
        &policy,
        d(2026, 3, 1),
        Money::ZERO,
    )
    .unwrap();
    assert_eq!(c.net, Money::from_fen(1_000_000));
    assert!(
        c.describe().contains("2026年无收入记录，按2025年度记录"),
        "{}",
        c.describe()
    );
    // An income the same every year is that income over any twelve months, across every
    // leap day of 2021–2026.
    let mut flat = poor_household();
    flat.incomes = (2019..=2026)
        .map(|year| Income {
            year,
            wage: Money::from_fen(1_000_001),
            ..Income::default()
        })
        .collect();
    let flat = HouseholdFacts::from(&flat);
    let mut day = d(2021, 1, 1);
    while day <= d(2026, 12, 31) {
        let c = income_check(&flat, &policy, day, Money::ZERO).unwrap();
        assert_eq!(c.net, Money::from_fen(1_000_001), "{day}");
        day = day.succ_opt().unwrap();
    }
    // No record at or before the year of the check: refused with the household named.
    let e = income_check(&facts, &policy, d(2024, 6, 30), Money::ZERO).unwrap_err();
    assert!(
        e.to_string().contains("没有2024年度及以前的收入记录"),
        "{e}"
    );
}

#[test]
fn the_category_must_fit_the_household() {
    let try_category = |record: &HouseholdRecord, category: &str, rigid: i64| {
        let mut run = Run::open(d(2026, 9, 28), d(2026, 9, 29));
        run.household = record.clone();
        let v = Verification {
            category: Some(category.into()),
            rigid_expenditure: Money::from_fen(rigid),
            ..verification(d(2026, 9, 30))
        };
        run.try_do(
            Role::VillageOfficer,
            d(2026, 9, 30),
            Action::Verify(Box::new(v)),
        )
        .map(|_| ())
        .map_err(|e| e.to_string())
    };
    // A 脱贫户 at 5,000 a head (below 6,000): 脱贫不稳定户, not 边缘易致贫户.
    let poor = poor_household();
    assert!(try_category(&poor, "01", 0).is_ok());
    let e = try_category(&poor, "02", 0).unwrap_err();
    assert_eq!(
        e,
        "对象类别“边缘易致贫户”不符：该类别只适用于一般农户，此户为脱贫户，应认定为脱贫不稳定户"
    );
    // Nor 突发严重困难户 while its own income is below the line.
    let e = try_category(&poor, "03", 0).unwrap_err();
    assert!(
        e.contains("该类别适用于人均纯收入不低于监测范围、扣除刚性支出后低于")
            && e.contains("人均纯收入5,000.00元")
            && e.ends_with("应认定为脱贫不稳定户"),
        "{e}"
    );
    // An 一般农户 at 7,000 a head with 6,000 of medical bills: 3,000 a head after them, so
    // 突发严重困难户 and not 边缘易致贫户.
    let mut ordinary = poor_household();
    ordinary.household.household_type = HouseholdType::Ordinary;
    ordinary.incomes[0].wage = Money::from_fen(1_400_000);
    assert!(try_category(&ordinary, "03", 600_000).is_ok());
    let e = try_category(&ordinary, "02", 600_000).unwrap_err();
    assert!(e.ends_with("应认定为突发严重困难户"), "{e}");
    // A 4th group only where a pack names it: 铜仁's 低保户, for 低保 households only.
    let set = builtin_set().unwrap();
    let tongren = set
        .resolve(
            &DivisionCode::parse("520602101201").unwrap(),
            d(2026, 9, 30),
        )
        .unwrap();
    assert_eq!(category_name(&tongren, "04"), "低保户");
    assert!(
        policy_on(d(2026, 9, 30))
            .object_categories
            .iter()
            .all(|c| c.code != "04")
    );
    let facts = HouseholdFacts::from(&poor);
    let e = check_category(&tongren, Some("04"), &facts, None).unwrap_err();
    assert!(e.to_string().contains("此户未登记为低保户"), "{e}");
    let mut dibao = poor.clone();
    dibao.household.dibao = true;
    assert!(check_category(&tongren, Some("04"), &HouseholdFacts::from(&dibao), None).is_ok());
    // The county changing the category at approval is held to the household type too.
    let mut run = Run::open(d(2026, 9, 28), d(2026, 9, 29));
    run.verify(d(2026, 9, 30));
    run.deliberate(d(2026, 10, 8));
    run.act(Role::VillageOfficer, d(2026, 10, 13), Action::EndNotice);
    run.approve(Role::TownReviewer, d(2026, 10, 13));
    let e = run
        .try_do(
            Role::CountyAdmin,
            d(2026, 10, 13),
            Action::Approve {
                comment: "改为边缘易致贫户".into(),
                category: Some("02".into()),
                risk_types: Vec::new(),
            },
        )
        .map(|_| ())
        .unwrap_err();
    assert!(e.to_string().contains("此户为脱贫户"), "{e}");
}
