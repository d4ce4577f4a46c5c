//! Reading the audit trail (审计查询): the auditor's filters as typed, Chinese names of the
//! actions, and the CSV export, which is itself audited.

use crate::AppError;
use chrono::{NaiveDate, TimeZone, Utc};
use dixian_domain::access::Actor;
use dixian_store::{AuditFilter, AuditRecord, Store};

/// Chinese names of the action codes, for people reading the trail.
const ACTIONS: &[(&str, &str)] = &[
    ("access.denied", "越权访问被拒绝"),
    ("assurance.update", "保障情况核查"),
    ("audit.export", "导出审计记录"),
    ("audit.prune", "清理过期审计记录"),
    ("audit.checkpoint", "审计检查点签名"),
    ("cadre.assign", "指定帮扶责任人"),
    ("cadre.unassign", "解除帮扶责任人"),
    ("calendar.put", "导入节假日日历"),
    ("case.approve", "案件审核通过"),
    ("case.attach", "上传案件附件"),
    ("case.attachment.read", "查看案件附件"),
    ("case.close", "案件办结（不予纳入或不予消除）"),
    ("case.deliberate", "民主评议并公示"),
    ("case.end_notice", "公示期满"),
    ("case.green_channel", "启用绿色通道"),
    ("case.propose_green_channel", "村级研判提请绿色通道"),
    ("case.decline_green_channel", "乡镇不同意绿色通道"),
    ("case.object", "公示异议"),
    ("case.propose_elimination", "提出风险消除"),
    ("case.refused", "案件办理被拒绝"),
    ("case.return", "案件退回"),
    ("case.revert", "回退监测"),
    ("case.verify", "入户核实"),
    ("csrf.rejected", "拒绝伪造的请求"),
    ("divisions.put", "导入行政区划"),
    ("household.import", "导入更新户信息"),
    ("household.update", "户信息变更"),
    ("households.insert", "登记农户"),
    ("income.update", "登记或更正收入"),
    ("keys.rotate", "轮换密钥"),
    ("measure.put", "保存帮扶措施"),
    ("visit.create", "记录走访"),
    ("visit.photo.read", "查看走访照片"),
    ("visit.photo.draft", "保留未保存表单中的文件"),
    ("problem.create", "登记三保障问题"),
    ("problem.step", "办理三保障问题（整改、销号、退回）"),
    ("problem.file.read", "查看问题整改佐证"),
    ("case.assign_cadre", "明确帮扶责任人"),
    ("case.plan", "制定或调整帮扶计划"),
    ("feed.deliver", "交付部门数据"),
    ("feed.household.read", "查看农户的部门比对数据"),
    ("screening.read", "读取筛查数据"),
    ("lead.accept", "受理线索"),
    ("lead.create", "登记线索"),
    ("lead.decline", "不予受理线索"),
    ("lead.export", "导出线索清单"),
    ("login.failure", "登录失败"),
    ("login.lockout", "账号锁定"),
    ("login.success", "登录成功"),
    ("members.update", "成员信息变更"),
    ("person.birth", "成员出生"),
    ("person.deceased", "成员死亡"),
    ("person.lookup", "按身份证号查找"),
    ("person.marriage_in", "成员婚入"),
    ("person.move_in", "成员迁入"),
    ("person.moved_out", "成员迁出"),
    ("person.married_out", "成员婚出"),
    ("person.returned", "成员恢复在户"),
    ("pairing.add", "记录包片包村干部"),
    ("pairing.end", "结束包片包村（交接）"),
    ("cadre.hand_over", "移交帮扶责任人负责的农户"),
    ("tour.add", "记录书记遍访"),
    ("team.add", "组建驻村工作队"),
    ("team.end", "撤换驻村工作队"),
    ("team.member.add", "选派驻村队员"),
    ("team.member.end", "结束驻村队员任期"),
    ("team.days", "记录驻村在村情况"),
    ("village.designate", "认定（重点帮扶村等）"),
    ("village.designation.end", "结束认定"),
    ("village.accounts", "导入村集体经济收支"),
    ("village.weak.enrol", "经济薄弱村纳入扶持"),
    ("rectification.add", "登记整改事项"),
    ("rectification.step", "办理整改事项"),
    ("rectification.file.read", "查看整改佐证材料"),
    ("rectification.file.draft", "保留未办理成功的整改佐证文件"),
    ("officer.add", "配备监测信息员"),
    ("officer.end", "信息员不再担任"),
    ("pii.reveal", "查看完整个人信息"),
    ("policy.put", "导入政策包"),
    ("session.revoke_all", "退出全部会话"),
    ("setting.put", "修改设置"),
    ("user.create", "新增账号"),
    ("user.disable", "停用账号"),
    ("user.enable", "启用账号"),
    ("user.password", "修改或重置密码"),
];

