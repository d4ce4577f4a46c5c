//! Files in and out: household export and import, screening on files and on an area, the data check.

use crate::support::*;

#[test]
fn export_households_writes_csv_and_xlsx() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let o = dixian(&[
        "demo",
        "--data-dir",
        s(&data),
        "--households",
        "150",
        "--seed",
        "3",
    ]);
    assert!(o.status.success(), "{:?}", text(&o));
    let csv = dir.path().join("台账.csv");
    let o = dixian(&[
        "export",
        "households",
        "--data-dir",
        s(&data),
        "--out",
        s(&csv),
    ]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert!(out.contains("已导出150户"), "{out}");
    let body = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(body.lines().count(), 151);
    let xlsx = dir.path().join("石桥镇.xlsx");
    let o = dixian(&[
        "export",
        "households",
        "--data-dir",
        s(&data),
        "--out",
        s(&xlsx),
        "--within",
        "500299101000",
    ]);
    assert!(o.status.success(), "{:?}", text(&o));
    let bytes = std::fs::read(&xlsx).unwrap();
    assert!(bytes.starts_with(b"PK"));
    assert!(!dir.path().join("石桥镇.partial").exists());
    // Wrong format, or a division that is not there: a clear refusal and no file.
    let o = dixian(&[
        "export",
        "households",
        "--data-dir",
        s(&data),
        "--out",
        "x.pdf",
    ]);
    assert!(!o.status.success());
    assert!(text(&o).1.contains("应为 .csv 或 .xlsx"));
    let bad = dir.path().join("bad.csv");
    let o = dixian(&[
        "export",
        "households",
        "--data-dir",
        s(&data),
        "--out",
        s(&bad),
        "--within",
        "5002",
    ]);
    assert!(!o.status.success());
    assert!(text(&o).1.contains("区划"), "{:?}", text(&o));
    assert!(!bad.exists());
}

