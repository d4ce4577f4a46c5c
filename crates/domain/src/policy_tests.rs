use crate::division::DivisionCode;
use crate::money::Money;
use crate::policy::*;
use chrono::NaiveDate;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn code(s: &str) -> DivisionCode {
    DivisionCode::parse(s).unwrap()
}

fn text_of(file: &str) -> &'static str {
    BUILTIN_PACKS
        .iter()
        .find(|(f, _)| *f == file)
        .map(|(_, t)| *t)
        .unwrap()
}

#[test]
fn shipped_packs_are_valid() {
    let set = builtin_set().unwrap();
    assert_eq!(set.packs().len(), BUILTIN_PACKS.len());
}

#[test]
fn guizhou_2021_line_and_formula() {
    let set = builtin_set().unwrap();
    let p = set.resolve(&code("520624000000"), d(2021, 6, 1)).unwrap();
    assert_eq!(p.monitoring_line.amount, Money::from_yuan(6320).unwrap());
    let f = p.monitoring_line.formula.as_ref().unwrap();
    assert_eq!(f.compute(), Some(Money::from_yuan(6320).unwrap()));
    assert_eq!(f.adjustment.len(), 3);
    // Deadlines come from the national floor: Guizhou's pack only sets the line.
    assert_eq!(p.deadlines.identification.days, 15);
    let ids: Vec<&str> = p.layers.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(ids, vec!["national-2021", "guizhou-2021"]);
}

#[test]
fn tongliang_values_apply_from_their_date_in_tongliang_only() {
    let set = builtin_set().unwrap();
    let tongliang = code("500151000000");
    let before = set.resolve(&tongliang, d(2022, 7, 11)).unwrap();
    assert!(before.visits.poverty_alleviated_months.is_empty());
    let after = set.resolve(&tongliang, d(2022, 7, 12)).unwrap();
    assert_eq!(after.visits.poverty_alleviated_months, vec![3, 8, 11]);
    assert_eq!(after.deadlines.village_notice_min.days, 5);
    assert_eq!(after.deadlines.cadre_assignment.count, DayCount::Working);
    assert_eq!(
        after.monitoring_line.amount,
        Money::from_yuan(6000).unwrap()
    );
    assert_eq!(after.naming.monitored_object, "监测对象");
    let ids: Vec<&str> = after.layers.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(ids, ["national-2021", "chongqing-2022", "tongliang-2022"]);
    // 铜梁's district document is not Chongqing's: another district keeps the national
    // defaults, and its visit months are not 铜梁's.
    let other = set.resolve(&code("500299000000"), d(2024, 1, 1)).unwrap();
    assert!(other.visits.poverty_alleviated_months.is_empty());
    let (pack, source) = other.source_of("deadlines.identification").unwrap();
    assert_eq!(pack, "national-2021");
    assert!(source.starts_with(sources::COUNTY_DEFAULT), "{source}");
    let (pack, source) = after.source_of("deadlines.identification").unwrap();
    assert_eq!(pack, "tongliang-2022");
    assert!(source.contains("铜委农组〔2022〕9号第17条"), "{source}");
    let (_, source) = after.source_of("visits.poverty_alleviated_months").unwrap();
    assert!(source.contains("第6条"), "{source}");
    // Chongqing's own pack confirms the three categories from a city-wide source.
    let (pack, source) = other.source_of("codes.object_category").unwrap();
    assert_eq!(pack, "chongqing-2022");
    assert!(source.contains("seeds/004"), "{source}");
}

#[test]
fn naming_of_2026() {
    let set = builtin_set().unwrap();
    let p = set.resolve(&code("500299101201"), d(2026, 3, 1)).unwrap();
    assert_eq!(p.naming.monitored_object, "防止返贫致贫对象");
    assert_eq!(p.naming.assistance_funds, "常态化帮扶资金");
    // The three categories stay: no source merges them (DOMAIN §16).
    assert_eq!(
        p.object_categories
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        ["脱贫不稳定户", "边缘易致贫户", "突发严重困难户"]
    );
    // Tables the 2026 pack does not restate are inherited from 2021.
    assert_eq!(p.risk_types.len(), 9);
    let disaster = p
        .risk_types
        .iter()
        .find(|r| r.name == "因自然灾害")
        .unwrap();
    assert_eq!(disaster.subtypes.len(), 7);
    assert!(p.measure_types.iter().any(|m| m.developmental));
    // 铜梁's district visit months still beat the national default there.
    let p = set.resolve(&code("500151101201"), d(2026, 3, 1)).unwrap();
    assert_eq!(p.visits.poverty_alleviated_months, vec![3, 8, 11]);
    assert_eq!(p.naming.monitored_object, "防止返贫致贫对象");
}

