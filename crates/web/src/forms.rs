//! Reading forms: [`Posted`], the one extractor of every posted form (urlencoded or multipart,
//! its CSRF token checked before the handler runs), and fields by name; sending a stored file
//! back (or saying why not). A leaf: no capability module is imported here.

use crate::AppState;
use crate::session::{Session, check_csrf};
use axum::extract::Multipart;
use axum::response::IntoResponse;
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

pub(crate) fn correctable(e: &AppError) -> bool {
    e.correctable()
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

/// A stored photo or attachment read from the store as a download, or why not.
pub(crate) fn stored_or_missing(
    found: Result<Option<(dixian_store::PhotoMeta, Vec<u8>)>, dixian_store::StoreError>,
    ascii_stem: &str,
    missing: impl FnOnce() -> String,
) -> crate::error::Page {
    match found? {
        Some((meta, bytes)) => Ok(stored_file(
            bytes,
            &meta.content_type,
            ascii_stem,
            &meta.name,
        )),
        None => Err(AppError::NotFound(missing()).into()),
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

/// A stored photo shown inline when it is a JPEG or PNG (checked by its magic bytes too, so a
/// file stored under a picture's type but holding anything else is downloaded instead).
pub(crate) fn stored_picture(
    bytes: Vec<u8>,
    content_type: &str,
    ascii_stem: &str,
    name: &str,
) -> Response {
    let mime = match content_type {
        "image/jpeg" if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) => "image/jpeg",
        "image/png" if bytes.starts_with(b"\x89PNG\r\n\x1a\n") => "image/png",
        _ => return stored_file(bytes, content_type, ascii_stem, name),
    };
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static(mime),
    );
    h.insert(
        axum::http::header::CONTENT_DISPOSITION,
        axum::http::HeaderValue::from_static("inline"),
    );
    res
}

/// The form that asks for a ledger with ID numbers in full: its token and the reason given.
#[derive(Deserialize)]
pub struct RevealFields {
    #[serde(default)]
    pub(crate) reason: String,
}

/// A posted form, read one way whatever its encoding (urlencoded, or multipart with files),
/// its CSRF token checked against the session before the handler runs: a forged form is
/// refused and audited, and the handler never sees it.
pub(crate) struct Posted {
    fields: Vec<(String, String)>,
    files: Vec<(String, Vec<u8>)>,
}

impl Posted {
    /// The field's value (empty when absent).
    pub(crate) fn get(&self, name: &str) -> String {
        field(&self.fields, name)
    }

    pub(crate) fn fields(&self) -> &[(String, String)] {
        &self.fields
    }

    /// The uploaded files (name, bytes), empty ones left out.
    pub(crate) fn take_files(&mut self) -> Vec<(String, Vec<u8>)> {
        std::mem::take(&mut self.files)
    }

    /// The first uploaded file, if any.
    pub(crate) fn take_file(&mut self) -> Option<(String, Vec<u8>)> {
        self.take_files().into_iter().next()
    }

    /// The fields as a typed form.
    pub(crate) fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, AppError> {
        let text = serde_urlencoded::to_string(&self.fields)
            .map_err(|e| AppError::Invalid(vec![format!("表单无法读取：{e}")]))?;
        serde_urlencoded::from_str(&text).map_err(|e| {
            AppError::Invalid(vec![format!(
                "提交的表单格式不正确，未做任何处理；请刷新页面后重试（{e}）"
            )])
        })
    }
}

impl axum::extract::FromRequest<AppState> for Posted {
    type Rejection = crate::error::PageError;

    async fn from_request(
        req: axum::extract::Request,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(session) = req.extensions().get::<Session>().cloned() else {
            return Err(AppError::Store(dixian_store::StoreError::Forbidden).into());
        };
        let headers = req.headers().clone();
        let what = format!("{} {}", req.method(), req.uri().path());
        let multipart = headers
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("multipart/form-data"));
        let (fields, files) = if multipart {
            let form = Multipart::from_request(req, state).await.map_err(|e| {
                AppError::Invalid(vec![format!("表单无法读取，请刷新页面后重试：{e}")])
            })?;
            multipart_files(form).await?
        } else {
            // axum's own refusal (too large, not a form) is put in Chinese on the way out.
            let axum::Form(fields) = axum::Form::<Vec<(String, String)>>::from_request(req, state)
                .await
                .map_err(|e| crate::error::PageError::Drawn(Box::new(e.into_response())))?;
            (fields, Vec::new())
        };
        check_csrf(state, &session, &headers, &field(&fields, "csrf"), &what).await?;
        Ok(Posted { fields, files })
    }
}

