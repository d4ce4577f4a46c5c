//! The server: the demo county served and stopped, clear start-up errors, PostgreSQL, HTTPS, accounts from the command line.

use crate::support::*;

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
    // Not a terminal: plain text, no colour codes in a log file.
    assert!(!err.contains('\u{1b}'), "{err:?}");

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

    // The command it asks for runs as printed, pasted into a shell, even with a space in
    // the path.
    let empty = dir.path().join("空 目录");
    let o = dixian(&["serve", "--data-dir", s(&empty)]);
    let err = text(&o).1;
    let command = err
        .split("中没有数据库，请先运行：")
        .nth(1)
        .and_then(|rest| rest.lines().next())
        .unwrap_or_else(|| panic!("{err}"))
        .trim()
        .to_string();
    let ran = std::process::Command::new("sh")
        .arg("-c")
        .arg(&command)
        .output()
        .unwrap();
    assert!(ran.status.success(), "{command}: {:?}", text(&ran));
    assert!(empty.join("dixian.db").exists());

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
    // The data directory remembers its database (in a file only its owner reads), so the
    // command printed to run next works as it is.
    let printed = out
        .lines()
        .find_map(|l| l.strip_prefix("启动服务："))
        .unwrap_or_default()
        .to_string();
    assert!(
        printed.ends_with(&format!("serve --data-dir {kd}")),
        "{out}"
    );
    assert!(err.contains("已把数据库地址记入"), "{err}");
    let config = keys_dir.path().join("dixian.toml");
    assert!(std::fs::read_to_string(&config).unwrap().contains(&url));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&config).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let server = Server::start(&["serve", "--data-dir", kd, "--listen", "127.0.0.1:0"]);
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
        "10000",
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
