//! Files kept sealed beside records (case attachments, visit photos, problem evidence): what
//! is stored and what is told about it.

use dixian_domain::monitoring::AttachmentKind;

/// A file to attach to a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttachment {
    pub kind: AttachmentKind,
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// The largest attachment the store accepts (a phone photo or a scanned form).
pub const MAX_ATTACHMENT_BYTES: usize = 8 * 1024 * 1024;

/// A stored photo's description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoMeta {
    pub id: i64,
    pub name: String,
    pub content_type: String,
    pub size: i64,
}
