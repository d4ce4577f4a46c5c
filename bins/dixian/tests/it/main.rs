//! End-to-end tests of the `dixian` binary: real processes, real ports, real databases.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod browser;
mod browser_dashboard;
mod browser_monitoring;
mod browser_problems;
mod browser_screening;
mod layers;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_dixian");

pub(crate) fn dixian(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env_remove("DIXIAN_DATA_DIR")
        .env_remove("DIXIAN_DATABASE_URL")
        .env_remove("DIXIAN_LISTEN")
        .env_remove("DIXIAN_CONFIG")
        .env("DIXIAN_LOG", "warn")
        .output()
        .unwrap()
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn repo_file(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn deadline(data: &Path, from: &str, days: &str) -> (String, String) {
    text(&dixian(&[
        "calendar",
        "deadline",
        "--data-dir",
        s(data),
        "--from",
        from,
        "--days",
        days,
    ]))
}

/// A demo county of `households` in a fresh directory, served on a free port.
fn demo_server(households: &str, seed: &str) -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let server = Server::start(&[
        "demo",
        "--data-dir",
        s(&data),
        "--households",
        households,
        "--seed",
        seed,
        "--serve",
        "--listen",
        "127.0.0.1:0",
    ]);
    (dir, server)
}

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
    let packs: Vec<PathBuf> = [
        "national-2021.toml",
        "guizhou-2021.toml",
        "chongqing-2022.toml",
        "national-2026.toml",
    ]
    .iter()
    .map(|f| repo_file(&format!("policy/{f}")))
    .collect();
    let mut args = vec!["policy", "check"];
    args.extend(packs.iter().map(|p| s(p)));
    let o = dixian(&args);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert_eq!(out.matches("通过").count(), 4);

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    let good = std::fs::read_to_string(&packs[2]).unwrap();
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

/// A running server, stopped with SIGTERM when dropped.
struct Server {
    child: Child,
    addr: String,
    banner: Vec<String>,
}

impl Server {
    fn start(args: &[&str]) -> Server {
        let mut child = Command::new(BIN)
            .args(args)
            .env("DIXIAN_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let mut banner = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(120);
        let addr = loop {
            assert!(
                Instant::now() < deadline,
                "server did not start: {banner:?}"
            );
            let Some(Ok(line)) = lines.next() else {
                let mut err = String::new();
                child
                    .stderr
                    .take()
                    .unwrap()
                    .read_to_string(&mut err)
                    .unwrap();
                panic!("server exited: {banner:?} {err}");
            };
            banner.push(line.clone());
            if let Some(rest) = line
                .strip_prefix("底线已启动：http://")
                .or_else(|| line.strip_prefix("底线已启动：https://"))
            {
                break rest.split('/').next().unwrap().to_string();
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server {
            child,
            addr,
            banner,
        }
    }

    fn get(&self, path: &str) -> (u16, String) {
        let mut stream = TcpStream::connect(&self.addr).unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.addr
        )
        .unwrap();
        let mut raw = String::new();
        stream.read_to_string(&mut raw).unwrap();
        let status = raw[9..12].parse().unwrap();
        let body = raw.split_once("\r\n\r\n").unwrap().1.to_string();
        (status, body)
    }

    /// Sends SIGTERM and returns the exit status and remaining stderr.
    fn stop(mut self) -> std::process::ExitStatus {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                return st;
            }
            assert!(Instant::now() < deadline, "server ignored SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

#[test]
fn demo_serve_healthz_and_graceful_stop() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let server = Server::start(&[
        "demo",
        "--data-dir",
        s(&data),
        "--households",
        "800",
        "--seed",
        "3",
        "--serve",
        "--listen",
        "127.0.0.1:0",
    ]);
    assert!(
        server
            .banner
            .iter()
            .any(|l| l.contains("已生成演示县青山县：800户")),
        "{:?}",
        server.banner
    );
    let (status, body) = server.get("/healthz");
    assert_eq!(status, 200);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["database"], "sqlite");
    assert_eq!(v["status"], "ok");
    let (status, _) = server.get("/");
    assert_eq!(status, 303, "pages need a login");
    let (status, body) = server.get("/login");
    assert_eq!(status, 200);
    assert!(body.contains("<h1>登录</h1>"));
    let st = server.stop();
    assert!(st.success(), "{st:?}");

    // The README command run a second time serves what is there.
    let server = Server::start(&[
        "demo",
        "--data-dir",
        s(&data),
        "--serve",
        "--listen",
        "127.0.0.1:0",
    ]);
    assert!(
        server
            .banner
            .iter()
            .any(|l| l.contains("已存在（种子3，800户")),
        "{:?}",
        server.banner
    );
    assert!(server.stop().success());

    // The same data served by `serve`, with the listen address from dixian.toml.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    std::fs::write(
        data.join("dixian.toml"),
        format!("listen = \"127.0.0.1:{port}\"\n"),
    )
    .unwrap();
    let server = Server::start(&["serve", "--data-dir", s(&data)]);
    assert_eq!(server.addr, format!("127.0.0.1:{port}"));
    assert!(server.stop().success());
}

#[test]
fn clear_messages_for_busy_port_bad_config_and_missing_database() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    assert!(dixian(&["init", "--data-dir", s(&data)]).status.success());

    let busy = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = busy.local_addr().unwrap().to_string();
    let o = dixian(&["serve", "--data-dir", s(&data), "--listen", &addr]);
    assert_eq!(o.status.code(), Some(1));
    let (_, err) = text(&o);
    assert!(err.contains(&format!("端口{addr}已被占用")), "{err}");

    let o = dixian(&[
        "serve",
        "--data-dir",
        s(&data),
        "--listen",
        "localhost-8080",
    ]);
    assert!(text(&o).1.contains("监听地址“localhost-8080”无效"));

    std::fs::write(
        data.join("dixian.toml"),
        "listen = \"127.0.0.1:1\"\nlisten_port = 3\n",
    )
    .unwrap();
    let o = dixian(&["serve", "--data-dir", s(&data)]);
    let (_, err) = text(&o);
    assert!(err.contains("dixian.toml第2行有误"), "{err}");

    let o = dixian(&["serve", "--data-dir", s(&dir.path().join("empty"))]);
    assert!(text(&o).1.contains("中没有数据库，请先运行：dixian init"));

    let keys = data.join("dixian.keys");
    let o = dixian(&[
        "serve",
        "--key-file",
        s(&keys),
        "--database-url",
        "postgres://u:secret@127.0.0.1:1/x",
    ]);
    let (_, err) = text(&o);
    assert!(
        err.contains("无法连接PostgreSQL数据库（主机127.0.0.1）"),
        "{err}"
    );
    assert!(!err.contains("secret"), "password leaked: {err}");

    std::fs::remove_file(data.join("dixian.toml")).unwrap();
    let o = dixian(&["demo", "--data-dir", s(&data), "--as-of", "2026-02-30"]);
    assert!(text(&o).1.contains("日期“2026-02-30”无效"));
}

#[tokio::test]
async fn runs_on_postgresql() {
    let Ok(admin) = std::env::var("DIXIAN_TEST_PG_URL") else {
        assert!(
            std::env::var("DIXIAN_REQUIRE_PG").is_err(),
            "DIXIAN_TEST_PG_URL not set"
        );
        eprintln!("skipped: DIXIAN_TEST_PG_URL not set");
        return;
    };
    use sqlx::Connection;
    let name = format!("dixian_bin_{}", std::process::id());
    let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name}"
    )))
    .execute(&mut conn)
    .await
    .unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .unwrap();
    let url = format!("{}/{name}", admin.rsplit_once('/').unwrap().0);

    let keys_dir = tempfile::tempdir().unwrap();
    let kd = s(keys_dir.path());
    let o = dixian(&[
        "demo",
        "--data-dir",
        kd,
        "--database-url",
        &url,
        "--households",
        "400",
        "--seed",
        "8",
    ]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert!(out.contains("400户"), "{out}");
    let server = Server::start(&[
        "serve",
        "--data-dir",
        kd,
        "--database-url",
        &url,
        "--listen",
        "127.0.0.1:0",
    ]);
    let (status, body) = server.get("/healthz");
    assert_eq!(status, 200);
    assert!(body.contains("\"database\":\"postgresql\""), "{body}");
    let (status, _) = server.get("/divisions/500299000000");
    assert_eq!(status, 303, "pages need a login");
    let (status, body) = server.get("/login");
    assert_eq!(status, 200);
    assert!(body.contains("<h1>登录</h1>"));
    assert!(server.stop().success());

    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE {name} WITH (FORCE)"
    )))
    .execute(&mut conn)
    .await
    .unwrap();
}

