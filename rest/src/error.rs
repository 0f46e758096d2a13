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
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn message(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError { status, body: json!({ "message": message.into() }) }
    }

    /// A parameter error: 400 with `{"error": ...}`.
    pub fn param(message: impl Into<String>) -> ApiError {
        ApiError { status: StatusCode::BAD_REQUEST, body: json!({ "error": message.into() }) }
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
        }
    }

    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %cause, "REST API internal error");
        ApiError::message(StatusCode::INTERNAL_SERVER_ERROR, "500 Internal Server Error")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

impl From<PlatformError> for ApiError {
    fn from(e: PlatformError) -> Self {
        match e {
            PlatformError::Invalid(m) => ApiError::bad_request(m),
            PlatformError::Conflict(m) => ApiError::message(StatusCode::CONFLICT, m),
            PlatformError::NotFound(what) => ApiError::not_found(&capitalize(what)),
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
