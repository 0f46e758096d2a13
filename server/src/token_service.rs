//! `/jwt/auth`, the Docker token service: who is asking (HTTP Basic with a personal access
//! token, deploy token, job token or — unless refused by configuration — a password; or
//! nobody), and which actions on which repositories they get. The platform decides
//! (`registry_auth`); this handler parses, throttles, signs and maps errors.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine as _;
use berth_platform::registry_auth::{authenticate, grant, AuthError, AuthOptions, Credential, ScopeRequest};
use berth_registry::auth::Access;
use serde_json::json;

use crate::state::AppState;

pub async fn auth(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let mut requests = Vec::new();
    for (key, value) in url::form_urlencoded::parse(query.as_deref().unwrap_or("").as_bytes()) {
        // A token for another service would be refused by it anyway; asking for one here is
        // a misconfigured client, told so instead of handed a token it cannot use.
        if key == "service" && value != berth_registry::auth::DEFAULT_SERVICE {
            return error(
                StatusCode::BAD_REQUEST,
                "UNSUPPORTED",
                &format!("unknown service {value:?}: this token service issues tokens for {:?}", berth_registry::auth::DEFAULT_SERVICE),
            );
        }
        if key != "scope" {
            continue;
        }
        // Several scopes may also arrive space-separated in one parameter.
        for one in value.split(' ').filter(|s| !s.is_empty()) {
            match ScopeRequest::parse(one) {
                Some(request) => requests.push(request),
                None => return error(StatusCode::BAD_REQUEST, "UNSUPPORTED", &format!("invalid scope {one:?}")),
            }
        }
    }

    let credential = match basic_credentials(&headers) {
        None => None,
        Some(Err(())) => return error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", "malformed Authorization header"),
        Some(Ok((username, secret))) => {
            let ip =
                state.login_throttle.client_address(peer.ip(), headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()));
            if let Err(throttled) = state.login_throttle.check(&username, ip).await {
                let mut response = error(StatusCode::TOO_MANY_REQUESTS, "TOOMANYREQUESTS", &throttled.to_string());
                if let Ok(v) = HeaderValue::from_str(&throttled.retry_after.as_secs().max(1).to_string()) {
                    response.headers_mut().insert(header::RETRY_AFTER, v);
                }
                return response;
            }
            let options = AuthOptions { password_allowed: state.config.registry_password_auth };
            match authenticate(&state.db, &username, &secret, &options).await {
                Ok(credential) => {
                    state.login_throttle.record_success(&username, ip).await;
                    Some(credential)
                }
                Err(AuthError::Platform(e)) => {
                    tracing::error!(error = %e, "token service: credential check failed");
                    return error(StatusCode::INTERNAL_SERVER_ERROR, "UNKNOWN", "internal error");
                }
                Err(refused) => {
                    state.login_throttle.record_failure(&username, ip).await;
                    return error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", &format!("HTTP Basic: Access denied: {refused}"));
                }
            }
        }
    };

    let granted = match grant(&state.db, credential.as_ref(), &requests).await {
        Ok(granted) => granted,
        Err(e) => {
            tracing::error!(error = %e, "token service: grant failed");
            return error(StatusCode::INTERNAL_SERVER_ERROR, "UNKNOWN", "internal error");
        }
    };
    let access: Vec<Access> = granted
        .into_iter()
        .filter(|g| !g.actions.is_empty())
        .map(|g| match g.kind.as_str() {
            "registry" => Access::catalog(),
            _ => {
                let actions: Vec<&str> = g.actions.iter().map(String::as_str).collect();
                Access::repository(&g.name, &actions)
            }
        })
        .collect();
    let subject = credential.as_ref().map(Credential::subject).unwrap_or("");
    let issued = state.token_issuer.issue(subject, access);
    (StatusCode::OK, [(header::CACHE_CONTROL, "no-store")], Json(issued.response_body())).into_response()
}

/// `Some(Ok((user, secret)))` for Basic credentials, `Some(Err)` when malformed, `None`
/// when absent.
fn basic_credentials(headers: &HeaderMap) -> Option<Result<(String, String), ()>> {
    let value = headers.get(header::AUTHORIZATION)?;
    let parse = || -> Option<(String, String)> {
        let (scheme, encoded) = value.to_str().ok()?.split_once(' ')?;
        if !scheme.eq_ignore_ascii_case("basic") {
            return None;
        }
        let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
        let (user, secret) = String::from_utf8(decoded).ok()?.split_once(':').map(|(u, s)| (u.to_string(), s.to_string()))?;
        Some((user, secret))
    };
    Some(parse().ok_or(()))
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({"errors": [{"code": code, "message": message, "detail": null}]}))).into_response()
}