/// The Chinese name of an action code, or the code itself for one not listed.
pub fn action_label(code: &str) -> &str {
    ACTIONS
        .iter()
        .find(|(c, _)| *c == code)
        .map_or(code, |(_, l)| l)
}

/// The actions the filter offers, as (code, name).
pub fn actions() -> &'static [(&'static str, &'static str)] {
    ACTIONS
}

/// The filter form as typed; empty fields mean "any".
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub actor: String,
    pub action: String,
    pub target: String,
    /// First day, `YYYY-MM-DD`, Beijing time.
    pub from: String,
    /// Last day, inclusive.
    pub to: String,
    /// Show records before this sequence number (paging back).
    pub before: Option<i64>,
}

fn day_start(text: &str, field: &str) -> Result<Option<chrono::DateTime<Utc>>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let d = NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .map_err(|_| format!("{field}“{t}”不是日期，请写成2026-11-23的形式"))?;
    // Midnight in Beijing is 16:00 UTC of the day before.
    let midnight = d.and_hms_opt(0, 0, 0).unwrap_or_default() - chrono::Duration::hours(8);
    Ok(Some(Utc.from_utc_datetime(&midnight)))
}

impl AuditQuery {
    /// The store filter, or every problem with the form.
    pub fn filter(&self, limit: i64) -> Result<AuditFilter, AppError> {
        let mut problems = Vec::new();
        let from = day_start(&self.from, "起始日期").unwrap_or_else(|e| {
            problems.push(e);
            None
        });
        let until = day_start(&self.to, "截止日期")
            .unwrap_or_else(|e| {
                problems.push(e);
                None
            })
            .map(|t| t + chrono::Duration::days(1));
        if let (Some(f), Some(u)) = (from, until)
            && f >= u
        {
            problems.push("起始日期晚于截止日期".into());
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let text = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        Ok(AuditFilter {
            after_seq: 0,
            before_seq: self.before,
            newest_first: true,
            limit,
            actor: text(&self.actor),
            action: text(&self.action),
            target: text(&self.target),
            from,
            until,
        })
    }
}

/// One page of records, newest first.
pub async fn page(
    store: &dyn Store,
    actor: &Actor,
    q: &AuditQuery,
    limit: i64,
) -> Result<Vec<AuditRecord>, AppError> {
    Ok(store.audit_records(actor, &q.filter(limit)?).await?)
}

/// Rows an export may hold; more must be narrowed by the filter.
pub const EXPORT_LIMIT: i64 = 10_000;

/// Every cell quoted (details are JSON), formulas defused.
fn csv_field(s: &str) -> String {
    crate::csv_text::quoted(&crate::csv_text::defused(s))
}

/// The matching records as CSV (UTF-8 with BOM, for Excel), oldest first. The export is
/// audited with its filter and row count before the file is handed out.
pub async fn export_csv(
    store: &dyn Store,
    actor: &Actor,
    q: &AuditQuery,
) -> Result<(String, usize), AppError> {
    let mut filter = q.filter(EXPORT_LIMIT)?;
    filter.before_seq = None;
    filter.newest_first = false;
    let records = store.audit_records(actor, &filter).await?;
    let detail = serde_json::json!({
        "rows": records.len(),
        "actor": filter.actor,
        "action": filter.action,
        "target": filter.target,
        "from": q.from.trim(),
        "to": q.to.trim(),
    })
    .to_string();
    store
        .audit(actor, "audit.export", "审计记录", &detail)
        .await?;
    let mut out = String::from(
        "\u{feff}序号,时间（北京）,账号,来源地址,操作,操作代码,对象,详情,本条哈希\r\n",
    );
    for r in &records {
        let row = [
            r.seq.to_string(),
            crate::beijing(r.at).format("%Y-%m-%d %H:%M:%S").to_string(),
            r.actor.clone(),
            r.source.clone().unwrap_or_default(),
            action_label(&r.action).to_string(),
            r.action.clone(),
            r.target.clone(),
            r.detail.clone(),
            r.hash.clone(),
        ];
        let line: Vec<String> = row.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    Ok((out, records.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_beijing_days() {
        let q = AuditQuery {
            from: "2026-11-23".into(),
            to: "2026-11-23".into(),
            ..Default::default()
        };
        let f = q.filter(50).unwrap();
        assert_eq!(f.from.unwrap().to_rfc3339(), "2026-11-22T16:00:00+00:00");
        assert_eq!(f.until.unwrap().to_rfc3339(), "2026-11-23T16:00:00+00:00");
        assert!(f.newest_first);
    }

    #[test]
    fn bad_dates_are_named() {
        let q = AuditQuery {
            from: "23/11/2026".into(),
            to: "2026-11-01".into(),
            ..Default::default()
        };
        let e = q.filter(50).unwrap_err().to_string();
        assert!(e.contains("起始日期“23/11/2026”不是日期"), "{e}");
        let q = AuditQuery {
            from: "2026-11-02".into(),
            to: "2026-11-01".into(),
            ..Default::default()
        };
        assert!(
            q.filter(50)
                .unwrap_err()
                .to_string()
                .contains("起始日期晚于截止日期")
        );
    }

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("a\"b"), "\"a\"\"b\"");
        assert_eq!(csv_field("=1+1"), "\"'=1+1\"");
        assert_eq!(action_label("pii.reveal"), "查看完整个人信息");
        assert_eq!(action_label("x.y"), "x.y");
    }
}

/// Removes audit records older than the retention period (at least 180 days; the security
/// policy's value unless `keep_days` asks for longer), but only up to the newest checkpoint
/// signed with `public_key` that is itself older than that: a removal nobody could sign for
/// (a forged retention marker, recent records deleted) is then told apart by `verify`.
pub async fn prune(
    store: &dyn Store,
    actor: &Actor,
    policy: &crate::accounts::auth::SecurityPolicy,
    keep_days: Option<i64>,
    now: chrono::DateTime<Utc>,
    public_key: &str,
) -> Result<dixian_store::PruneReport, AppError> {
    let minimum = policy.audit_retention.num_days();
    let days = keep_days.unwrap_or(minimum);
    if days < minimum {
        return Err(AppError::Invalid(vec![format!(
            "审计记录至少保存{minimum}天（安全策略规定），不能只保留{days}天"
        )]));
    }
    let before = now - chrono::Duration::days(days);
    let mut newest: Option<(Checkpoint, AuditRecord)> = None;
    for found in checkpoints_under(store, actor, public_key).await? {
        let (Some(cp), true, Some(record)) = (found.checkpoint, found.signed, found.record) else {
            continue;
        };
        if record.hash.eq_ignore_ascii_case(&cp.hash)
            && record.at < before
            && newest.as_ref().is_none_or(|(n, _)| n.seq < cp.seq)
        {
            newest = Some((cp, record));
        }
    }
    let Some((cp, record)) = newest else {
        return Ok(dixian_store::PruneReport::default());
    };
    let justification =
        serde_json::to_string(&cp).map_err(|e| AppError::Invalid(vec![e.to_string()]))?;
    Ok(store
        .prune_audit(
            actor,
            &dixian_store::PruneThrough {
                before,
                seq: record.seq,
                hash: record.hash,
                justification,
            },
        )
        .await?)
}

/// A checkpoint record of the trail, as found: its own sequence number, the checkpoint it
/// holds (`None` when its content cannot be read), whether `public_key` signed it, and the
/// record it names if that is still kept.
struct FoundCheckpoint {
    seq: i64,
    checkpoint: Option<Checkpoint>,
    signed: bool,
    record: Option<AuditRecord>,
}

/// Every checkpoint record of the trail that `public_key` may have signed (unreadable ones
/// included: nobody can tell whose they are), oldest first.
async fn checkpoints_under(
    store: &dyn Store,
    actor: &Actor,
    public_key: &str,
) -> Result<Vec<FoundCheckpoint>, AppError> {
    let filter = AuditFilter {
        action: Some("audit.checkpoint".into()),
        ..AuditFilter::after(0, 10_000)
    };
    let mut out = Vec::new();
    for r in store.audit_records(actor, &filter).await? {
        let Ok(cp) = serde_json::from_str::<Checkpoint>(&r.detail) else {
            out.push(FoundCheckpoint {
                seq: r.seq,
                checkpoint: None,
                signed: false,
                record: None,
            });
            continue;
        };
        if !cp.public_key.eq_ignore_ascii_case(public_key.trim()) {
            continue;
        }
        let record = store
            .audit_records(actor, &AuditFilter::after(cp.seq - 1, 1))
            .await?
            .into_iter()
            .find(|rec| rec.seq == cp.seq);
        out.push(FoundCheckpoint {
            seq: r.seq,
            signed: signed(&cp, public_key)?,
            checkpoint: Some(cp),
            record,
        });
    }
    Ok(out)
}

fn signed(cp: &Checkpoint, public_key: &str) -> Result<bool, AppError> {
    let message = checkpoint_message(cp.seq, &cp.hash, &cp.at);
    dixian_gm::sign::verify(public_key.trim(), message.as_bytes(), &cp.signature)
        .map_err(|e| AppError::Invalid(vec![e.to_string()]))
}

/// What the whole check of the audit trail found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Records checked, and the first one kept.
    pub records: i64,
    pub from_seq: i64,
    /// The newest record: the daily check remembers it, so a cut tail is found next time.
    pub head_seq: i64,
    pub head_hash: String,
    /// Signed checkpoints found valid (when a public key was given).
    pub checkpoints: Option<usize>,
    /// The first problem; `None` when everything holds.
    pub problem: Option<String>,
}

/// The daily check (日常巡检) of the audit trail: the hash chain; that records missing at its
/// start were removed by a pruning that stopped at a checkpoint signed with `public_key` and
/// older than the minimum retention (without a key, a pruned trail fails: nothing else can
/// tell a forged retention marker from a real one); every signed checkpoint; and, given the
/// head remembered by the previous check, that no record up to it was cut or rewritten.
pub async fn verify(
    store: &dyn Store,
    actor: &Actor,
    public_key: Option<&str>,
    policy: &crate::accounts::auth::SecurityPolicy,
    remembered: Option<(i64, &str)>,
    now: chrono::DateTime<Utc>,
) -> Result<Verified, AppError> {
    let chain = store.verify_audit_chain().await?;
    let newest = AuditFilter {
        newest_first: true,
        ..AuditFilter::after(0, 1)
    };
    let head = store
        .audit_records(actor, &newest)
        .await?
        .into_iter()
        .next();
    // Times in the trail are data anyone with the file can write: the newest record may not
    // lie in the future (an hour of clock difference allowed), so nothing can be pre-dated to
    // look old enough for pruning.
    let future = head
        .as_ref()
        .filter(|h| h.at > now + chrono::Duration::hours(1))
        .map(|h| format!("第{}条审计记录的时间晚于现在：记录的时间被改动", h.seq));
    let mut out = Verified {
        records: chain.records,
        from_seq: chain.from_seq,
        head_seq: head.as_ref().map_or(0, |h| h.seq),
        head_hash: head.map(|h| h.hash).unwrap_or_default(),
        checkpoints: None,
        problem: chain
            .problem
            .map(|p| format!("{p}（此前{}条完好）", chain.records)),
    };
    if out.problem.is_some() {
        return Ok(out);
    }
    if future.is_some() {
        out.problem = future;
        return Ok(out);
    }
    if let Some((seq, hash)) = remembered {
        let kept = store
            .audit_records(actor, &AuditFilter::after(seq - 1, 1))
            .await?
            .into_iter()
            .find(|r| r.seq == seq);
        out.problem = match kept {
            _ if out.head_seq < seq => Some(format!(
                "上次核验时已有第{seq}条审计记录，现在最新只到第{}条：末尾的记录被删除",
                out.head_seq
            )),
            Some(r) if !r.hash.eq_ignore_ascii_case(hash) => {
                Some(format!("第{seq}条审计记录与上次核验时不同：此后被改写"))
            }
            None if seq >= out.from_seq => Some(format!("上次核验过的第{seq}条审计记录已不存在")),
            _ => None,
        };
        if out.problem.is_some() {
            return Ok(out);
        }
    }
    if out.from_seq > 1 {
        out.problem =
            pruned_by_signature(store, actor, public_key, policy, out.from_seq, now).await?;
        if out.problem.is_some() {
            return Ok(out);
        }
    }
    if let Some(pk) = public_key {
        match verify_checkpoints(store, actor, pk, out.from_seq).await? {
            Ok(n) => out.checkpoints = Some(n),
            Err(p) => out.problem = Some(p),
        }
    }
    Ok(out)
}

/// Why records before `from_seq` are gone, or the problem if nothing signed says so.
async fn pruned_by_signature(
    store: &dyn Store,
    actor: &Actor,
    public_key: Option<&str>,
    policy: &crate::accounts::auth::SecurityPolicy,
    from_seq: i64,
    now: chrono::DateTime<Utc>,
) -> Result<Option<String>, AppError> {
    let anchor = from_seq - 1;
    let filter = AuditFilter {
        action: Some("audit.prune".into()),
        ..AuditFilter::after(0, 10_000)
    };
    let prune = store
        .audit_records(actor, &filter)
        .await?
        .into_iter()
        .find(|r| {
            serde_json::from_str::<serde_json::Value>(&r.detail)
                .is_ok_and(|d| d["through_seq"].as_i64() == Some(anchor))
        });
    let Some(prune) = prune else {
        return Ok(Some(format!(
            "第1至{anchor}条审计记录已不在，却没有清理到这里的记录：记录被删除，或清理标记被改动"
        )));
    };
    let Some(pk) = public_key else {
        return Ok(Some(format!(
            "第1至{anchor}条审计记录已按保存期清理，须用审计管理员的公钥核验清理依据：请加 --public-key，或在 dixian.toml 中设置 audit_public_key"
        )));
    };
    let detail: serde_json::Value =
        serde_json::from_str(&prune.detail).unwrap_or(serde_json::Value::Null);
    let cp = serde_json::from_value::<Checkpoint>(detail["checkpoint"].clone()).ok();
    let Some(cp) = cp.filter(|cp| cp.public_key.eq_ignore_ascii_case(pk.trim())) else {
        return Ok(Some(format!(
            "第{}条清理记录没有用这个公钥签名的检查点作依据：清理不可信",
            prune.seq
        )));
    };
    if !signed(&cp, pk)? {
        return Ok(Some(format!(
            "第{}条清理记录所依据的检查点签名无效：清理不可信",
            prune.seq
        )));
    }
    let first = store
        .audit_records(actor, &AuditFilter::after(anchor, 1))
        .await?
        .into_iter()
        .next();
    if cp.seq != anchor || first.is_none_or(|f| !f.prev_hash.eq_ignore_ascii_case(&cp.hash)) {
        return Ok(Some(format!(
            "清理截止于第{anchor}条，与签名检查点（第{}条）不符：清理标记被改动",
            cp.seq
        )));
    }
    // Measured against the verifier's clock too, not only the prune record's time: that is
    // data anyone with the file can write.
    let signed_at = chrono::NaiveDateTime::parse_from_str(&cp.at, "%Y-%m-%dT%H:%M:%S").ok();
    let pruned_at = crate::beijing(prune.at);
    let verified_at = crate::beijing(now);
    if signed_at.is_none_or(|t| {
        t + policy.audit_retention > pruned_at || t + policy.audit_retention > verified_at
    }) {
        return Ok(Some(format!(
            "第{anchor}条及以前的记录在保存期（{}天）内就被清理了：清理不合规",
            policy.audit_retention.num_days()
        )));
    }
    Ok(None)
}

/// What a checkpoint signs: the sequence number and hash of the newest record, and when.
fn checkpoint_message(seq: i64, hash: &str, at: &str) -> String {
    format!("dixian-audit-checkpoint\nseq={seq}\nhash={hash}\nat={at}")
}

/// A signed checkpoint, as recorded in the trail and printed for safekeeping elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
    pub at: String,
    pub public_key: String,
    pub signature: String,
}