#[test]
fn no_pack_before_2021() {
    let set = builtin_set().unwrap();
    let e = set
        .resolve(&code("500299000000"), d(2020, 12, 31))
        .unwrap_err();
    assert!(matches!(e, PolicyError::NoPack { .. }));
    assert!(e.to_string().contains("没有适用"));
}

/// The rule of the project: a policy value changes by editing a pack, never the code.
#[test]
fn value_change_needs_no_code_change() {
    let edited = text_of("tongliang-2022.toml")
        .replace(
            "village_notice_min = { days = 5, count = \"自然日\" }",
            "village_notice_min = { days = 7, count = \"工作日\" }",
        )
        .replace(
            "poverty_alleviated_months = [3, 8, 11]",
            "poverty_alleviated_months = [4, 9]",
        );
    let mut set = PolicySet::new();
    set.add(Pack::parse("national-2021.toml", text_of("national-2021.toml")).unwrap())
        .unwrap();
    set.add(Pack::parse("tongliang-2022.toml", &edited).unwrap())
        .unwrap();
    let p = set.resolve(&code("500151000000"), d(2024, 1, 1)).unwrap();
    assert_eq!(p.deadlines.village_notice_min.days, 7);
    assert_eq!(p.deadlines.village_notice_min.count, DayCount::Working);
    assert_eq!(p.visits.poverty_alleviated_months, vec![4, 9]);
}

#[test]
fn county_override_beats_province() {
    let county_pack = r#"
[pack]
id = "qingshan-2024"
title = "青山县公示时限"
level = "县"
region = "500299000000"
effective_from = 2024-01-01

[deadlines]
identification = { days = 20, count = "工作日" }
application_acceptance = { days = 2, count = "工作日" }
verification = { days = 5, count = "工作日" }
village_notice_min = { days = 7, count = "自然日" }
cadre_assignment = { days = 10, count = "工作日" }
assistance_plan = { days = 10, count = "工作日" }

[sources]
"deadlines" = "县定默认值：测试用"
"#;
    let mut set = builtin_set().unwrap();
    set.add(Pack::parse("qingshan.toml", county_pack).unwrap())
        .unwrap();
    let inside = set.resolve(&code("500299101201"), d(2024, 5, 1)).unwrap();
    assert_eq!(inside.deadlines.identification.days, 20);
    let neighbour = set.resolve(&code("500298000000"), d(2024, 5, 1)).unwrap();
    assert_eq!(neighbour.deadlines.identification.days, 15);
}

#[test]
fn syntax_errors_name_the_line() {
    let text = "[pack]\nid = \"x\"\ntitle = \"t\"\nlevel = \"国家\"\neffective_from = 2021-01-01\n\n[deadlines\n";
    let errs = Pack::parse("bad.toml", text).unwrap_err();
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].line, Some(7));
    assert!(errs[0].to_string().starts_with("bad.toml第7行"));
}

#[test]
fn unknown_fields_and_bad_values_are_placed() {
    let text =
        text_of("tongliang-2022.toml").replace("monitored_every_months", "monitored_every_month");
    let errs = Pack::parse("tl.toml", &text).unwrap_err();
    assert!(
        errs[0].message.contains("monitored_every_month"),
        "{:?}",
        errs
    );
    assert!(errs[0].message.contains("未知字段"));
    let line = text
        .lines()
        .position(|l| l.starts_with("monitored_every_month"))
        .unwrap()
        + 1;
    assert_eq!(errs[0].line, Some(line));

    let text = text_of("tongliang-2022.toml").replace(
        "count = \"工作日\" }\nverification",
        "count = \"工作天\" }\nverification",
    );
    let errs = Pack::parse("tl.toml", &text).unwrap_err();
    assert!(errs[0].message.contains("工作天"), "{errs:?}");
}

