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
    ("problem.create", "登记三保障问题"),
    ("problem.step", "办理三保障问题（整改、销号、退回）"),
    ("problem.file.read", "查看问题整改佐证"),
    ("case.assign_cadre", "明确帮扶责任人"),
    ("case.plan", "制定或调整帮扶计划"),
    ("lead.accept", "受理线索"),
    ("lead.create", "登记线索"),
    ("lead.decline", "不予受理线索"),
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
/// policy's value unless `keep_days` asks for longer).
pub async fn prune(
    store: &dyn Store,
    actor: &Actor,
    policy: &crate::accounts::auth::SecurityPolicy,
    keep_days: Option<i64>,
    now: chrono::DateTime<Utc>,
) -> Result<dixian_store::PruneReport, AppError> {
    let minimum = policy.audit_retention.num_days();
    let days = keep_days.unwrap_or(minimum);
    if days < minimum {
        return Err(AppError::Invalid(vec![format!(
            "审计记录至少保存{minimum}天（安全策略规定），不能只保留{days}天"
        )]));
    }
    Ok(store
        .prune_audit(actor, now - chrono::Duration::days(days))
        .await?)
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
pub async fn verify_checkpoints(
    store: &dyn Store,
    actor: &Actor,
    public_key: &str,
) -> Result<Result<usize, String>, AppError> {
    let filter = AuditFilter {
        action: Some("audit.checkpoint".into()),
        ..AuditFilter::after(0, 10_000)
    };
    let mut valid = 0;
    for r in store.audit_records(actor, &filter).await? {
        let Ok(cp) = serde_json::from_str::<Checkpoint>(&r.detail) else {
            return Ok(Err(format!(
                "第{}条审计记录（检查点）的内容无法读取",
                r.seq
            )));
        };
        if !cp.public_key.eq_ignore_ascii_case(public_key.trim()) {
            continue;
        }
        let message = checkpoint_message(cp.seq, &cp.hash, &cp.at);
        let signed = dixian_gm::sign::verify(public_key.trim(), message.as_bytes(), &cp.signature)
            .map_err(|e| AppError::Invalid(vec![e.to_string()]))?;
        if !signed {
            return Ok(Err(format!("第{}条审计记录（检查点）的SM2签名无效", r.seq)));
        }
        let target = AuditFilter::after(cp.seq - 1, 1);
        match store.audit_records(actor, &target).await?.first() {
            Some(rec) if rec.seq == cp.seq && rec.hash == cp.hash => valid += 1,
            Some(rec) if rec.seq == cp.seq => {
                return Ok(Err(format!(
                    "第{}条审计记录与签名检查点（第{}条）不符：签名之后被改写",
                    cp.seq, r.seq
                )));
            }
            // Removed after its retention period: nothing left to compare.
            _ => valid += 1,
        }
    }
    if valid == 0 {
        return Ok(Err("没有找到用这个公钥签名的检查点".into()));
    }
    Ok(Ok(valid))
}
