//! The engine's one error type. Every variant maps to an OCI error code and HTTP status;
//! internal causes are logged and answered with a generic message.

use axum::http::StatusCode;

/// OCI / Docker distribution error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    BlobUnknown,
    BlobUploadInvalid,
    BlobUploadUnknown,
    DigestInvalid,
    ManifestBlobUnknown,
    ManifestInvalid,
    ManifestReferenced,
    ManifestUnknown,
    NameInvalid,
    NameUnknown,
    SizeInvalid,
    Unauthorized,
    Denied,
    Unsupported,
    TooManyRequests,
    RangeInvalid,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::BlobUnknown => "BLOB_UNKNOWN",
            Code::BlobUploadInvalid => "BLOB_UPLOAD_INVALID",
            Code::BlobUploadUnknown => "BLOB_UPLOAD_UNKNOWN",
            Code::DigestInvalid => "DIGEST_INVALID",
            Code::ManifestBlobUnknown => "MANIFEST_BLOB_UNKNOWN",
            Code::ManifestInvalid => "MANIFEST_INVALID",
            Code::ManifestReferenced => "MANIFEST_REFERENCED",
            Code::ManifestUnknown => "MANIFEST_UNKNOWN",
            Code::NameInvalid => "NAME_INVALID",
            Code::NameUnknown => "NAME_UNKNOWN",
            Code::SizeInvalid => "SIZE_INVALID",
            Code::Unauthorized => "UNAUTHORIZED",
            Code::Denied => "DENIED",
            Code::Unsupported => "UNSUPPORTED",
            Code::TooManyRequests => "TOOMANYREQUESTS",
            Code::RangeInvalid => "RANGE_INVALID",
        }
    }

    /// The status the distribution spec pairs with the code.
    pub fn status(self) -> StatusCode {
        match self {
            Code::BlobUnknown | Code::BlobUploadUnknown | Code::ManifestUnknown | Code::NameUnknown => StatusCode::NOT_FOUND,
            Code::ManifestBlobUnknown => StatusCode::BAD_REQUEST,
            Code::BlobUploadInvalid | Code::DigestInvalid | Code::ManifestInvalid | Code::NameInvalid | Code::SizeInvalid => {
                StatusCode::BAD_REQUEST
            }
            Code::ManifestReferenced => StatusCode::CONFLICT,
            Code::Unauthorized => StatusCode::UNAUTHORIZED,
            Code::Denied => StatusCode::FORBIDDEN,
            Code::Unsupported => StatusCode::METHOD_NOT_ALLOWED,
            Code::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Code::RangeInvalid => StatusCode::RANGE_NOT_SATISFIABLE,
        }
    }
}

/// An engine error: either a client-facing OCI error or an internal failure.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: {message}", code.as_str())]
    Oci {
        code: Code,
        message: String,
        detail: Option<serde_json::Value>,
        /// Overrides the code's usual status (e.g. 413 for an oversized manifest).
        status: Option<StatusCode>,
    },
    /// A failure of the database or blob store; logged, never shown to the client.
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn oci(code: Code, message: impl Into<String>) -> Error {
        Error::Oci { code, message: message.into(), detail: None, status: None }
    }
    pub fn with_detail(self, detail: serde_json::Value) -> Error {
        match self {
            Error::Oci { code, message, status, .. } => Error::Oci { code, message, detail: Some(detail), status },
            e => e,
        }
    }
    pub fn with_status(self, s: StatusCode) -> Error {
        match self {
            Error::Oci { code, message, detail, .. } => Error::Oci { code, message, detail, status: Some(s) },
            e => e,
        }
    }
    pub fn internal(e: impl std::fmt::Display) -> Error {
        Error::Internal(e.to_string())
    }
    /// The OCI code, or `None` for internal errors.
    pub fn code(&self) -> Option<Code> {
        match self {
            Error::Oci { code, .. } => Some(*code),
            Error::Internal(_) => None,
        }
    }
    pub fn name_unknown(name: &str) -> Error {
        Error::oci(Code::NameUnknown, "repository name not known to registry").with_detail(serde_json::json!({ "name": name }))
    }
    pub fn blob_unknown(digest: &str) -> Error {
        Error::oci(Code::BlobUnknown, "blob unknown to registry").with_detail(serde_json::json!({ "digest": digest }))
    }
    pub fn manifest_unknown(reference: &str) -> Error {
        Error::oci(Code::ManifestUnknown, "manifest unknown").with_detail(serde_json::json!({ "reference": reference }))
    }
    pub fn upload_unknown() -> Error {
        Error::oci(Code::BlobUploadUnknown, "blob upload unknown to registry")
    }
    pub fn digest_invalid(message: impl Into<String>) -> Error {
        Error::oci(Code::DigestInvalid, message)
    }
    pub fn manifest_invalid(message: impl Into<String>) -> Error {
        Error::oci(Code::ManifestInvalid, message)
    }
}

impl From<berth_db::sqlx::Error> for Error {
    fn from(e: berth_db::sqlx::Error) -> Self {
        Error::Internal(format!("database: {e}"))
    }
}

impl From<crate::storage::StoreError> for Error {
    fn from(e: crate::storage::StoreError) -> Self {
        match e {
            crate::storage::StoreError::NotFound => Error::oci(Code::BlobUnknown, "blob unknown to registry"),
            crate::storage::StoreError::UploadNotFound => Error::upload_unknown(),
            crate::storage::StoreError::OffsetMismatch { expected, .. } => {
                Error::oci(Code::RangeInvalid, format!("upload chunk out of order: expected offset {expected}"))
            }
            crate::storage::StoreError::InvalidRange => Error::oci(Code::RangeInvalid, "requested range not satisfiable"),
            e => Error::Internal(format!("blob store: {e}")),
        }
    }
}