#[test]
fn import_households_checks_everything_and_writes_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let o = dixian(&[
        "demo",
        "--data-dir",
        s(&data),
        "--households",
        "20",
        "--seed",
        "2",
    ]);
    assert!(o.status.success(), "{:?}", text(&o));
    let template = dir.path().join("模板.csv");
    let o = dixian(&["import", "template", "--out", s(&template)]);
    assert!(o.status.success(), "{:?}", text(&o));
    let t = std::fs::read_to_string(&template).unwrap();
    let header = t
        .lines()
        .next()
        .unwrap()
        .trim_start_matches('\u{feff}')
        .to_string();
    assert!(header.starts_with("户编号*,"), "{header}");
    assert_eq!(t.trim_end().lines().count(), 1, "no example row: {t}");
    let rows = dixian_testkit::two_person_rows("5002991012019001");

    // A broken file: every problem named, nothing written.
    let broken = dir.path().join("broken.csv");
    let bad_row = rows[1].replace("110105194912310046", "1.10105E+17");
    std::fs::write(&broken, format!("{header}\n{}\n{bad_row}\n", rows[0])).unwrap();
    let report = dir.path().join("问题.csv");
    let o = dixian(&[
        "import",
        "households",
        "--data-dir",
        s(&data),
        s(&broken),
        "--report",
        s(&report),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let (_, err) = text(&o);
    assert!(err.contains("未写入任何数据"), "{err}");
    assert!(
        err.contains("第3行“身份证号”：“1.10105E+17”被 Excel 存成了数字"),
        "{err}"
    );
    let report = std::fs::read_to_string(&report).unwrap();
    let third = report.lines().nth(2).unwrap_or_default();
    assert!(
        third.starts_with("身份证号：“1.10105E+17”被 Excel"),
        "{report}"
    );

    // The corrected file: a dry run first, then the import, then again (nothing to do).
    let good = dir.path().join("good.csv");
    std::fs::write(&good, format!("{header}\n{}\n", rows.join("\n"))).unwrap();
    let o = dixian(&[
        "import",
        "households",
        "--data-dir",
        s(&data),
        s(&good),
        "--dry-run",
    ]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert!(
        out.contains("检查通过（试导入，未写入）：文件中1户、2人；新增1户"),
        "{out}"
    );
    let o = dixian(&["import", "households", "--data-dir", s(&data), s(&good)]);
    let (out, _) = text(&o);
    assert!(
        out.contains("导入完成：文件中1户、2人；新增1户；更新0户（0处变更）；已登记且无变化0户"),
        "{out}"
    );
    let o = dixian(&["import", "households", "--data-dir", s(&data), s(&good)]);
    let (out, _) = text(&o);
    assert!(
        out.contains("新增0户；更新0户（0处变更）；已登记且无变化1户"),
        "{out}"
    );
    // The same household as an Excel file: registered, unchanged. A damaged copy is one
    // clear message.
    let xlsx = dir.path().join("模板.xlsx");
    let o = dixian(&["import", "template", "--out", s(&xlsx)]);
    assert!(o.status.success(), "{:?}", text(&o));
    let good_text = std::fs::read_to_string(&good).unwrap();
    let records = dixian_app::registry::import::read_csv(&good_text, dixian_app::today()).unwrap();
    let mut bytes = Vec::new();
    dixian_app::registry::import::write_households(
        dixian_app::sheet::FileKind::Xlsx,
        records,
        &mut bytes,
    )
    .unwrap();
    std::fs::write(&xlsx, &bytes).unwrap();
    let o = dixian(&[
        "import",
        "households",
        "--data-dir",
        s(&data),
        s(&xlsx),
        "--dry-run",
    ]);
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(
        text(&o)
            .0
            .contains("文件中1户、2人；新增0户；将更新0户（0处变更）；已登记且无变化1户"),
        "{:?}",
        text(&o)
    );
    let bytes = std::fs::read(&xlsx).unwrap();
    std::fs::write(&xlsx, &bytes[..bytes.len() / 2]).unwrap();
    let o = dixian(&["import", "households", "--data-dir", s(&data), s(&xlsx)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).1.contains("Excel 文件已损坏或不完整"),
        "{:?}",
        text(&o)
    );

    // The imported household is in the ledger.
    let csv = dir.path().join("l.csv");
    let o = dixian(&[
        "export",
        "households",
        "--data-dir",
        s(&data),
        "--out",
        s(&csv),
    ]);
    assert!(o.status.success());
    let ledger = std::fs::read_to_string(&csv).unwrap();
    assert!(ledger.contains("5002991012019001,"), "{ledger}");
    // A village that does not exist is refused by name.
    let nowhere = dir.path().join("nowhere.csv");
    let moved: Vec<String> = rows
        .iter()
        .map(|l| l.replace("5002991012019001", "5002991999019001"))
        .collect();
    std::fs::write(&nowhere, format!("{header}\n{}\n", moved.join("\n"))).unwrap();
    let o = dixian(&["import", "households", "--data-dir", s(&data), s(&nowhere)]);
    assert!(!o.status.success());
    assert!(text(&o).1.contains("500299199901不存在"), "{:?}", text(&o));
}

#[test]
fn screen_on_files_writes_the_contract_outputs_and_strict_mode_refuses_bad_lines() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    let out = dir.path().join("out");
    let o = dixian(&[
        "screen-data",
        "--sf",
        "0.02",
        "--seed",
        "5",
        "--out",
        s(&input),
    ]);
    assert!(o.status.success(), "{:?}", text(&o));
    let run = |extra: &[&str]| {
        let mut args = vec![
            "screen",
            "--input",
            s(&input),
            "--as-of",
            "2026-10-31",
            "--line-yuan",
            "7600",
            "--out",
            s(&out),
        ];
        args.extend_from_slice(extra);
        dixian(&args)
    };
    let o = run(&[]);
    let (_, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("medical_claims.csv："), "{err}");
    let warnings = std::fs::read_to_string(out.join("warnings.csv")).unwrap();
    assert!(warnings.starts_with("household_id,reason\n") && warnings.lines().count() > 10);
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    assert!(summary.starts_with("town_code,reason,households\n"));
    assert!(!out.join("rejected.csv").exists());

    // With --explain, each warning's reasons as well, one per line of warnings.csv.
    let o = run(&["--explain"]);
    assert!(o.status.success());
    let explained = std::fs::read_to_string(out.join("explanations.csv")).unwrap();
    assert!(explained.starts_with("household_id,reason,explanation\n"));
    assert_eq!(explained.lines().count(), warnings.lines().count());
    assert!(explained.contains("元"), "{explained}");

    // Two threads or one: the same bytes.
    let first = warnings.clone();
    let o = run(&["--threads", "1"]);
    assert!(o.status.success());
    assert_eq!(
        std::fs::read_to_string(out.join("warnings.csv")).unwrap(),
        first
    );

    // The rules from a pack: the contract's own rules written as a pack give the same bytes.
    let contract = repo_file("bench/screening/contract.toml");
    let o = run(&["--pack", s(&contract)]);
    assert!(o.status.success(), "{:?}", text(&o));
    assert_eq!(
        std::fs::read_to_string(out.join("warnings.csv")).unwrap(),
        first
    );
    // From the shipped packs of a region on the as-of date: the national rules (12-month
    // self-pay thresholds split by category, new social assistance …) and the region's line.
    let by_region = |region: &str| {
        let o = dixian(&[
            "screen",
            "--input",
            s(&input),
            "--as-of",
            "2026-10-31",
            "--region",
            region,
            "--out",
            s(&out),
        ]);
        let (_, err) = text(&o);
        assert!(o.status.success(), "{err}");
        (
            err,
            std::fs::read_to_string(out.join("warnings.csv")).unwrap(),
        )
    };
    let (err, national) = by_region("500299000000");
    assert!(
        err.contains("national-2021") && err.contains("收入线 6,000.00 元"),
        "{err}"
    );
    assert_ne!(national, first);
    assert!(national.contains(",self_pay_"), "{national}");
    let count = |w: &str, reason: &str| w.lines().filter(|l| l.ends_with(reason)).count();
    let (err, yunnan) = by_region("530100000000");
    assert!(err.contains("收入线 8,700.00 元"), "{err}");
    assert!(
        count(&yunnan, ",income_below_line") > count(&national, ",income_below_line"),
        "a higher line finds more households below it"
    );
    // A pack without a line needs --line-yuan, said plainly.
    let o = dixian(&[
        "screen",
        "--input",
        s(&input),
        "--as-of",
        "2026-10-31",
        "--pack",
        s(&contract),
        "--out",
        s(&out),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o)
            .1
            .contains("没有 [monitoring_line] 节，请用 --line-yuan"),
        "{:?}",
        text(&o)
    );

    // A malformed claim on line 3: named in the report; strict mode exits 2
    // and leaves the earlier outputs alone.
    let claims = input.join("medical_claims.csv");
    let body = std::fs::read_to_string(&claims).unwrap();
    let mut lines: Vec<&str> = body.lines().collect();
    lines[2] = "12,2026-02-30,100,10";
    std::fs::write(&claims, lines.join("\n") + "\n").unwrap();
    std::fs::remove_dir_all(&out).unwrap();
    let o = run(&["--strict"]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("medical_claims.csv 第 3 行 claim_date 列"),
        "{err}"
    );
    assert!(!out.join("warnings.csv").exists());
    let o = run(&[]);
    assert!(o.status.success());
    let rejected = std::fs::read_to_string(out.join("rejected.csv")).unwrap();
    assert!(
        rejected.contains("medical_claims.csv,3,claim_date,"),
        "{rejected}"
    );

    let o = dixian(&[
        "screen",
        "--input",
        s(&input),
        "--as-of",
        "2026-02-30",
        "--line-yuan",
        "7600",
        "--out",
        s(&out),
    ]);
    let (_, err) = text(&o);
    assert!(!o.status.success() && err.contains("2026-02-30"), "{err}");
    let o = dixian(&[
        "screen",
        "--input",
        s(&out),
        "--as-of",
        "2026-10-31",
        "--line-yuan",
        "7600",
        "--out",
        s(&out),
    ]);
    let (_, err) = text(&o);
    assert!(
        !o.status.success() && err.contains("缺少必需的文件"),
        "{err}"
    );
}

#[test]
fn screening_an_area_from_the_command_line_makes_leads_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let o = dixian(&[
        "demo",
        "--data-dir",
        s(&data),
        "--households",
        "200",
        "--seed",
        "9",
    ]);
    assert!(o.status.success(), "{:?}", text(&o));
    let run = || {
        dixian(&[
            "screen-area",
            "--data-dir",
            s(&data),
            "--area",
            "500299000000",
            "--as-of",
            "2026-10-31",
        ])
    };
    let o = run();
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert!(
        out.contains("筛查完成（500299000000，测算日期 2026-10-31）"),
        "{out}"
    );
    assert!(err.contains("100% 完成"), "{err}");
    let (out, _) = text(&run());
    assert!(out.contains("新线索0条"), "{out}");
    let o = dixian(&[
        "screen-area",
        "--data-dir",
        s(&data),
        "--area",
        "5002990000",
    ]);
    let (_, err) = text(&o);
    assert!(!o.status.success() && err.contains("区划代码"), "{err}");
}

