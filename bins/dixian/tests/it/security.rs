//! Encryption and key rotation, the audit chain and its signed checkpoints, backup and restore.

use crate::support::*;

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

#[tokio::test]
async fn signed_checkpoints_catch_a_rewritten_chain() {
    use sqlx::Connection;
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
        "--public-key",
        &public,
    ]);
    assert!(!o.status.success());
    assert!(text(&o).1.contains("至少保存180天"), "{:?}", text(&o));
    // Pruning needs the public key: it stops at a signed checkpoint older than retention.
    let o = dixian(&["audit", "prune", "--data-dir", s(&data)]);
    assert!(!o.status.success());
    assert!(text(&o).1.contains("签名的检查点作依据"), "{:?}", text(&o));
    let o = dixian(&[
        "audit",
        "prune",
        "--data-dir",
        s(&data),
        "--public-key",
        &public,
    ]);
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(
        text(&o).0.contains("没有可清理的审计记录"),
        "{:?}",
        text(&o)
    );

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
    rechain(&mut conn, 5, 0).await;
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

#[tokio::test]
async fn a_forged_retention_marker_and_a_cut_tail_are_found() {
    use sqlx::{Connection, Row};
    let dir = tempfile::tempdir().unwrap();
    let (data, key, public) = demo_and_audit_key(dir.path(), "7");
    let o = dixian(&[
        "audit",
        "checkpoint",
        "--data-dir",
        s(&data),
        "--key",
        s(&key),
    ]);
    assert!(o.status.success(), "{:?}", text(&o));
    // The daily check remembers where it got to, outside the database.
    let state = dir.path().join("audit.last");
    let daily = |with_key: bool| {
        let mut args = vec![
            "audit",
            "verify",
            "--data-dir",
            s(&data),
            "--state",
            s(&state),
        ];
        if with_key {
            args.extend(["--public-key", public.as_str()]);
        }
        dixian(&args)
    };
    let o = daily(true);
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(std::fs::read_to_string(&state).unwrap().contains(' '));
    let db = data.join("dixian.db");
    let copy = dir.path().join("copy.db");
    std::fs::copy(&db, &copy).unwrap();

    // The review's attack: triggers dropped, the retention marker moved to record 20 and
    // records 1-20 (all from today) deleted.
    let url = format!("sqlite://{}", db.display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::raw_sql(
        "DROP TRIGGER audit_log_no_delete; DROP TRIGGER audit_anchor_forward;
         UPDATE audit_anchor SET seq = 20, hash = (SELECT hash FROM audit_log WHERE seq = 20) WHERE id = 1;
         DELETE FROM audit_log WHERE seq <= 20;",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    for with_key in [false, true] {
        let o = daily(with_key);
        assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
        assert!(
            text(&o)
                .1
                .contains("第1至20条审计记录已不在，却没有清理到这里的记录"),
            "{:?}",
            text(&o)
        );
    }

    // Another attack on the saved copy: the newest records cut and the head rewritten to
    // match, so the chain alone looks whole; the remembered head does not.
    std::fs::copy(&copy, &db).unwrap();
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let head: i64 = sqlx::query("SELECT MAX(seq) AS m FROM audit_log")
        .fetch_one(&mut conn)
        .await
        .unwrap()
        .get("m");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP TRIGGER audit_log_no_delete;
         DELETE FROM audit_log WHERE seq > {cut};
         UPDATE audit_head SET seq = {cut}, hash = (SELECT hash FROM audit_log WHERE seq = {cut}) WHERE id = 1;",
        cut = head - 3
    )))
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    let o = dixian(&["audit", "verify", "--data-dir", s(&data)]);
    assert!(
        o.status.success(),
        "the chain alone cannot tell: {:?}",
        text(&o)
    );
    let o = daily(false);
    assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
    assert!(text(&o).1.contains("末尾的记录被删除"), "{:?}", text(&o));

    // A forged pruning: the records up to the genuine (recent) checkpoint deleted, the marker
    // moved there, and a prune record appended that cites that checkpoint, dated once as now
    // and once far enough ahead to look lawful. The key catches both.
    for days_ahead in [0i64, 200] {
        std::fs::copy(&copy, &db).unwrap();
        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
        let cp = sqlx::query(
            "SELECT seq, detail FROM audit_log WHERE action = 'audit.checkpoint' ORDER BY seq DESC LIMIT 1",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap();
        let cp_detail: String = cp.get("detail");
        let signed: serde_json::Value = serde_json::from_str(&cp_detail).unwrap();
        let through = signed["seq"].as_i64().unwrap();
        let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        let (seq, prev): (i64, Vec<u8>) = (head.get::<i64, _>("seq") + 1, head.get("hash"));
        let at = (chrono::Utc::now() + chrono::Duration::days(days_ahead))
            .format("%Y-%m-%dT%H:%M:%S%.6fZ")
            .to_string();
        let detail = serde_json::json!({
            "removed": through, "through_seq": through, "before": at, "checkpoint": signed,
        })
        .to_string();
        let fields = [
            seq.to_string(),
            at.clone(),
            String::new(),
            "系统：audit prune".to_string(),
            String::new(),
            "audit.prune".to_string(),
            "审计记录".to_string(),
            detail.clone(),
        ];
        let refs: [&str; 8] = std::array::from_fn(|i| fields[i].as_str());
        let hash = chain_hash(&prev, refs);
        sqlx::query(
            "INSERT INTO audit_log (seq, at, actor_id, actor, source, action, target, detail, prev_hash, hash)
             VALUES ($1, $2, NULL, $3, NULL, 'audit.prune', '审计记录', $4, $5, $6)",
        )
        .bind(seq)
        .bind(&at)
        .bind(&fields[3])
        .bind(&detail)
        .bind(&prev)
        .bind(&hash)
        .execute(&mut conn)
        .await
        .unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "UPDATE audit_head SET seq = {seq}, hash = (SELECT hash FROM audit_log WHERE seq = {seq}) WHERE id = 1;
             DROP TRIGGER audit_log_no_delete; DROP TRIGGER audit_anchor_forward;
             UPDATE audit_anchor SET seq = {through}, hash = (SELECT hash FROM audit_log WHERE seq = {through}) WHERE id = 1;
             DELETE FROM audit_log WHERE seq <= {through};"
        )))
        .execute(&mut conn)
        .await
        .unwrap();
        conn.close().await.unwrap();
        let o = dixian(&[
            "audit",
            "verify",
            "--data-dir",
            s(&data),
            "--public-key",
            &public,
        ]);
        assert_eq!(o.status.code(), Some(1), "{days_ahead}: {:?}", text(&o));
        let err = text(&o).1;
        assert!(
            err.contains("保存期") || err.contains("晚于现在"),
            "{days_ahead}: {err}"
        );
    }
}

