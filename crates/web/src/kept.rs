//! Files made for one account to download after a POST — an import's or a delivery's error
//! report — kept in memory for a short while under a random token. Bounded: the oldest go
//! first, so a run of uploads cannot fill the server's memory.

use crate::error::Page;
use crate::session::Session;
use axum::response::Response;
use dixian_app::AppError;
use dixian_app::sheet::FileKind;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// token → (account, when, format, file).
type Reports = Mutex<HashMap<String, (i64, Instant, FileKind, Vec<u8>)>>;

fn reports() -> &'static Reports {
    static REPORTS: OnceLock<Reports> = OnceLock::new();
    REPORTS.get_or_init(|| Mutex::new(HashMap::new()))
}

/// How long a kept file can be fetched.
pub(crate) const TTL: Duration = Duration::from_secs(3600);

/// Bytes all kept files may take together, and files one account keeps.
pub(crate) const MAX_KEPT_REPORT_BYTES: usize = 256 << 20;
pub(crate) const MAX_KEPT_REPORTS_PER_ACCOUNT: usize = 2;

/// Keeps `file` for account `user`; the token to fetch it, `None` when it cannot be kept.
pub(crate) fn keep(user: i64, kind: FileKind, file: Vec<u8>) -> Option<String> {
    let token = dixian_gm::random::<16>()
        .ok()
        .map(|b| dixian_gm::to_hex(&b))?;
    if file.len() > MAX_KEPT_REPORT_BYTES {
        return None;
    }
    let mut map = reports().lock().ok()?;
    map.retain(|_, (_, at, _, _)| at.elapsed() < TTL);
    let mut by_age: Vec<(Instant, String, i64, usize)> = map
        .iter()
        .map(|(t, (u, at, _, f))| (*at, t.clone(), *u, f.len()))
        .collect();
    by_age.sort();
    let mut total: usize = by_age.iter().map(|x| x.3).sum::<usize>() + file.len();
    let mut mine = by_age.iter().filter(|x| x.2 == user).count() + 1;
    for (_, t, u, len) in by_age {
        if total <= MAX_KEPT_REPORT_BYTES && mine <= MAX_KEPT_REPORTS_PER_ACCOUNT {
            break;
        }
        if u == user || total > MAX_KEPT_REPORT_BYTES {
            map.remove(&t);
            total -= len;
            mine -= usize::from(u == user);
        }
    }
    map.insert(token.clone(), (user, Instant::now(), kind, file));
    Some(token)
}

/// The kept file `token` of the signed-in account, as a download named `name`.
pub(crate) fn download(session: &Session, token: &str, ascii: &str, name: &str) -> Page {
    let found = reports().lock().ok().and_then(|map| {
        map.get(token)
            .filter(|(user, at, _, _)| *user == session.auth.user.id && at.elapsed() < TTL)
            .map(|(_, _, kind, file)| (*kind, file.clone()))
    });
    let Some((kind, file)) = found else {
        let e = AppError::NotFound("文件已过期或不存在，请重新上传".into());
        return Err(e.into());
    };
    Ok(file_download(kind, file, ascii, name))
}

pub(crate) fn file_download(kind: FileKind, bytes: Vec<u8>, ascii: &str, name: &str) -> Response {
    let ext = kind.extension();
    let mime = match kind {
        FileKind::Csv => crate::frame::CSV,
        FileKind::Xlsx => crate::frame::XLSX,
    };
    crate::frame::download(
        bytes,
        mime,
        &format!("{ascii}.{ext}"),
        &format!("{name}.{ext}"),
    )
}
