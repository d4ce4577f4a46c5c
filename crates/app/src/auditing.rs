//! Reading the audit trail (审计查询): the auditor's filters as typed, Chinese names of the
//! actions, and the CSV export, which is itself audited.

use crate::AppError;
use chrono::{NaiveDate, TimeZone, Utc};
use dixian_domain::access::Actor;
use dixian_store::{AuditFilter, AuditRecord, Store};

/// Chinese names of the action codes, for people reading the trail.
const ACTIONS: &[(&str, &str)] = &[
    ("access.denied", "越权访问被拒绝"),
    ("audit.export", "导出审计记录"),
    ("audit.prune", "清理过期审计记录"),
    ("audit.checkpoint", "审计检查点签名"),
    ("calendar.put", "导入节假日日历"),
    ("csrf.rejected", "拒绝伪造的请求"),
    ("divisions.put", "导入行政区划"),
    ("households.insert", "登记农户"),
    ("keys.rotate", "轮换密钥"),
    ("login.failure", "登录失败"),
    ("login.lockout", "账号锁定"),
    ("login.success", "登录成功"),
    ("person.lookup", "按身份证号查找"),
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

fn csv_field(s: &str) -> String {
    // Quote everything; a leading = + - @ would be run as a formula by spreadsheet programs.
    let guarded = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    format!("\"{}\"", guarded.replace('"', "\"\""))
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
