//! Reading forms: the CSRF-checked guard every posted form passes, fields by name, multipart
//! bodies with their files; and sending a stored file back (or saying why not). A leaf: no
//! feature module is imported here.

use crate::AppState;
use crate::error::error_page;
use crate::session::{Session, check_csrf};
use axum::extract::Multipart;
use axum::http::HeaderMap;
use axum::response::Response;
use dixian_app::AppError;
use dixian_store::files::MAX_ATTACHMENT_BYTES;
use serde::Deserialize;

pub(crate) fn field(fields: &[(String, String)], name: &str) -> String {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// Refuses (and audits) a form without the session's CSRF token.
pub(crate) async fn guard(
    state: &AppState,
    session: &Session,
    headers: &HeaderMap,
    fields: &[(String, String)],
    what: &str,
) -> Result<(), Response> {
    check_csrf(state, session, headers, &field(fields, "csrf"), what).await
}

pub(crate) fn correctable(e: &AppError) -> bool {
    matches!(
        e,
        AppError::Invalid(_)
            | AppError::Store(
                dixian_store::StoreError::Invalid(_) | dixian_store::StoreError::Conflict(_)
            )
    )
}

/// A multipart form's text fields and every non-empty file (name, bytes).
pub(crate) async fn multipart_files(
    mut form: Multipart,
) -> Result<(Vec<(String, String)>, Vec<(String, Vec<u8>)>), AppError> {
    let mut fields = Vec::new();
    let mut files = Vec::new();
    loop {
        let part = match form.next_field().await {
            Ok(Some(p)) => p,
            Ok(None) => break,
            Err(e) => {
                return Err(AppError::Invalid(vec![format!(
                    "上传中断或文件超过上限（附件和照片每个{} MB，部门数据文件{} MB）：{e}",
                    MAX_ATTACHMENT_BYTES >> 20,
                    crate::limit::FEED_UPLOAD_LIMIT >> 20
                )]));
            }
        };
        let name = part.name().unwrap_or_default().to_string();
        if name == "file" {
            let file_name = part.file_name().unwrap_or("上传的文件").to_string();
            let bytes = part.bytes().await.map_err(|e| {
                AppError::Invalid(vec![format!("“{file_name}”上传中断或过大：{e}")])
            })?;
            if !bytes.is_empty() {
                files.push((file_name, bytes.to_vec()));
            }
        } else {
            fields.push((name, part.text().await.unwrap_or_default()));
        }
    }
    Ok((fields, files))
}

/// A multipart form's text fields and its one file (name, bytes), if any.
pub(crate) async fn multipart(
    form: Multipart,
) -> Result<(Vec<(String, String)>, Option<(String, Vec<u8>)>), AppError> {
    let (fields, files) = multipart_files(form).await?;
    Ok((fields, files.into_iter().next()))
}

/// A stored photo or attachment read from the store as a download, or the page saying why
/// not.
pub(crate) fn stored_or_missing(
    state: &AppState,
    session: &Session,
    found: Result<Option<(dixian_store::PhotoMeta, Vec<u8>)>, dixian_store::StoreError>,
    ascii_stem: &str,
    missing: impl FnOnce() -> String,
) -> Response {
    match found {
        Ok(Some((meta, bytes))) => stored_file(bytes, &meta.content_type, ascii_stem, &meta.name),
        Ok(None) => error_page(state, Some(session), &AppError::NotFound(missing())),
        Err(e) => error_page(state, Some(session), &e.into()),
    }
}

/// A stored attachment or photo as a download: always `attachment`, and only the three
/// types the store takes, so nothing uploaded renders in the site's origin.
pub(crate) fn stored_file(
    bytes: Vec<u8>,
    content_type: &str,
    ascii_stem: &str,
    name: &str,
) -> Response {
    let (mime, ext) = match content_type {
        "image/jpeg" => ("image/jpeg", "jpg"),
        "image/png" => ("image/png", "png"),
        "application/pdf" => ("application/pdf", "pdf"),
        _ => ("application/octet-stream", "bin"),
    };
    crate::frame::download(bytes, mime, &format!("{ascii_stem}.{ext}"), name)
}

/// The form that asks for a ledger with ID numbers in full: its token and the reason given.
#[derive(Deserialize)]
pub struct RevealFields {
    #[serde(default)]
    pub(crate) csrf: String,
    #[serde(default)]
    pub(crate) reason: String,
}