#[test]
fn semantic_errors_name_line_and_field() {
    let text = text_of("tongliang-2022.toml").replace(
        "village_notice_min = { days = 5,",
        "village_notice_min = { days = 0,",
    );
    let errs = Pack::parse("tl.toml", &text).unwrap_err();
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].field, "deadlines.village_notice_min.days");
    let line = text
        .lines()
        .position(|l| l.starts_with("village_notice_min"))
        .unwrap()
        + 1;
    assert_eq!(errs[0].line, Some(line));
    assert!(errs[0].message.contains("1–365"));
}

#[test]
fn formula_must_reproduce_the_line() {
    let text = text_of("guizhou-2021.toml").replace("amount = \"6320元\"", "amount = \"6300元\"");
    let errs = Pack::parse("gz.toml", &text).unwrap_err();
    assert_eq!(errs[0].field, "monitoring_line.amount");
    assert!(errs[0].message.contains("6320.00"), "{errs:?}");
}

#[test]
fn region_must_match_level() {
    let text = text_of("guizhou-2021.toml")
        .replace("region = \"520000000000\"", "region = \"520600000000\"");
    let errs = Pack::parse("gz.toml", &text).unwrap_err();
    assert_eq!(errs[0].field, "pack.region");

    let text =
        text_of("guizhou-2021.toml").replace("region = \"520000000000\"", "region = \"52x\"");
    let errs = Pack::parse("gz.toml", &text).unwrap_err();
    assert!(errs[0].message.contains("12位数字"), "{errs:?}");

    let text = text_of("national-2021.toml").replace("amount = \"6000元\"", "amount = \"六千\"");
    let errs = Pack::parse("n.toml", &text).unwrap_err();
    assert!(errs[0].message.contains("不是有效数字"), "{errs:?}");
}

#[test]
fn duplicate_codes_and_ids() {
    let text = text_of("national-2021.toml").replace(
        "code = \"02\"\nname = \"边缘易致贫户\"",
        "code = \"01\"\nname = \"边缘易致贫户\"",
    );
    let errs = Pack::parse("n.toml", &text).unwrap_err();
    assert_eq!(errs[0].field, "codes.object_category[2]");
    assert!(errs[0].message.contains("重复"));

    let mut set = builtin_set().unwrap();
    let again = Pack::parse("n.toml", text_of("national-2021.toml")).unwrap();
    assert_eq!(
        set.add(again),
        Err(PolicyError::DuplicateId("national-2021".into()))
    );
}

#[test]
fn the_shipped_screening_rules_are_those_of_domain_section_7() {
    let p = builtin_set()
        .unwrap()
        .resolve(&code("500299101201"), d(2026, 10, 31))
        .unwrap();
    let rules = p.screening.checked().unwrap();
    let mut codes: Vec<&str> = rules.iter().map(|r| r.code.as_str()).collect();
    codes.sort_unstable();
    assert_eq!(
        codes,
        vec![
            "disaster",
            "dropout",
            "income_below_line",
            "labor_death",
            "medical_burden",
            "new_assistance",
            "new_disability",
            "post_shock_income",
            "self_pay_lifted",
            "self_pay_other",
            "serious_illness",
            "unemployment",
            "unsafe_housing"
        ]
    );
    assert_eq!(
        p.screening.get("disaster").unwrap().kind.department(),
        "应急管理"
    );
    assert_eq!(
        p.screening.get("unemployment").unwrap().describe(),
        "近3个月有成员办理失业登记；适用：全部农户"
    );
    assert_eq!(
        p.screening.get("self_pay_other").unwrap().describe(),
        "近12个月自付医疗费 ≥ 20,000.00元；适用：一般农户"
    );
    assert_eq!(
        p.screening.get("dropout").unwrap().describe(),
        "6–15周岁成员辍学；适用：全部农户（含不纳入监测的户）"
    );
    assert_eq!(p.screening.repeat_months, 12);
    let lifted = p.screening.get("self_pay_lifted").unwrap();
    assert_eq!(lifted.at_least_yuan, Money::from_yuan(5000));
    assert_eq!(lifted.kind.department(), "医保");
    assert_eq!(
        p.screening.get("self_pay_other").unwrap().at_least_yuan,
        Money::from_yuan(20000)
    );
}

