//! Response helpers: the OCI error envelope and the headers every response carries.

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::error::{Code, Error};

pub const API_VERSION: (&str, &str) = ("docker-distribution-api-version", "registry/2.0");

/// The `{"errors":[…]}` response for an error; internal causes are logged, not sent.
pub fn error_response(e: Error) -> Response {
    let (status, code, message, detail) = match e {
        Error::Oci { code, message, detail, status } => (status.unwrap_or(code.status()), code, message, detail),
        Error::Internal(cause) => {
            tracing::error!(%cause, "registry request failed");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(axum::http::header::CONTENT_TYPE, "application/json")],
                json!({"errors":[{"code":"UNKNOWN","message":"internal server error","detail":null}]}).to_string(),
            )
                .into_response();
        }
    };
    envelope(status, code, &message, detail)
}

pub fn envelope(status: StatusCode, code: Code, message: &str, detail: Option<serde_json::Value>) -> Response {
    let body = json!({ "errors": [{ "code": code.as_str(), "message": message, "detail": detail }] });
    (status, [(axum::http::header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

/// A response builder with status and headers.
pub fn with_headers(status: StatusCode, headers: &[(&str, String)], body: Body) -> Response {
    let mut r = Response::new(body);
    *r.status_mut() = status;
    for (k, v) in headers {
        if let (Ok(k), Ok(v)) = (HeaderName::try_from(*k), HeaderValue::try_from(v.as_str())) {
            r.headers_mut().append(k, v);
        }
    }
    r
}