#[test]
fn personal_data_is_encrypted_and_keys_rotate() {
    use dixian_app::demo;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let o = dixian(&[
        "demo",
        "--data-dir",
        s(&data),
        "--households",
        "300",
        "--seed",
        "21",
        "--as-of",
        "2026-11-01",
    ]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert!(err.contains("已生成加密密钥文件"), "{err}");
    let key_file = data.join("dixian.keys");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    // Regenerate the same county to know every ID number, phone and bank account it holds.
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    let table = demo::divisions(21);
    let records: Vec<_> = demo::Generator::new(&table, 21, 300, as_of).collect();
    let mut db = std::fs::read(data.join("dixian.db")).unwrap();
    db.extend(std::fs::read(data.join("dixian.db-wal")).unwrap_or_default());
    let has = |needle: &str| db.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(
        has(&records[0].members[0].name),
        "the scan sees plaintext columns"
    );
    let mut checked = 0;
    for r in &records {
        if let Some(p) = &r.household.phone {
            assert!(!has(p), "phone in plaintext");
            checked += 1;
        }
        if let Some(b) = &r.household.bank_account {
            assert!(!has(b), "bank account in plaintext");
            checked += 1;
        }
        for p in &r.members {
            assert!(
                !has(p.id_number.as_str()),
                "ID {} in plaintext",
                p.id_number.masked()
            );
            checked += 1;
        }
    }
    assert!(checked > 1000, "{checked}");
    let persons: usize = records.iter().map(|r| r.members.len()).sum();

    let o = dixian(&["keys", "rotate", "--data-dir", s(&data), "--batch", "100"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert!(out.contains(&format!("身份证号{persons}条")), "{out}");
    let keys = std::fs::read_to_string(&key_file).unwrap();
    assert_eq!(keys.matches("[[encryption]]").count(), 2);
    let o = dixian(&["keys", "rotate", "--data-dir", s(&data), "--no-new-key"]);
    assert!(text(&o).0.contains("身份证号0条"), "{:?}", text(&o));

    // The data opens with its keys, and only with them.
    let o = dixian(&[
        "policy",
        "show",
        "--data-dir",
        s(&data),
        "--region",
        "500299000000",
    ]);
    assert!(o.status.success(), "{:?}", text(&o));
    let elsewhere = dir.path().join("copy");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::copy(data.join("dixian.db"), elsewhere.join("dixian.db")).unwrap();
    let _ = std::fs::copy(data.join("dixian.db-wal"), elsewhere.join("dixian.db-wal"));
    let o = dixian(&[
        "policy",
        "show",
        "--data-dir",
        s(&elsewhere),
        "--region",
        "500299000000",
    ]);
    assert!(text(&o).1.contains("找不到加密密钥文件"), "{:?}", text(&o));
    let other = dir.path().join("other");
    assert!(dixian(&["init", "--data-dir", s(&other)]).status.success());
    let o = dixian(&[
        "policy",
        "show",
        "--data-dir",
        s(&elsewhere),
        "--key-file",
        s(&other.join("dixian.keys")),
        "--region",
        "500299000000",
    ]);
    assert!(text(&o).1.contains("不匹配"), "{:?}", text(&o));
}

#[tokio::test]
async fn audit_verify_names_a_tampered_record() {
    use sqlx::Connection;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let o = dixian(&[
        "demo",
        "--data-dir",
        s(&data),
        "--households",
        "200",
        "--seed",
        "4",
    ]);
    assert!(o.status.success(), "{:?}", text(&o));
    let o = dixian(&["audit", "verify", "--data-dir", s(&data)]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert!(out.contains("哈希链完整"), "{out}");
    let o = dixian(&["audit", "list", "--data-dir", s(&data), "--limit", "500"]);
    let (out, _) = text(&o);
    assert!(
        out.contains("系统：dixian demo\thouseholds.insert"),
        "{out}"
    );
    assert!(out.contains("policy.put\tnational-2021"), "{out}");

    let url = format!("sqlite://{}", data.join("dixian.db").display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::raw_sql(
        "DROP TRIGGER audit_log_no_update;
         UPDATE audit_log SET actor = '别人' WHERE seq = 5;",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    let o = dixian(&["audit", "verify", "--data-dir", s(&data)]);
    assert_eq!(o.status.code(), Some(1));
    let (_, err) = text(&o);
    assert!(err.contains("第5条审计记录的内容被修改"), "{err}");
    assert!(err.contains("此前4条完好"), "{err}");
}

#[test]
fn demo_accounts_and_user_commands() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let o = dixian(&[
        "demo",
        "--data-dir",
        s(&data),
        "--households",
        "100",
        "--seed",
        "2",
    ]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert!(out.contains("演示账号（密码均为 Dixian@2026"), "{out}");
    for name in [
        "admin", "security", "auditor", "county", "town", "village", "cadre", "yibao", "viewer",
    ] {
        assert!(out.contains(&format!("\n  {name}")), "{name} in {out}");
    }

    let o = dixian(&[
        "user",
        "add",
        "--data-dir",
        s(&data),
        "--username",
        "li.si",
        "--name",
        "李四",
        "--role",
        "村级信息员",
        "--division",
        "500299101201",
    ]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert!(out.contains("已新增账号li.si，初始密码："), "{out}");
    let o = dixian(&[
        "user",
        "add",
        "--data-dir",
        s(&data),
        "--username",
        "li.si",
        "--name",
        "李四",
        "--role",
        "村级信息员",
        "--division",
        "500299101201",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("账号名li.si已存在"), "{:?}", text(&o));

    assert!(
        dixian(&["user", "disable", "--data-dir", s(&data), "li.si"])
            .status
            .success()
    );
    let (out, _) = text(&dixian(&["user", "list", "--data-dir", s(&data)]));
    let line = out.lines().find(|l| l.starts_with("li.si")).unwrap();
    assert!(
        line.contains("李四\t村级信息员\t500299101201") && line.ends_with("已停用"),
        "{line}"
    );
    assert!(
        dixian(&["user", "enable", "--data-dir", s(&data), "li.si"])
            .status
            .success()
    );
    let (out, _) = text(&dixian(&[
        "user",
        "reset-password",
        "--data-dir",
        s(&data),
        "li.si",
    ]));
    assert!(out.contains("新密码："), "{out}");
    let (out, _) = text(&dixian(&["user", "list", "--data-dir", s(&data)]));
    assert!(
        out.lines()
            .any(|l| l.starts_with("li.si") && l.ends_with("待改密")),
        "{out}"
    );
    let o = dixian(&["user", "disable", "--data-dir", s(&data), "nobody"]);
    assert!(text(&o).1.contains("没有账号nobody"));
    // All of it is in the audit trail, which still verifies.
    let (out, _) = text(&dixian(&[
        "audit",
        "list",
        "--data-dir",
        s(&data),
        "--limit",
        "1000",
    ]));
    for action in [
        "user.create\tli.si",
        "user.disable\tli.si",
        "user.enable\tli.si",
        "user.password\tli.si",
    ] {
        assert!(out.contains(action), "{action}");
    }
    assert!(
        !out.contains("argon2"),
        "no password hash in the audit trail"
    );
    assert!(
        dixian(&["audit", "verify", "--data-dir", s(&data)])
            .status
            .success()
    );
}

#[test]
fn backup_and_restore_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let o = dixian(&[
        "demo",
        "--data-dir",
        s(&data),
        "--households",
        "150",
        "--seed",
        "6",
    ]);
    assert!(o.status.success(), "{:?}", text(&o));
    let backup = dir.path().join("backup.db");

    let o = dixian(&["backup", "--data-dir", s(&data), "--out", s(&backup)]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert!(
        out.contains("完整性检查通过") && out.contains("哈希链完整"),
        "{out}"
    );
    assert!(
        out.contains("密钥文件"),
        "reminds to back up the keys: {out}"
    );
    let o = dixian(&["backup", "--data-dir", s(&data), "--out", s(&backup)]);
    assert!(text(&o).1.contains("已存在"), "{:?}", text(&o));

    // A change after the backup…
    let o = dixian(&[
        "user",
        "add",
        "--data-dir",
        s(&data),
        "--username",
        "later",
        "--name",
        "后来者",
        "--role",
        "只读查看",
        "--division",
        "500299000000",
    ]);
    assert!(o.status.success());
    // …is gone after restoring, and the replaced database is kept aside.
    let o = dixian(&["restore", "--data-dir", s(&data), s(&backup)]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert!(
        out.contains("已从") && out.contains("原数据库保留为"),
        "{out}"
    );
    let (list, _) = text(&dixian(&["user", "list", "--data-dir", s(&data)]));
    assert!(!list.contains("later") && list.contains("county"), "{list}");
    let kept = std::fs::read_dir(&data)
        .unwrap()
        .filter_map(|e| e.ok())
        .any(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("dixian.db.before-restore-")
        });
    assert!(kept);
    let (out, _) = text(&dixian(&["audit", "verify", "--data-dir", s(&data)]));
    assert!(out.contains("哈希链完整"), "{out}");
    let (out, _) = text(&dixian(&[
        "audit",
        "list",
        "--data-dir",
        s(&data),
        "--limit",
        "5000",
    ]));
    assert!(out.contains("backup.restore"), "the restore is audited");

    // Not a database: refused, nothing replaced.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, "这不是数据库").unwrap();
    let o = dixian(&["restore", "--data-dir", s(&data), s(&junk)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("不能用于恢复"), "{:?}", text(&o));
    assert!(
        dixian(&["user", "list", "--data-dir", s(&data)])
            .status
            .success()
    );

    // Not while a server uses the directory.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = Server::start(&[
        "serve",
        "--data-dir",
        s(&data),
        "--listen",
        &format!("127.0.0.1:{port}"),
    ]);
    let o = dixian(&["restore", "--data-dir", s(&data), s(&backup)]);
    assert!(
        text(&o).1.contains("服务正在使用数据目录"),
        "{:?}",
        text(&o)
    );
    assert!(server.stop().success());
    assert!(
        !data.join("dixian.pid").exists(),
        "pid file removed on stop"
    );
}

/// `curl` against a local server, trusting `ca` for HTTPS; gives the status line's code,
/// the headers and the body.
fn curl(args: &[&str]) -> (String, String) {
    let out = Command::new("curl")
        .args(["-s", "-D", "-", "--max-time", "20"])
        .args(args)
        .output()
        .expect("curl is installed by scripts/test.sh");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    (head.to_string(), body.to_string())
}

#[test]
fn serves_https_with_a_given_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ])
        .args(["-nodes", "-days", "2", "-subj", "/CN=localhost"])
        .args(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl is installed by scripts/test.sh");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let config = dir.path().join("dixian.toml");
    std::fs::write(
        &config,
        format!(
            "tls_cert = \"{}\"\ntls_key = \"{}\"\nrate_limit_per_minute = 1000\n",
            cert.display(),
            key.display()
        ),
    )
    .unwrap();
    let data = dir.path().join("d");
    let server = Server::start(&[
        "--config",
        s(&config),
        "demo",
        "--data-dir",
        s(&data),
        "--households",
        "50",
        "--serve",
        "--listen",
        "127.0.0.1:0",
    ]);
    assert!(
        server
            .banner
            .iter()
            .any(|l| l.contains("https://127.0.0.1:")),
        "{:?}",
        server.banner
    );
    let url = |p: &str| format!("https://{}{p}", server.addr);
    let (head, body) = curl(&["--cacert", s(&cert), &url("/healthz")]);
    assert!(
        head.starts_with("HTTP/1.1 200") || head.starts_with("HTTP/2 200"),
        "{head}"
    );
    assert!(body.contains("\"status\":\"ok\""), "{body}");
    // Over HTTPS every cookie is Secure, whatever the configuration says.
    let (head, _) = curl(&["--cacert", s(&cert), &url("/login")]);
    let cookie = head
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .unwrap_or_default();
    assert!(cookie.contains("; Secure"), "{head}");
    // Plain HTTP to the HTTPS port gets no page.
    let (head, _) = curl(&[&format!("http://{}/healthz", server.addr)]);
    assert!(!head.contains("200 OK"), "{head}");
    // An unknown certificate authority is refused by the client, as it should be.
    let refused = Command::new("curl")
        .args(["-s", "--max-time", "10", &url("/healthz")])
        .status()
        .unwrap();
    assert!(!refused.success());
    assert!(server.stop().success());

    // A missing key file is named before anything starts.
    std::fs::write(
        &config,
        format!(
            "tls_cert = \"{}\"\ntls_key = \"/nonexistent/key.pem\"\n",
            cert.display()
        ),
    )
    .unwrap();
    let o = dixian(&["--config", s(&config), "serve", "--data-dir", s(&data)]);
    assert!(!o.status.success());
    let (_, err) = text(&o);
    assert!(
        err.contains("找不到HTTPS私钥文件/nonexistent/key.pem"),
        "{err}"
    );
}

/// The chain hash as the store computes it, so this test can play an attacker who rewrites a
/// record and every hash after it.
fn chain_hash(prev: &[u8], fields: [&str; 8]) -> Vec<u8> {
    let mut data = prev.to_vec();
    for f in fields {
        data.extend_from_slice(&(f.len() as u32).to_be_bytes());
        data.extend_from_slice(f.as_bytes());
    }
    dixian_gm::sm3(&data).to_vec()
}

#[tokio::test]
async fn signed_checkpoints_catch_a_rewritten_chain() {
    use sqlx::{Connection, Row};
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let o = dixian(&[
        "demo",
        "--data-dir",
        s(&data),
        "--households",
        "60",
        "--seed",
        "6",
    ]);
    assert!(o.status.success(), "{:?}", text(&o));
    let key = dir.path().join("audit.sm2");
    let o = dixian(&["audit", "keygen", "--out", s(&key)]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    let public = out
        .split("--public-key）：")
        .nth(1)
        .unwrap()
        .trim()
        .to_string();
    assert_eq!(public.len(), 130);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let again = dixian(&["audit", "keygen", "--out", s(&key)]);
    assert!(!again.status.success());
    assert!(text(&again).1.contains("已存在，不会覆盖"));

    let o = dixian(&[
        "audit",
        "checkpoint",
        "--data-dir",
        s(&data),
        "--key",
        s(&key),
    ]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert!(out.contains("已签名检查点：第"), "{out}");
    let verify = |pk: &str| {
        dixian(&[
            "audit",
            "verify",
            "--data-dir",
            s(&data),
            "--public-key",
            pk,
        ])
    };
    let o = verify(&public);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert!(out.contains("SM2签名检查点1个，全部有效"), "{out}");

    // Retention: never below the policy's 180 days; nothing in a new county is that old.
    let o = dixian(&[
        "audit",
        "prune",
        "--data-dir",
        s(&data),
        "--keep-days",
        "30",
    ]);
    assert!(!o.status.success());
    assert!(text(&o).1.contains("至少保存180天"), "{:?}", text(&o));
    let o = dixian(&["audit", "prune", "--data-dir", s(&data)]);
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(text(&o).0.contains("没有超过保存期的审计记录"));

    // An attacker with the database file rewrites record 5 and recomputes every hash after
    // it: the chain alone looks intact, the signed checkpoint does not.
    let url = format!("sqlite://{}", data.join("dixian.db").display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::raw_sql(
        "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = '别人' WHERE seq = 5;",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let rows = sqlx::query(
        "SELECT seq, at, actor_id, actor, source, action, target, detail, prev_hash FROM audit_log WHERE seq >= 5 ORDER BY seq",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut prev: Vec<u8> = rows[0].get("prev_hash");
    for r in &rows {
        let seq: i64 = r.get("seq");
        let actor_id: Option<i64> = r.get("actor_id");
        let source: Option<String> = r.get("source");
        let hash = chain_hash(
            &prev,
            [
                &seq.to_string(),
                r.get("at"),
                &actor_id.map(|i| i.to_string()).unwrap_or_default(),
                r.get("actor"),
                source.as_deref().unwrap_or(""),
                r.get("action"),
                r.get("target"),
                r.get("detail"),
            ],
        );
        sqlx::query("UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE seq = $3")
            .bind(&prev)
            .bind(&hash)
            .bind(seq)
            .execute(&mut conn)
            .await
            .unwrap();
        prev = hash;
    }
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&prev)
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    let o = dixian(&["audit", "verify", "--data-dir", s(&data)]);
    assert!(
        o.status.success(),
        "the rewrite fools the chain alone: {:?}",
        text(&o)
    );
    let o = verify(&public);
    assert_eq!(o.status.code(), Some(1));
    let (_, err) = text(&o);
    assert!(
        err.contains("与签名检查点") && err.contains("签名之后被改写"),
        "{err}"
    );
    // Another key's checkpoints are not these.
    let other = "04".to_string() + &"1".repeat(128);
    let o = verify(&other);
    assert!(!o.status.success());
}

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
    let rows: Vec<String> = t
        .lines()
        .skip(1)
        .map(|l| l.replace("5002991012010001", "5002991012019001"))
        .collect();

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
    let records = dixian_app::import::read_csv(&good_text, dixian_app::today()).unwrap();
    let mut bytes = Vec::new();
    dixian_app::import::write_households(dixian_app::sheet::FileKind::Xlsx, records, &mut bytes)
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