/// The ID number of a search form's `id_number` field (posted, so it never travels in an
/// address), or what is wrong with it.
pub(crate) fn posted_id_number(
    posted: &Posted,
    today: chrono::NaiveDate,
) -> Result<dixian_domain::id_number::IdNumber, String> {
    dixian_domain::id_number::IdNumber::parse(posted.get("id_number").trim(), today)
        .map_err(|e| format!("身份证号：{e}"))
}

/// What a person typed into a refused form, to show it again with every problem: listed at
/// the form's top and each beside its field. One page may hold many forms; only the refused
/// one (by its element id) gets its values back, the others show their defaults.
#[derive(Debug, Default, Clone)]
pub(crate) struct Typed {
    /// The refused form's element id (`verify`, `deliberate` …); empty: none.
    form: String,
    fields: Vec<(String, String)>,
    /// (field, message); an empty field: the form as a whole.
    problems: Vec<(String, String)>,
    /// Files stored for the corrected form (id, name), shown ticked to keep.
    kept: Vec<(i64, String)>,
}

impl Typed {
    /// The form `form` refused with `error`, as posted.
    pub(crate) fn refused(form: &str, fields: &[(String, String)], error: &AppError) -> Typed {
        let problems = match error {
            AppError::Fields(list) => list
                .iter()
                .map(|(f, m)| ((*f).to_string(), m.clone()))
                .collect(),
            AppError::Invalid(lines) => lines.iter().map(|m| (String::new(), m.clone())).collect(),
            other => vec![(String::new(), other.to_string())],
        };
        Typed {
            form: form.to_string(),
            // The token and version are the page's, not the person's.
            fields: fields
                .iter()
                .filter(|(k, _)| k != "csrf" && k != "version")
                .cloned()
                .collect(),
            problems,
            kept: Vec::new(),
        }
    }

    /// The same refusal, with the files kept for the corrected form.
    pub(crate) fn keeping(mut self, kept: Vec<(i64, String)>) -> Typed {
        self.kept = kept;
        self
    }

    /// The files of `form` kept from its refusal, (id, name).
    pub(crate) fn kept(&self, form: &str) -> &[(i64, String)] {
        if self.is(form) { &self.kept } else { &[] }
    }

    /// Whether any form of the page was refused.
    pub(crate) fn any(&self) -> bool {
        !self.form.is_empty()
    }

    /// The refused form's name (empty: none was).
    pub(crate) fn form(&self) -> &str {
        &self.form
    }

    pub(crate) fn is(&self, form: &str) -> bool {
        !self.form.is_empty() && self.form == form
    }

    /// The value typed into `name` of `form`, or `default` when that form was not refused.
    pub(crate) fn value(&self, form: &str, name: &str, default: &str) -> String {
        if self.is(form) {
            field(&self.fields, name)
        } else {
            default.to_string()
        }
    }

    /// Whether choice `value` of `name` (a box or an option) was picked in `form`, or
    /// `default` when that form was not refused.
    /// (`default` by value or by reference: templates hold both.)
    pub(crate) fn picked(
        &self,
        form: &str,
        name: &str,
        value: &str,
        default: impl std::borrow::Borrow<bool>,
    ) -> bool {
        if self.is(form) {
            self.fields.iter().any(|(k, v)| k == name && v == value)
        } else {
            *default.borrow()
        }
    }

    /// The problems of field `name` of `form`.
    pub(crate) fn errors_of(&self, form: &str, name: &str) -> Vec<&str> {
        if !self.is(form) {
            return Vec::new();
        }
        self.problems
            .iter()
            .filter(|(f, _)| f == name)
            .map(|(_, m)| m.as_str())
            .collect()
    }

    /// Every problem of the refused form when the page no longer draws it (among `shown`):
    /// a row someone else ended meanwhile, whose refusal would otherwise go unseen.
    pub(crate) fn unplaced(&self, shown: &[String]) -> Vec<String> {
        if !self.any() || shown.iter().any(|f| self.is(f)) {
            return Vec::new();
        }
        self.problems.iter().map(|(_, m)| m.clone()).collect()
    }

    /// Every problem of `form`, in the order found.
    pub(crate) fn errors(&self, form: &str) -> Vec<&str> {
        if !self.is(form) {
            return Vec::new();
        }
        self.problems.iter().map(|(_, m)| m.as_str()).collect()
    }
}
