//! Server functions answer every error with 500 (that is how Leptos encodes them); the body
//! says which `AppError` it was. This layer gives refusals their real status — 404 for what
//! the viewer may not see, 403, 401, 422 for invalid input — so that logs and proxies count
//! only real failures as server errors. The body is unchanged (the browser decodes it).

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use berth_app::server_fns::SERVER_FN_PREFIX;

/// Error bodies are a JSON string or a one-key object: small.
const MAX_ERROR_BODY: usize = 64 * 1024;

pub async fn refine(request: Request, next: Next) -> Response {
    let is_server_fn = request.uri().path().starts_with(SERVER_FN_PREFIX);
    let response = next.run(request).await;
    if !is_server_fn || response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_ERROR_BODY).await else {
        parts.status = StatusCode::INTERNAL_SERVER_ERROR;
        return Response::from_parts(parts, Body::empty());
    };
    if let Some(status) = status_of(&bytes) {
        parts.status = status;
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// The status an encoded `AppError` stands for; `None` keeps 500.
fn status_of(body: &[u8]) -> Option<StatusCode> {
    match serde_json::from_slice::<serde_json::Value>(body).ok()? {
        serde_json::Value::String(s) => match s.as_str() {
            "NotFound" => Some(StatusCode::NOT_FOUND),
            "Forbidden" => Some(StatusCode::FORBIDDEN),
            "Unauthenticated" => Some(StatusCode::UNAUTHORIZED),
            _ => None,
        },
        serde_json::Value::Object(map) if map.contains_key("Invalid") => Some(StatusCode::UNPROCESSABLE_ENTITY),
        serde_json::Value::Object(map) if map.contains_key("Refused") => Some(StatusCode::FORBIDDEN),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_errors_map_to_statuses() {
        assert_eq!(status_of(br#""NotFound""#), Some(StatusCode::NOT_FOUND));
        assert_eq!(status_of(br#""Forbidden""#), Some(StatusCode::FORBIDDEN));
        assert_eq!(status_of(br#""Unauthenticated""#), Some(StatusCode::UNAUTHORIZED));
        assert_eq!(status_of(br#"{"Invalid":"choose a visibility"}"#), Some(StatusCode::UNPROCESSABLE_ENTITY));
        assert_eq!(status_of(br#"{"Refused":"you need the Developer role"}"#), Some(StatusCode::FORBIDDEN));
        assert_eq!(status_of(br#""Internal""#), None);
        assert_eq!(status_of(b"not json"), None);
    }
}
