//! The command line: help, policy checks, `init`, the calendar.

use crate::support::*;

#[test]
fn help_is_chinese() {
    let (out, _) = text(&dixian(&["--help"]));
    assert!(out.contains("用法：dixian [选项] <命令>"), "{out}");
    assert!(out.contains("创建数据库"));
    assert!(!out.contains("Usage"));
    let o = dixian(&["frobnicate"]);
    assert_eq!(o.status.code(), Some(2));
    let (_, err) = text(&o);
    assert!(err.contains("没有这个命令"), "{err}");
}

#[test]
fn policy_check_reports_file_line_and_field() {
    let mut packs: Vec<PathBuf> = std::fs::read_dir(repo_file("policy"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    packs.sort();
    assert!(packs.len() >= 10, "{packs:?}");
    let mut args = vec!["policy", "check"];
    args.extend(packs.iter().map(|p| s(p)));
    let o = dixian(&args);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert_eq!(out.matches("通过").count(), packs.len());

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    let tongliang = repo_file("policy/tongliang-2022.toml");
    let good = std::fs::read_to_string(&tongliang).unwrap();
    std::fs::write(
        &bad,
        good.replace("monitored_every_months = 1", "monitored_every_months = 0"),
    )
    .unwrap();
    let broken = dir.path().join("broken.toml");
    std::fs::write(&broken, "[pack\nid = 1\n").unwrap();
    let o = dixian(&["policy", "check", s(&bad), s(&broken), "/no/such.toml"]);
    assert_eq!(o.status.code(), Some(1));
    let (_, err) = text(&o);
    let line = good
        .lines()
        .position(|l| l.starts_with("monitored_every_months"))
        .unwrap()
        + 1;
    assert!(
        err.contains(&format!(
            "bad.toml第{line}行，字段 visits.monitored_every_months"
        )),
        "{err}"
    );
    assert!(err.contains("broken.toml第1行"), "{err}");
    assert!(err.contains("无法读取文件/no/such.toml"), "{err}");

    // A value without a source is refused, placed at the value.
    let unsourced = dir.path().join("unsourced.toml");
    std::fs::write(
        &unsourced,
        good.lines()
            .filter(|l| !l.starts_with("\"visits.poverty_alleviated_months\""))
            .collect::<Vec<_>>()
            .join("\n"),
    )
    .unwrap();
    let o = dixian(&["policy", "check", s(&unsourced)]);
    assert_eq!(o.status.code(), Some(1));
    let (_, err) = text(&o);
    let line = good
        .lines()
        .position(|l| l.starts_with("poverty_alleviated_months"))
        .unwrap()
        + 1;
    assert!(
        err.contains(&format!(
            "unsourced.toml第{line}行，字段 visits.poverty_alleviated_months：数值没有注明来源"
        )),
        "{err}"
    );
}

#[test]
fn policy_diff_lists_each_changed_value_with_its_sources() {
    let o = dixian(&["policy", "diff", "yunnan-2023", "yunnan-2024"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert!(
        out.contains("yunnan-2023（2023-01-01起）→ yunnan-2024（2024-01-01起）"),
        "{out}"
    );
    assert!(
        out.contains("改变 monitoring_line.amount：8050元 → 8700元"),
        "{out}"
    );
    assert!(
        out.contains("新依据：shared/DOMAIN.md §4：云南2024、2025年8700元"),
        "{out}"
    );
    // A file against a shipped pack: the file's edited value and source.
    let dir = tempfile::tempdir().unwrap();
    let edited = dir.path().join("tl.toml");
    let body = std::fs::read_to_string(repo_file("policy/tongliang-2022.toml"))
        .unwrap()
        .replace(
            "village_notice_min = { days = 5,",
            "village_notice_min = { days = 7,",
        );
    std::fs::write(&edited, body).unwrap();
    let o = dixian(&["policy", "diff", "tongliang-2022", s(&edited)]);
    let (out, _) = text(&o);
    assert!(out.contains("1项不同"), "{out}");
    assert!(
        out.contains("改变 deadlines.village_notice_min.days：5 → 7"),
        "{out}"
    );
    let o = dixian(&["policy", "diff", "yunnan-2023", "hunan-2099"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("找不到政策包“hunan-2099”"));
}

#[test]
fn init_validates_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let divs = dir.path().join("d.csv");
    std::fs::write(
        &divs,
        "code,name\n520000000000,贵州省\n520600000000,铜仁市\n5206240000,思南县\n",
    )
    .unwrap();
    let o = dixian(&["init", "--data-dir", s(&data), "--divisions", s(&divs)]);
    assert_eq!(o.status.code(), Some(1));
    let (_, err) = text(&o);
    assert!(err.contains("d.csv第4行"), "{err}");
    assert!(err.contains("12位数字"), "{err}");

    std::fs::write(
        &divs,
        "code,name\n520000000000,贵州省\n520600000000,铜仁市\n520624000000,思南县\n",
    )
    .unwrap();
    let o = dixian(&["init", "--data-dir", s(&data), "--divisions", s(&divs)]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert!(out.contains("行政区划 3 个"), "{out}");
    assert!(out.contains("national-2021"), "{out}");

    let o = dixian(&[
        "policy",
        "show",
        "--data-dir",
        s(&data),
        "--region",
        "520624000000",
        "--date",
        "2021-07-01",
    ]);
    let (out, _) = text(&o);
    assert!(out.contains("6,320.00元"), "{out}");
    // Every value is listed with its source; 2021's line applied in 2026 is flagged.
    assert!(
        out.contains("[monitoring_line] 取自政策包 guizhou-2021"),
        "{out}"
    );
    assert!(
        out.contains("来源：铜仁市衔接规划（seeds/001）第五章第二节"),
        "{out}"
    );
    assert!(
        out.contains("deadlines.verification：days = 5，count = 工作日"),
        "{out}"
    );
    assert!(out.contains("来源：县定默认值"), "{out}");
    assert!(!out.contains("注意："), "{out}");
    let o = dixian(&[
        "policy",
        "show",
        "--data-dir",
        s(&data),
        "--region",
        "520624000000",
        "--date",
        "2026-07-01",
    ]);
    let (out, _) = text(&o);
    assert!(
        out.contains("注意：监测范围6,320.00元是政策包“guizhou-2021”的2021年标准"),
        "{out}"
    );
    let o = dixian(&[
        "policy",
        "show",
        "--data-dir",
        s(&data),
        "--region",
        "520625000000",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("520625000000不存在"));
    let o = dixian(&[
        "policy",
        "show",
        "--data-dir",
        s(&data),
        "--region",
        "520624000000",
        "--date",
        "2021-13-01",
    ]);
    assert!(text(&o).1.contains("日期“2021-13-01”无效"));
}

#[test]
fn calendar_import_and_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    assert!(dixian(&["init", "--data-dir", s(&data)]).status.success());
    let (out, err) = deadline(&data, "2026-12-30", "3");
    assert!(out.contains("2027-01-04"), "{out}");
    assert!(err.contains("日历未录入2027年"), "{err}");

    let cal = dir.path().join("2027.csv");
    std::fs::write(
        &cal,
        "date,kind,festival,notice_year\n2027-01-01,休,元旦,2027\n2027-01-04,休,元旦,2027\n",
    )
    .unwrap();
    let o = dixian(&["calendar", "import", "--data-dir", s(&data), s(&cal)]);
    assert!(text(&o).0.contains("已导入2天"), "{:?}", text(&o));
    let (out, err) = deadline(&data, "2026-12-30", "3");
    assert!(out.contains("2027-01-06"), "{out}");
    assert!(!err.contains("未录入"), "{err}");

    std::fs::write(
        &cal,
        "date,kind,festival,notice_year\n2027-01-05,班,元旦,2027\n",
    )
    .unwrap();
    let o = dixian(&["calendar", "import", "--data-dir", s(&data), s(&cal)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("2027.csv第2行"));
}

#[test]
fn a_first_start_says_in_a_few_lines_what_it_did() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // As a person runs it: the default log level, not the tests' quieter one.
    let first_start = |data: &std::path::Path| {
        std::process::Command::new(BIN)
            .args(["init", "--data-dir", s(data)])
            .env_remove("DIXIAN_DATA_DIR")
            .env_remove("DIXIAN_DATABASE_URL")
            .env_remove("DIXIAN_CONFIG")
            .env_remove("DIXIAN_LOG")
            .output()
            .unwrap()
    };
    let o = first_start(&data);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    // One line for the schema, not one per migration.
    assert_eq!(err.matches("已建立数据库（结构版本").count(), 1, "{err}");
    assert!(!err.contains("已应用数据库迁移"), "{err}");
    assert!(err.contains("已生成加密密钥文件"), "{err}");
    assert!(
        err.lines().count() <= 4,
        "a first start is a few lines: {err}"
    );
    assert!(out.starts_with("初始化完成"), "{out}");
    // A second start has nothing to say about the schema.
    let (_, again) = text(&first_start(&data));
    assert!(!again.contains("数据库"), "{again}");
}
