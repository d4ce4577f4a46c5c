//! The security policy (安全策略) as the security administrator edits it: whole numbers in
//! the units people think in, stored in the `security.policy` setting and audited like every
//! setting. Only `ManageSecurity` may save it; the store enforces that.

use super::auth::SecurityPolicy;
use crate::AppError;
use chrono::Duration;
use dixian_domain::access::Actor;
use dixian_domain::password::PasswordRules;
use dixian_store::Store;
use serde::{Deserialize, Serialize};

/// The setting that holds the policy.
pub const SETTING: &str = "security.policy";

/// The editable form of [`SecurityPolicy`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecuritySettings {
    pub password_min_length: i64,
    pub password_min_classes: i64,
    pub lockout_threshold: i64,
    pub source_lockout_threshold: i64,
    pub lockout_minutes: i64,
    pub password_max_age_days: i64,
    pub idle_timeout_minutes: i64,
    pub absolute_lifetime_hours: i64,
    pub audit_retention_days: i64,
}

/// One bound of a setting: field, label, lowest and highest allowed value. The lower bounds
/// are the level-3 (等保三级) minimums; nobody can configure below them.
const BOUNDS: [(&str, &str, i64, i64); 9] = [
    ("password_min_length", "密码最短长度", 8, 64),
    ("password_min_classes", "密码字符类别数", 3, 4),
    ("lockout_threshold", "账号锁定前允许的连续失败次数", 3, 10),
    ("source_lockout_threshold", "同一地址允许的失败次数", 5, 200),
    ("lockout_minutes", "锁定时长（分钟）", 10, 1440),
    ("password_max_age_days", "密码有效期（天）", 30, 180),
    ("idle_timeout_minutes", "无操作自动退出（分钟）", 5, 60),
    ("absolute_lifetime_hours", "登录最长有效（小时）", 1, 24),
    ("audit_retention_days", "审计记录保存期（天）", 180, 3650),
];

impl SecuritySettings {
    fn values(&self) -> [i64; 9] {
        [
            self.password_min_length,
            self.password_min_classes,
            self.lockout_threshold,
            self.source_lockout_threshold,
            self.lockout_minutes,
            self.password_max_age_days,
            self.idle_timeout_minutes,
            self.absolute_lifetime_hours,
            self.audit_retention_days,
        ]
    }

    /// Every value out of its bounds, one Chinese line each.
    pub fn problems(&self) -> Vec<String> {
        BOUNDS
            .iter()
            .zip(self.values())
            .filter(|((_, _, lo, hi), v)| v < lo || v > hi)
            .map(|((_, label, lo, hi), v)| format!("{label}应在{lo}到{hi}之间（填写的是{v}）"))
            .collect()
    }

    fn from_values(v: [i64; 9]) -> SecuritySettings {
        SecuritySettings {
            password_min_length: v[0],
            password_min_classes: v[1],
            lockout_threshold: v[2],
            source_lockout_threshold: v[3],
            lockout_minutes: v[4],
            password_max_age_days: v[5],
            idle_timeout_minutes: v[6],
            absolute_lifetime_hours: v[7],
            audit_retention_days: v[8],
        }
    }

    /// Every field for a form: name, label, value, lowest and highest allowed.
    pub fn fields(&self) -> Vec<(&'static str, &'static str, i64, i64, i64)> {
        BOUNDS
            .iter()
            .zip(self.values())
            .map(|(&(name, label, lo, hi), v)| (name, label, v, lo, hi))
            .collect()
    }