/// Signs the newest record of an intact chain with the audit administrator's SM2 key and
/// appends the checkpoint to the trail.
pub async fn checkpoint(
    store: &dyn Store,
    actor: &Actor,
    signer: &dixian_gm::sign::CheckpointSigner,
) -> Result<Checkpoint, AppError> {
    let v = store.verify_audit_chain().await?;
    if let Some(p) = v.problem {
        return Err(AppError::Invalid(vec![format!(
            "审计记录核验未通过，不能签名：{p}"
        )]));
    }
    let newest = AuditFilter {
        newest_first: true,
        ..AuditFilter::after(0, 1)
    };
    let Some(last) = store
        .audit_records(actor, &newest)
        .await?
        .into_iter()
        .next()
    else {
        return Err(AppError::Invalid(vec!["还没有审计记录，无需签名".into()]));
    };
    let at = crate::beijing(last.at)
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();
    let message = checkpoint_message(last.seq, &last.hash, &at);
    let cp = Checkpoint {
        seq: last.seq,
        hash: last.hash,
        at,
        public_key: signer.public_hex(),
        signature: signer.sign(message.as_bytes()),
    };
    let detail = serde_json::to_string(&cp).map_err(|e| AppError::Invalid(vec![e.to_string()]))?;
    store
        .audit(
            actor,
            "audit.checkpoint",
            &format!("第{}条", cp.seq),
            &detail,
        )
        .await?;
    Ok(cp)
}