#[test]
fn screening_rule_errors_name_the_rule_and_field() {
    let shipped = text_of("national-2021.toml");
    let line_of =
        |text: &str, needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;

    let text = shipped.replace(
        "at_least_yuan = 20000",
        "at_least_yuan = 20000\nmax_level = 2",
    );
    let errs = Pack::parse("n.toml", &text).unwrap_err();
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].field, "screening.rule[3].max_level");
    // The first `max_level = 2` of the file is the misplaced one (rule 3 comes before 7).
    assert_eq!(errs[0].line, Some(line_of(&text, "max_level = 2")));
    assert!(errs[0].message.contains("不使用 max_level"), "{errs:?}");

    let text = shipped.replace("max_level = 2", "");
    let errs = Pack::parse("n.toml", &text).unwrap_err();
    assert_eq!(errs[0].field, "screening.rule[7].max_level");
    assert!(errs[0].message.contains("必须填写 max_level"), "{errs:?}");

    let text = shipped.replace("categories = [\"一般农户\"]", "categories = [\"贫困户\"]");
    let errs = Pack::parse("n.toml", &text).unwrap_err();
    assert_eq!(errs[0].field, "screening.rule[3].categories");
    assert!(errs[0].message.contains("贫困户"), "{errs:?}");

    let text = shipped.replace("code = \"self_pay_other\"", "code = \"self_pay_lifted\"");
    let errs = Pack::parse("n.toml", &text).unwrap_err();
    assert!(
        errs.iter()
            .any(|e| e.field == "screening.rule[3].code" && e.message.contains("重复")),
        "{errs:?}"
    );

    let text = shipped.replace("kind = \"住房安全鉴定\"", "kind = \"危房鉴定\"");
    let errs = Pack::parse("n.toml", &text).unwrap_err();
    assert!(
        errs[0].message.contains("危房鉴定") && errs[0].message.contains("住房安全鉴定"),
        "{errs:?}"
    );
    assert_eq!(errs[0].line, Some(line_of(&text, "危房鉴定")));

    let text = shipped.replace("repeat_months = 12", "repeat_months = 0");
    let errs = Pack::parse("n.toml", &text).unwrap_err();
    assert_eq!(errs[0].field, "screening.repeat_months", "{errs:?}");
    assert_eq!(errs[0].line, Some(line_of(&text, "repeat_months = 0")));

    for (from, to, field) in [
        (
            "window_months = 6\nmax_level = 2",
            "window_months = 0\nmax_level = 2",
            "window_months",
        ),
        ("min_grade = \"C\"", "min_grade = \"E\"", "min_grade"),
        ("max_age = 15", "max_age = 5", "max_age"),
        (
            "assistance = [\"低保\", \"特困\", \"临时救助\"]",
            "assistance = [\"低保\", \"五保\"]",
            "assistance",
        ),
        ("at_least_yuan = 5000", "at_least_yuan = 0", "at_least_yuan"),
    ] {
        let text = shipped.replace(from, to);
        let errs = Pack::parse("n.toml", &text).unwrap_err();
        assert!(
            errs.iter().any(|e| e.field.ends_with(field)),
            "{from}: {errs:?}"
        );
    }
}

#[test]
fn every_shipped_value_has_a_source() {
    let set = builtin_set().unwrap();
    for pack in set.packs() {
        assert!(!pack.values.is_empty(), "{}", pack.id());
        assert_eq!(pack.unsourced().count(), 0, "{}", pack.id());
    }
    // The national pack says plainly which of its values no document in hand fixes.
    let national = &set.packs()[0];
    let defaults: Vec<&str> = national
        .values
        .iter()
        .filter(|v| v.is_county_default())
        .map(|v| v.path.as_str())
        .collect();
    assert!(defaults.contains(&"deadlines.verification.days"));
    assert!(defaults.contains(&"visits.monitored_every_months"));
    // The 6000-yuan line no longer claims seed 001, which gives 贵州's 6320.
    let line = national
        .values
        .iter()
        .find(|v| v.path == "monitoring_line.amount")
        .unwrap();
    assert_eq!(line.value, "6000元");
    let (_, src) = line.source.as_ref().unwrap();
    assert!(!src.contains("001"), "{src}");
}