    /// Settings from a submitted form (`get` gives a field's text by name), checked: every
    /// missing, non-numeric or out-of-bounds field is named.
    pub fn from_form<'a>(
        get: impl Fn(&str) -> Option<&'a str>,
    ) -> Result<SecuritySettings, (SecuritySettings, Vec<String>)> {
        let mut problems = Vec::new();
        let mut values = [0i64; 9];
        for (slot, (name, label, _, _)) in values.iter_mut().zip(BOUNDS) {
            match get(name).map(str::trim) {
                Some(text) => match text.parse() {
                    Ok(v) => *slot = v,
                    Err(_) => problems.push(format!("{label}应填整数（填写的是“{text}”）")),
                },
                None => problems.push(format!("缺少“{label}”")),
            }
        }
        let s = SecuritySettings::from_values(values);
        if problems.is_empty() {
            problems = s.problems();
        }
        if problems.is_empty() {
            Ok(s)
        } else {
            Err((s, problems))
        }
    }

    /// The policy these settings describe, if every value is within bounds.
    pub fn to_policy(&self) -> Result<SecurityPolicy, AppError> {
        let problems = self.problems();
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let small = |v: i64| usize::try_from(v).unwrap_or(usize::MAX);
        Ok(SecurityPolicy {
            password: PasswordRules {
                min_length: small(self.password_min_length),
                min_classes: small(self.password_min_classes),
            },
            lockout_threshold: self.lockout_threshold,
            source_lockout_threshold: self.source_lockout_threshold,
            lockout: Duration::minutes(self.lockout_minutes),
            password_max_age: Duration::days(self.password_max_age_days),
            idle_timeout: Duration::minutes(self.idle_timeout_minutes),
            absolute_lifetime: Duration::hours(self.absolute_lifetime_hours),
            audit_retention: Duration::days(self.audit_retention_days),
        })
    }

    pub fn of(p: &SecurityPolicy) -> SecuritySettings {
        let wide = |v: usize| i64::try_from(v).unwrap_or(i64::MAX);
        SecuritySettings {
            password_min_length: wide(p.password.min_length),
            password_min_classes: wide(p.password.min_classes),
            lockout_threshold: p.lockout_threshold,
            source_lockout_threshold: p.source_lockout_threshold,
            lockout_minutes: p.lockout.num_minutes(),
            password_max_age_days: p.password_max_age.num_days(),
            idle_timeout_minutes: p.idle_timeout.num_minutes(),
            absolute_lifetime_hours: p.absolute_lifetime.num_hours(),
            audit_retention_days: p.audit_retention.num_days(),
        }
    }
}

/// The policy in force: the saved one, or `fallback` (built-in defaults) if none is saved.
/// A saved value that cannot be read is reported in the log and the fallback applies, so a
/// damaged setting never locks everybody out.
pub async fn policy_in_force(store: &dyn Store, fallback: &SecurityPolicy) -> SecurityPolicy {
    match store.setting(SETTING).await {
        Ok(Some(text)) => match serde_json::from_str::<SecuritySettings>(&text)
            .map_err(|e| AppError::Invalid(vec![e.to_string()]))
            .and_then(|s| s.to_policy())
        {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(error = %e, "安全策略设置无法读取，暂按默认值执行");
                fallback.clone()
            }
        },
        Ok(None) => fallback.clone(),
        Err(e) => {
            tracing::error!(error = %e, "无法读取安全策略，暂按默认值执行");
            fallback.clone()
        }
    }
}

/// Saves new settings after checking every bound; the store refuses anyone but the security
/// administrator and audits the old and new values.
pub async fn save(
    store: &dyn Store,
    actor: &Actor,
    settings: &SecuritySettings,
) -> Result<SecurityPolicy, AppError> {
    let policy = settings.to_policy()?;
    let text =
        serde_json::to_string(settings).map_err(|e| AppError::Invalid(vec![e.to_string()]))?;
    store.put_setting(actor, SETTING, &text).await?;
    Ok(policy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_round_trip_and_are_within_bounds() {
        let d = SecurityPolicy::default();
        let s = SecuritySettings::of(&d);
        assert!(s.problems().is_empty(), "{:?}", s.problems());
        assert_eq!(s.to_policy().unwrap(), d);
        assert_eq!(s.audit_retention_days, 180);
    }

    #[test]
    fn values_below_level_three_are_refused_by_name() {
        let mut s = SecuritySettings::of(&SecurityPolicy::default());
        s.password_min_length = 6;
        s.audit_retention_days = 90;
        let e = s.to_policy().unwrap_err().to_string();
        assert!(e.contains("密码最短长度应在8到64之间（填写的是6）"), "{e}");
        assert!(e.contains("审计记录保存期（天）应在180到3650之间"), "{e}");
        let lockout = s.fields().into_iter().find(|f| f.0 == "lockout_minutes");
        assert_eq!(lockout.map(|f| (f.3, f.4)), Some((10, 1440)));
    }

    #[test]
    fn forms_are_read_field_by_field() {
        let d = SecuritySettings::of(&SecurityPolicy::default());
        let text: Vec<(&str, String)> = d.fields().iter().map(|f| (f.0, f.2.to_string())).collect();
        let get = |n: &str| text.iter().find(|(k, _)| *k == n).map(|(_, v)| v.as_str());
        assert_eq!(SecuritySettings::from_form(get).unwrap(), d);
        let (_, problems) = SecuritySettings::from_form(|n: &str| match n {
            "lockout_minutes" => Some("三十"),
            "idle_timeout_minutes" => None,
            _ => Some("100"),
        })
        .unwrap_err();
        assert!(
            problems
                .iter()
                .any(|p| p == "锁定时长（分钟）应填整数（填写的是“三十”）"),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains("缺少“无操作自动退出（分钟）”")),
            "{problems:?}"
        );
    }
}