/// Checks every checkpoint in the trail signed by `public_key`: the signature, and that the
/// record it names still has the signed hash. A chain rewritten with fresh hashes passes the
/// hash-chain check but fails here, since nobody can sign without the private key. Gives the
/// number of valid checkpoints, or the first problem.
async fn verify_checkpoints(
    store: &dyn Store,
    actor: &Actor,
    public_key: &str,
    from_seq: i64,
) -> Result<Result<usize, String>, AppError> {
    let mut valid = 0;
    for found in checkpoints_under(store, actor, public_key).await? {
        let Some(cp) = found.checkpoint else {
            return Ok(Err(format!(
                "第{}条审计记录（检查点）的内容无法读取",
                found.seq
            )));
        };
        if !found.signed {
            return Ok(Err(format!(
                "第{}条审计记录（检查点）的SM2签名无效",
                found.seq
            )));
        }
        match found.record {
            Some(rec) if rec.hash == cp.hash => valid += 1,
            Some(_) => {
                return Ok(Err(format!(
                    "第{}条审计记录与签名检查点（第{}条）不符：签名之后被改写",
                    cp.seq, found.seq
                )));
            }
            // Removed after its retention period: nothing left to compare.
            None if cp.seq < from_seq => valid += 1,
            None => {
                return Ok(Err(format!(
                    "签名检查点（第{}条）所签的第{}条审计记录已不存在：记录被删除",
                    found.seq, cp.seq
                )));
            }
        }
    }
    if valid == 0 {
        return Ok(Err("没有找到用这个公钥签名的检查点".into()));
    }
    Ok(Ok(valid))
}