#[test]
fn a_value_without_a_source_is_refused() {
    let text = text_of("tongliang-2022.toml");
    let cut: String = text
        .lines()
        .filter(|l| !l.starts_with("\"deadlines.verification\""))
        .map(|l| format!("{l}\n"))
        .collect();
    let errs = Pack::parse("tl.toml", &cut).unwrap_err();
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert!(
        errs.iter()
            .all(|e| e.field.starts_with("deadlines.verification.")
                && e.message.contains("没有注明来源")),
        "{errs:?}"
    );
    let line = cut
        .lines()
        .position(|l| l.starts_with("verification"))
        .unwrap()
        + 1;
    assert_eq!(errs[0].line, Some(line));
    // A pack stored before sources were required still reads, its gap shown.
    let stored = Pack::parse_stored("tl.toml", &cut).unwrap();
    let gaps: Vec<&str> = stored.unsourced().map(|v| v.path.as_str()).collect();
    assert_eq!(
        gaps,
        [
            "deadlines.verification.days",
            "deadlines.verification.count"
        ]
    );
    // A source for nothing (a mistyped path) and an empty source are refused too.
    let typo = text.replace("\"visits.monitored_every_months\"", "\"visits.monitored\"");
    let errs = Pack::parse("tl.toml", &typo).unwrap_err();
    assert!(
        errs.iter().any(|e| e.field == "sources.visits.monitored"
            && e.message.contains("不对应本包中的任何数值")),
        "{errs:?}"
    );
    let empty = text.replace(
        "\"visits.monitored_every_months\" = \"铜委农组〔2022〕9号第17条：“帮扶干部每月至少入户走访1次”\"",
        "\"visits.monitored_every_months\" = \"\"",
    );
    let errs = Pack::parse("tl.toml", &empty).unwrap_err();
    assert!(
        errs.iter().any(|e| e.message.contains("文件文号和条款")),
        "{errs:?}"
    );
}

#[test]
fn provincial_lines_apply_by_province_and_year() {
    let set = builtin_set().unwrap();
    let line = |region: &str, on: NaiveDate| {
        set.resolve(&code(region), on)
            .unwrap()
            .monitoring_line
            .amount
    };
    let yuan = |y: i64| Money::from_yuan(y).unwrap();
    // 河南 2023 6900; before it, the national 6000.
    assert_eq!(line("410100000000", d(2022, 12, 31)), yuan(6000));
    assert_eq!(line("410100000000", d(2023, 1, 1)), yuan(6900));
    // 云南 8050 in 2023, 8700 from 2024 (2024–2025), still 8700 in 2026 until replaced.
    assert_eq!(line("530100000000", d(2023, 6, 1)), yuan(8050));
    assert_eq!(line("530100000000", d(2024, 1, 1)), yuan(8700));
    assert_eq!(line("530100000000", d(2026, 6, 1)), yuan(8700));
    assert_eq!(line("360100000000", d(2024, 3, 1)), yuan(8500));
    assert_eq!(line("350100000000", d(2023, 3, 1)), yuan(10560));
    // 贵州's line is to be adjusted every year: applied in a later year, it is flagged.
    let gz = set.resolve(&code("520624000000"), d(2021, 6, 1)).unwrap();
    assert!(gz.warnings().is_empty());
    let gz = set.resolve(&code("520624000000"), d(2026, 6, 1)).unwrap();
    let w = gz.warnings();
    assert_eq!(w.len(), 1);
    assert!(
        w[0].contains("2021年标准") && w[0].contains("2026年"),
        "{w:?}"
    );
    // 云南 has no yearly rule in its pack: no warning.
    assert!(
        set.resolve(&code("530100000000"), d(2026, 6, 1))
            .unwrap()
            .warnings()
            .is_empty()
    );
}