/// A small demo county in `dir/d` and an audit key pair from `dixian audit keygen`: the data
/// directory, the private key file and the public key.
fn demo_and_audit_key(
    dir: &std::path::Path,
    seed: &str,
) -> (std::path::PathBuf, std::path::PathBuf, String) {
    let data = dir.join("d");
    let o = dixian(&[
        "demo",
        "--data-dir",
        s(&data),
        "--households",
        "60",
        "--seed",
        seed,
    ]);
    assert!(o.status.success(), "{:?}", text(&o));
    let key = dir.join("audit.sm2");
    let o = dixian(&["audit", "keygen", "--out", s(&key)]);
    let public = text(&o)
        .0
        .split("--public-key）：")
        .nth(1)
        .unwrap()
        .trim()
        .to_string();
    (data, key, public)
}

/// What an attacker with the database file does after changing a record: recomputes the hash
/// of every record from `from` on (moving each one's time `days` earlier) and the head, so the
/// chain alone looks intact. The update trigger must be dropped first.
async fn rechain(conn: &mut sqlx::SqliteConnection, from: i64, days: i64) {
    use sqlx::Row;
    let rows = sqlx::query(
        "SELECT seq, at, actor_id, actor, source, action, target, detail, prev_hash FROM audit_log WHERE seq >= $1 ORDER BY seq",
    )
    .bind(from)
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let mut prev: Vec<u8> = rows[0].get("prev_hash");
    for r in &rows {
        let seq: i64 = r.get("seq");
        let at: String = r.get("at");
        let at = (chrono::DateTime::parse_from_rfc3339(&at).unwrap()
            - chrono::Duration::days(days))
        .with_timezone(&chrono::Utc)
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string();
        let actor_id: Option<i64> = r.get("actor_id");
        let source: Option<String> = r.get("source");
        let hash = chain_hash(
            &prev,
            [
                &seq.to_string(),
                &at,
                &actor_id.map(|i| i.to_string()).unwrap_or_default(),
                r.get("actor"),
                source.as_deref().unwrap_or(""),
                r.get("action"),
                r.get("target"),
                r.get("detail"),
            ],
        );
        sqlx::query("UPDATE audit_log SET at = $1, prev_hash = $2, hash = $3 WHERE seq = $4")
            .bind(&at)
            .bind(&prev)
            .bind(&hash)
            .bind(seq)
            .execute(&mut *conn)
            .await
            .unwrap();
        prev = hash;
    }
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&prev)
        .execute(&mut *conn)
        .await
        .unwrap();
}

/// Rewrites every audit record with a time `days` earlier, hashes recomputed and the head
/// moved along: what a county's trail looks like after `days` of use.
async fn age_the_trail(db: &std::path::Path, days: i64) {
    use sqlx::Connection;
    let url = format!("sqlite://{}", db.display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::raw_sql("DROP TRIGGER audit_log_no_update")
        .execute(&mut conn)
        .await
        .unwrap();
    rechain(&mut conn, 1, days).await;
    sqlx::raw_sql(
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
         BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
}

#[tokio::test]
async fn a_lawful_pruning_stops_at_a_signed_checkpoint_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let (data, key, public) = demo_and_audit_key(dir.path(), "8");
    // Seven months of records, signed then; more records since, not yet signed.
    age_the_trail(&data.join("dixian.db"), 210).await;
    let o = dixian(&[
        "audit",
        "checkpoint",
        "--data-dir",
        s(&data),
        "--key",
        s(&key),
    ]);
    let signed: i64 = text(&o)
        .0
        .split("已签名检查点：第")
        .nth(1)
        .and_then(|t| t.split('条').next())
        .unwrap()
        .parse()
        .unwrap();
    let o = dixian(&[
        "audit",
        "prune",
        "--data-dir",
        s(&data),
        "--public-key",
        &public,
    ]);
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(
        text(&o).0.contains(&format!("（至第{signed}条）")),
        "{:?}",
        text(&o)
    );
    let verify = |args: &[&str]| {
        let mut all = vec!["audit", "verify", "--data-dir", s(&data)];
        all.extend_from_slice(args);
        dixian(&all)
    };
    let o = verify(&["--public-key", &public]);
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(text(&o).0.contains("清理依据的签名有效"), "{:?}", text(&o));
    // Without the key a pruned trail cannot be vouched for.
    let o = verify(&[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("须用审计管理员的公钥核验清理依据"));
    // The key from the configuration file serves as well.
    std::fs::write(
        data.join("dixian.toml"),
        format!("audit_public_key = \"{public}\"\n"),
    )
    .unwrap();
    let o = verify(&[]);
    assert!(o.status.success(), "{:?}", text(&o));
}
