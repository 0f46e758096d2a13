//! Headers every response carries: `nosniff` everywhere, and on HTML pages the framing,
//! referrer and content-security policies (pages rendered by the app set their own CSP with
//! the request's script nonce; any other HTML gets the policy without inline scripts).

use axum::extract::Request;
use axum::http::header::{self, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

pub async fn add(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    let is_html = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/html"));
    if is_html {
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
        if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
            let policy = berth_app::security::content_security_policy(None);
            if let Ok(value) = HeaderValue::from_str(&policy) {
                headers.insert(header::CONTENT_SECURITY_POLICY, value);
            }
        }
    }
    response
}