/// A county pack with only a monitoring line.
fn county_line(id: &str, region: &str, from: &str, yuan: u32) -> Pack {
    let text = format!(
        "[pack]\nid = \"{id}\"\ntitle = \"县监测范围\"\nlevel = \"县\"\nregion = \"{region}\"\neffective_from = {from}\n\n[monitoring_line]\namount = \"{yuan}元\"\nbasis = \"测试\"\n\n[sources]\n\"monitoring_line\" = \"县定默认值：测试用\"\n"
    );
    Pack::parse("county.toml", &text).unwrap()
}

#[test]
fn a_county_may_raise_its_province_line_but_not_lower_it() {
    let mut set = builtin_set().unwrap();
    // 贵州 6320 from 2021: a 贵州 county at 6000 is refused, at 6500 accepted.
    let e = set
        .add(county_line("low", "520624000000", "2022-01-01", 6000))
        .unwrap_err();
    assert!(matches!(e, PolicyError::LineLowered { .. }), "{e:?}");
    let text = e.to_string();
    assert!(
        text.contains("6,000.00元低于")
            && text.contains("guizhou-2021")
            && text.contains("6,320.00"),
        "{text}"
    );
    assert!(!set.packs().iter().any(|p| p.id() == "low"));
    set.add(county_line("raised", "520624000000", "2022-01-01", 6500))
        .unwrap();
    // 云南 rises to 8700 in 2024: a county that set 8500 in 2023 (above 8050 then) falls
    // below its province from 2024 and is refused, naming the day.
    let e = set
        .add(county_line("yn-county", "530102000000", "2023-01-01", 8500))
        .unwrap_err();
    match e {
        PolicyError::LineLowered { upper, on, .. } => {
            assert_eq!(upper, "yunnan-2024");
            assert_eq!(on, d(2024, 1, 1));
        }
        other => panic!("{other:?}"),
    }
    // Superseded in time by its own newer line, it is accepted.
    set.add(county_line(
        "yn-county-2024",
        "530102000000",
        "2024-01-01",
        8800,
    ))
    .unwrap();
    set.add(county_line("yn-county", "530102000000", "2023-01-01", 8500))
        .unwrap();
    // The order packs arrive in does not matter: a province line added after a county's
    // lower one is refused as well.
    let mut fresh = PolicySet::new();
    fresh
        .add(Pack::parse("national-2021.toml", text_of("national-2021.toml")).unwrap())
        .unwrap();
    fresh
        .add(county_line("gz-county", "520624000000", "2021-06-01", 6100))
        .unwrap();
    let e = fresh
        .add(Pack::parse("guizhou-2021.toml", text_of("guizhou-2021.toml")).unwrap())
        .unwrap_err();
    assert!(matches!(e, PolicyError::LineLowered { .. }), "{e:?}");
}

#[test]
fn diff_lists_changed_values_with_their_sources() {
    let a = Pack::parse("yunnan-2023.toml", text_of("yunnan-2023.toml")).unwrap();
    let b = Pack::parse("yunnan-2024.toml", text_of("yunnan-2024.toml")).unwrap();
    let changes = sources::diff(&a.values, &b.values);
    let amount = changes
        .iter()
        .find(|c| c.path == "monitoring_line.amount")
        .unwrap();
    assert_eq!(amount.before.as_ref().unwrap().0, "8050元");
    assert_eq!(amount.after.as_ref().unwrap().0, "8700元");
    assert!(
        amount
            .after
            .as_ref()
            .unwrap()
            .1
            .as_ref()
            .unwrap()
            .contains("8700"),
        "{amount:?}"
    );
    // A pack compared with itself has no changes; the national pack against 铜梁's lists
    // 铜梁's values as added and the national sections it lacks as removed.
    assert!(sources::diff(&a.values, &a.values).is_empty());
    let n = Pack::parse("national-2021.toml", text_of("national-2021.toml")).unwrap();
    let t = Pack::parse("tongliang-2022.toml", text_of("tongliang-2022.toml")).unwrap();
    let changes = sources::diff(&n.values, &t.values);
    let months = changes
        .iter()
        .find(|c| c.path == "visits.poverty_alleviated_months")
        .unwrap();
    assert_eq!(months.before.as_ref().unwrap().0, "[]");
    assert_eq!(months.after.as_ref().unwrap().0, "[3, 8, 11]");
    // Same value, different source: still a change (the value is now cited).
    let verification = changes
        .iter()
        .find(|c| c.path == "deadlines.identification.days")
        .unwrap();
    assert_eq!(verification.before.as_ref().unwrap().0, "15");
    assert_eq!(verification.after.as_ref().unwrap().0, "15");
    assert!(
        changes
            .iter()
            .any(|c| c.path == "monitoring_line.amount" && c.after.is_none())
    );
}

