//! `/jwt/auth`, the Docker token service. Until the platform's users, projects and roles
//! exist, only the `root` administrator (HTTP Basic, password) is recognised and granted
//! every action it asks for; anonymous callers get a token that grants nothing.

use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine as _;
use berth_platform::accounts::{authenticate_password, ROOT_USERNAME};
use berth_registry::auth::{parse_scope, Access};
use serde_json::json;

use crate::state::AppState;

pub async fn auth(State(state): State<AppState>, RawQuery(query): RawQuery, headers: HeaderMap) -> Response {
    let params: Vec<(String, String)> = query
        .as_deref()
        .map(|q| form_urlencoded_pairs(q))
        .unwrap_or_default();
    let mut scopes = Vec::new();
    for (key, value) in &params {
        if key == "scope" {
            // Several scopes may also arrive space-separated in one parameter.
            for one in value.split(' ').filter(|s| !s.is_empty()) {
                match parse_scope(one) {
                    Ok(scope) => scopes.push(scope),
                    Err(e) => return error(StatusCode::BAD_REQUEST, "UNSUPPORTED", &e.to_string()),
                }
            }
        }
    }

    let (subject, access) = match basic_credentials(&headers) {
        None => ("".to_string(), Vec::new()),
        Some(Err(())) => return error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", "malformed Authorization header"),
        Some(Ok((username, password))) => {
            let user = match authenticate_password(&state.db, &username, &password).await {
                Ok(user) => user,
                Err(e) => {
                    tracing::error!(error = %e, "token service: credential check failed");
                    return error(StatusCode::INTERNAL_SERVER_ERROR, "UNKNOWN", "internal error");
                }
            };
            match user {
                None => return error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", "HTTP Basic: Access denied: invalid username or password"),
                Some(user) if user.is_admin && user.username == ROOT_USERNAME => {
                    let access = scopes
                        .iter()
                        .map(|s| {
                            let actions: Vec<&str> = s.actions.iter().map(String::as_str).collect();
                            match s.kind.as_str() {
                                "registry" => Access::catalog(),
                                _ => Access::repository(&s.name, &actions),
                            }
                        })
                        .collect();
                    (user.username, access)
                }
                Some(_) => return error(StatusCode::FORBIDDEN, "DENIED", "these credentials carry no registry rights"),
            }
        }
    };
    let issued = state.token_issuer.issue(&subject, access);
    (StatusCode::OK, [(header::CACHE_CONTROL, "no-store")], Json(issued.response_body())).into_response()
}

/// `Some(Ok((user, password)))` for Basic credentials, `Some(Err)` when malformed, `None`
/// when absent.
fn basic_credentials(headers: &HeaderMap) -> Option<Result<(String, String), ()>> {
    let value = headers.get(header::AUTHORIZATION)?;
    let parse = || -> Option<(String, String)> {
        let value = value.to_str().ok()?;
        let (scheme, encoded) = value.split_once(' ')?;
        if !scheme.eq_ignore_ascii_case("basic") {
            return None;
        }
        let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
        let decoded = String::from_utf8(decoded).ok()?;
        let (user, password) = decoded.split_once(':')?;
        Some((user.to_string(), password.to_string()))
    };
    Some(parse().ok_or(()))
}

fn form_urlencoded_pairs(query: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.as_bytes()).into_owned().collect()
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({"errors": [{"code": code, "message": message, "detail": null}]}))).into_response()
}