#[test]
fn check_data_lists_every_rule_and_writes_the_csv() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let o = dixian(&[
        "demo",
        "--data-dir",
        s(&data),
        "--households",
        "600",
        "--seed",
        "11",
    ]);
    assert!(o.status.success(), "{:?}", text(&o));
    let csv = dir.path().join("问题.csv");
    let o = dixian(&[
        "check-data",
        "--data-dir",
        s(&data),
        "--area",
        "500299101000",
        "--out",
        s(&csv),
    ]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert!(out.starts_with("数据质量检查（石桥镇，"), "{out}");
    for rule in dixian_domain::quality::Rule::ALL {
        assert!(out.contains(&format!("  {}：", rule.label())), "{out}");
    }
    assert!(out.contains("身份证号不重复"), "{out}");
    let written = std::fs::read_to_string(&csv).unwrap();
    assert!(written.starts_with("\u{feff}规则,案件号,户编号,户主,村,问题\r\n"));
    // As many rows as the summary says problems.
    let total: usize = out
        .split("发现问题")
        .nth(1)
        .and_then(|t| t.split('条').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert_eq!(written.lines().count(), total + 1);
    let o = dixian(&["check-data", "--data-dir", s(&data), "--area", "123"]);
    let (_, err) = text(&o);
    assert!(
        !o.status.success() && err.contains("区划代码“123”无效"),
        "{err}"
    );
}

/// The contract's rules written as a pack are the rules the engine has built in: the same
/// codes, kinds, thresholds, categories and exclusions.
#[test]
fn the_contract_pack_is_the_built_in_contract() {
    let text = std::fs::read_to_string(repo_file("bench/screening/contract.toml")).unwrap();
    let pack = dixian_domain::policy::Pack::parse("contract.toml", &text).unwrap();
    let rules =
        dixian_app::screening::engine_rules(pack.content.screening.as_ref().unwrap()).unwrap();
    assert_eq!(rules, dixian_screen::RuleSet::contract());
}