#[test]
fn the_industry_share_follows_the_year_and_a_county_pack_changes_it_without_code() {
    let set = builtin_set().unwrap();
    let county = code("500299000000");
    let share = |set: &PolicySet, on| {
        set.resolve(&county, on)
            .unwrap()
            .funds
            .unwrap()
            .industry_share_min_percent
    };
    assert_eq!(share(&set, d(2022, 6, 1)), 55);
    assert_eq!(share(&set, d(2023, 1, 1)), 60);
    assert_eq!(share(&set, d(2026, 6, 1)), 60);
    let p = set.resolve(&county, d(2026, 6, 1)).unwrap();
    assert!(p.negative_uses.iter().any(|n| n.name.contains("楼堂馆所")));
    assert!(p.project_types.iter().any(|t| t.industry));
    // 2026: the province keeps the share, counties differ — a county pack is enough.
    let county_pack = r#"
[pack]
id = "county-funds-2026"
title = "县级产业发展资金占比（2026）"
level = "县"
region = "500299000000"
effective_from = 2026-01-01
sources = ["县级文件（测试）"]

[funds]
industry_share_min_percent = 65
notice_min_days = 10
start_by = "05-31"
work_relief_labour_min_percent = 30

[sources]
"funds" = "县级文件（测试）第三条"
"#;
    let mut set = builtin_set().unwrap();
    set.add(Pack::parse("county.toml", county_pack).unwrap())
        .unwrap();
    assert_eq!(share(&set, d(2025, 12, 31)), 60);
    assert_eq!(share(&set, d(2026, 1, 1)), 65);
    let p = set.resolve(&county, d(2026, 1, 1)).unwrap();
    assert_eq!(
        p.funds.as_ref().unwrap().start_deadline(2026),
        d(2026, 5, 31)
    );
    let (pack, _) = p.source_of("funds.industry_share_min_percent").unwrap();
    assert_eq!(pack, "county-funds-2026");
}

#[test]
fn village_targets_and_the_weak_village_programme_come_from_their_places_packs() {
    let set = builtin_set().unwrap();
    let villages = |region: &str, on| set.resolve(&code(region), on).unwrap().villages.unwrap();
    // Everywhere: operating income is the four operating items, subsidies left out.
    let national = villages("500299000000", d(2024, 6, 1));
    assert_eq!(national.operating().len(), 4);
    assert!(national.target.is_empty() && national.weak.is_none());
    // 铜仁 (seed 001): the target of the end of 2023 holds in 2024.
    let tongren = villages("520602000000", d(2024, 6, 1));
    let target = tongren.target_for(2024).unwrap();
    assert_eq!(
        (
            target.year,
            target.all_operating_min.fen(),
            target.share_percent
        ),
        (2023, 16_000_000, 30)
    );
    // 武清 (seed 002): 165 villages by the 2018–2020 average, to 20万 a year.
    let wuqing = villages("120114000000", d(2022, 1, 1));
    let weak = wuqing.weak.unwrap();
    assert_eq!(
        (weak.rank_from, weak.rank_to, weak.choose_count),
        (2018, 2020, 165)
    );
    assert_eq!(weak.target_operating.fen(), 20_000_000);
    // Before the programme's pack, 武清 has no weak-village rules.
    assert!(villages("120114000000", d(2021, 6, 1)).weak.is_none());
}
