//! What every public form (no login: 困难申报, 投诉建议) shares to resist bots without any
//! third-party service: a per-address limit on submissions, a field only robots fill in, and
//! a signed form stamp that must be at least a few seconds old and serves one submission.

use crate::AppState;
use crate::limit::RateLimiter;
use axum::extract::FromRequest;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Submissions (declarations and status look-ups) per minute per address.
const SUBMISSIONS_PER_MINUTE: u32 = 3;

/// A form filled in faster than this was not filled in by a person.
const MIN_FILL: Duration = Duration::from_secs(3);

/// A form older than this is stale (and its stamp could have been harvested).
const MAX_FORM_AGE: Duration = Duration::from_secs(2 * 3600);

pub(crate) fn submissions() -> &'static RateLimiter {
    static LIMITER: OnceLock<RateLimiter> = OnceLock::new();
    LIMITER.get_or_init(|| RateLimiter::new(SUBMISSIONS_PER_MINUTE))
}

/// Key of the form stamps; new at each start, so a restart only invalidates open forms.
fn stamp_key() -> &'static [u8; 32] {
    static KEY: OnceLock<[u8; 32]> = OnceLock::new();
    KEY.get_or_init(|| dixian_gm::random::<32>().unwrap_or_else(|_| dixian_gm::sm3(b"dixian")))
}

pub(crate) fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn stamp_at(secs: u64) -> String {
    let mac = dixian_gm::hmac_sm3(stamp_key(), secs.to_string().as_bytes());
    format!("{secs}.{}", dixian_gm::to_hex(&mac[..12]))
}

/// Whether `stamp` is ours and between [`MIN_FILL`] and [`MAX_FORM_AGE`] old.
fn stamp_fresh(stamp: &str, now: u64) -> Result<(), &'static str> {
    let Some((secs, _)) = stamp.split_once('.') else {
        return Err("表单无效，请刷新页面后重新填写");
    };
    let Ok(secs) = secs.parse::<u64>() else {
        return Err("表单无效，请刷新页面后重新填写");
    };
    if !crate::session::tokens_equal(stamp, &stamp_at(secs)) {
        return Err("表单无效，请刷新页面后重新填写");
    }
    let age = now.saturating_sub(secs);
    if age < MIN_FILL.as_secs() {
        return Err("提交太快了，请核对填写的内容后再提交");
    }
    if age > MAX_FORM_AGE.as_secs() {
        return Err("页面停留时间过长，请核对内容后再次提交");
    }
    Ok(())
}

/// Stamps of the submissions saved, until they are too old to be accepted anyway: a stamp
/// serves one submission, from whatever address it comes back.
fn used_stamps() -> &'static std::sync::Mutex<std::collections::HashMap<String, u64>> {
    static USED: OnceLock<std::sync::Mutex<std::collections::HashMap<String, u64>>> =
        OnceLock::new();
    USED.get_or_init(Default::default)
}

/// Takes `stamp` for one submission; `false` if a submission already took it.
fn claim_stamp(stamp: &str, now: u64) -> bool {
    let Ok(mut used) = used_stamps().lock() else {
        return false;
    };
    used.retain(|_, at| now.saturating_sub(*at) <= MAX_FORM_AGE.as_secs());
    used.insert(stamp.to_string(), now).is_none()
}

/// Gives a stamp back when its submission was refused, so the corrected form can use it.
pub(crate) fn release_stamp(stamp: &str) {
    if let Ok(mut used) = used_stamps().lock() {
        used.remove(stamp);
    }
}

pub(crate) fn too_many(wait: Duration) -> Response {
    let secs = wait.as_secs().max(1);
    (
        StatusCode::TOO_MANY_REQUESTS,
        [(axum::http::header::RETRY_AFTER, secs.to_string())],
        format!("提交过于频繁，请{secs}秒后再试"),
    )
        .into_response()
}

/// The form's fields; repeated names (the hardship boxes) are kept.
pub(crate) async fn read_form(
    state: &AppState,
    req: Request,
) -> Result<Vec<(String, String)>, Response> {
    axum::Form::<Vec<(String, String)>>::from_request(req, state)
        .await
        .map(|f| f.0)
        .map_err(IntoResponse::into_response)
}

pub(crate) fn field(fields: &[(String, String)], name: &str) -> String {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// Why a public submission was turned away before its content was looked at.
pub(crate) enum Turned {
    /// Too many from this address: answer 429 with the wait.
    TooMany(Duration),
    /// A robot, a stale or reused form: show the form again with this message.
    Form(&'static str),
}

/// Checks the address limit (under `what`, e.g. "apply"), the robots' field and the stamp
/// of a public form, and takes the stamp. Each refusal is logged.
pub(crate) fn admit(
    what: &str,
    source: &str,
    fields: &[(String, String)],
) -> Result<String, Turned> {
    if let Err(wait) = submissions().check(&format!("{what} {source}"), std::time::Instant::now()) {
        tracing::warn!(form = what, source, "公开表单提交过于频繁，已限制");
        return Err(Turned::TooMany(wait));
    }
    // Robots fill in every field, including the one people cannot see.
    if !field(fields, "website").is_empty() {
        tracing::warn!(form = what, source, "公开表单疑似机器提交，已拒绝");
        return Err(Turned::Form("提交未通过校验，请刷新页面后重新填写"));
    }
    let stamp = field(fields, "stamp");
    if let Err(m) = stamp_fresh(&stamp, now_secs()) {
        tracing::info!(form = what, source, reason = m, "公开表单的表单戳无效");
        return Err(Turned::Form(m));
    }
    if !claim_stamp(&stamp, now_secs()) {
        tracing::warn!(form = what, source, "公开表单的表单戳重复使用，已拒绝");
        return Err(Turned::Form(
            "这份表单已经提交过了；如需再次提交，请刷新页面后重新填写",
        ));
    }
    Ok(stamp)
}

/// A fresh stamp for a form being shown.
pub(crate) fn new_stamp() -> String {
    stamp_at(now_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamp_serves_one_submission() {
        let now = now_secs();
        let stamp = stamp_at(now - 10);
        assert!(claim_stamp(&stamp, now));
        assert!(!claim_stamp(&stamp, now + 1));
        release_stamp(&stamp);
        assert!(claim_stamp(&stamp, now + 2));
        // Forgotten only once too old to be accepted anyway.
        assert!(claim_stamp(&stamp_at(now - 20), now));
        assert!(!claim_stamp(
            &stamp_at(now - 20),
            now + MAX_FORM_AGE.as_secs()
        ));
    }

    #[test]
    fn stamps_must_be_ours_and_of_human_age() {
        let now = 1_800_000_000;
        assert_eq!(stamp_fresh(&stamp_at(now - 10), now), Ok(()));
        assert!(
            stamp_fresh(&stamp_at(now - 1), now)
                .unwrap_err()
                .contains("太快")
        );
        assert!(
            stamp_fresh(&stamp_at(now - 3 * 3600), now)
                .unwrap_err()
                .contains("过长")
        );
        let forged = format!("{}.{}", now - 10, "00".repeat(12));
        assert!(stamp_fresh(&forged, now).unwrap_err().contains("无效"));
        assert!(stamp_fresh("garbage", now).is_err());
    }
}
