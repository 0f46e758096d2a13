//! The one error type of `/api/v4/`: GitLab's `{"message": ...}` bodies, or `{"error": ...}`
//! for parameter errors. Internal causes are logged, never sent.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use berth_platform::PlatformError;
use serde_json::{json, Value};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: Value,
    /// Seconds for a `Retry-After` header (429).
    pub retry_after: Option<u64>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn message(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError { status, body: json!({ "message": message.into() }), retry_after: None }
    }

    /// A parameter error: 400 with `{"error": ...}`.
    pub fn param(message: impl Into<String>) -> ApiError {
        ApiError { status: StatusCode::BAD_REQUEST, body: json!({ "error": message.into() }), retry_after: None }
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::message(StatusCode::BAD_REQUEST, message)
    }

    pub fn not_found(what: &str) -> ApiError {
        ApiError::message(StatusCode::NOT_FOUND, format!("404 {what} Not Found"))
    }

    pub fn unauthorized() -> ApiError {
        ApiError::message(StatusCode::UNAUTHORIZED, "401 Unauthorized")
    }

    pub fn forbidden() -> ApiError {
        ApiError::message(StatusCode::FORBIDDEN, "403 Forbidden")
    }

    pub fn insufficient_scope(needed: &str) -> ApiError {
        ApiError {
            status: StatusCode::FORBIDDEN,
            body: json!({
                "error": "insufficient_scope",
                "error_description": "The request requires higher privileges than provided by the access token.",
                "scope": needed,
            }),
            retry_after: None,
        }
    }

    /// Too many failed credential checks from this address (GitLab's body).
    pub fn throttled(retry_after: std::time::Duration) -> ApiError {
        ApiError { retry_after: Some(retry_after.as_secs().max(1)), ..ApiError::message(StatusCode::TOO_MANY_REQUESTS, "Retry later") }
    }

    /// A non-GET request with a session cookie that did not come from one of this site's pages.
    pub fn csrf() -> ApiError {
        ApiError::message(StatusCode::FORBIDDEN, "403 Forbidden - CSRF token verification failed")
    }

    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %cause, "REST API internal error");
        ApiError::message(StatusCode::INTERNAL_SERVER_ERROR, "500 Internal Server Error")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body)).into_response();
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

impl From<PlatformError> for ApiError {
    fn from(e: PlatformError) -> Self {
        match e {
            PlatformError::Invalid(m) => ApiError::bad_request(m),
            PlatformError::Conflict(m) => ApiError::message(StatusCode::CONFLICT, m),
            PlatformError::NotFound(what) => ApiError::not_found(&capitalize(what)),
            PlatformError::Forbidden(_) => ApiError::forbidden(),
            other => ApiError::internal(other),
        }
    }
}

impl From<berth_db::sqlx::Error> for ApiError {
    fn from(e: berth_db::sqlx::Error) -> Self {
        ApiError::internal(e)
    }
}

impl From<berth_registry::Error> for ApiError {
    fn from(e: berth_registry::Error) -> Self {
        ApiError::internal(e)
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}
