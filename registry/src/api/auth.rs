//! Which token access each request needs, and the 401 challenge.

use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;

use super::path::RegistryPath;
use super::response;
use crate::auth::Claims;
use crate::engine::Engine;
use crate::error::Code;

pub(crate) enum Needed {
    /// Any valid token (`GET /v2/`).
    Authenticated,
    Repository {
        name: String,
        action: &'static str,
    },
    /// A cross-repository mount (`POST …/blobs/uploads/?mount=…&from=<from>`): push on the
    /// target; the challenge also asks for pull on `from`, or clients that follow it never
    /// get a token that lets the mount happen (distribution does the same).
    Mount {
        name: String,
        from: String,
    },
    Catalog,
}

impl Needed {
    /// A POST that starts an upload becomes a mount when it names a valid `from`.
    pub(crate) fn with_mount_from(self, from: Option<&str>) -> Needed {
        match (self, from) {
            (Needed::Repository { name, action: "push" }, Some(from)) if crate::names::is_valid_repository_name(from) && from != name => {
                Needed::Mount { name, from: from.to_string() }
            }
            (needed, _) => needed,
        }
    }
}

/// `None` when the method is not allowed on the route.
pub(crate) fn required_access(route: &RegistryPath, method: &Method) -> Option<Needed> {
    let read = method == Method::GET || method == Method::HEAD;
    let repo = |name: &String, action| Some(Needed::Repository { name: name.clone(), action });
    match route {
        RegistryPath::Base => read.then_some(Needed::Authenticated),
        RegistryPath::Catalog => (method == Method::GET).then_some(Needed::Catalog),
        RegistryPath::TagsList { name } | RegistryPath::Referrers { name, .. } => {
            if method == Method::GET {
                repo(name, "pull")
            } else {
                None
            }
        }
        RegistryPath::TagReference { name, .. } => {
            if method == Method::DELETE {
                repo(name, "delete")
            } else {
                None
            }
        }
        RegistryPath::Manifest { name, .. } | RegistryPath::Blob { name, .. } => match *method {
            Method::GET | Method::HEAD => repo(name, "pull"),
            Method::PUT if matches!(route, RegistryPath::Manifest { .. }) => repo(name, "push"),
            Method::DELETE => repo(name, "delete"),
            _ => None,
        },
        RegistryPath::UploadStart { name } => (method == Method::POST).then(|| Needed::Repository { name: name.clone(), action: "push" }),
        RegistryPath::Upload { name, .. } => match *method {
            Method::GET | Method::PATCH | Method::PUT | Method::DELETE => repo(name, "push"),
            _ => None,
        },
    }
}

/// Verifies the bearer token and its access; otherwise the 401 challenge response.
pub(crate) async fn authorize(engine: &Engine, headers: &HeaderMap, needed: &Needed) -> Result<Claims, Box<Response>> {
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim);
    let verified = match token {
        Some(t) => Some(engine.verifier().verify_reloading(t).await),
        None => None,
    };
    let claims = match verified {
        Some(Ok(c)) => c,
        Some(Err(e)) => {
            tracing::debug!(error = %e, "registry token rejected");
            return Err(Box::new(challenge(engine, needed, Some("invalid_token"), "authentication required")));
        }
        None => return Err(Box::new(challenge(engine, needed, None, "authentication required"))),
    };
    let ok = match needed {
        Needed::Authenticated => true,
        Needed::Repository { name, action } => claims.allows("repository", name, action),
        // Pull on `from` is optional: without it the upload starts as a plain one (202).
        Needed::Mount { name, .. } => claims.allows("repository", name, "push"),
        Needed::Catalog => claims.allows("registry", "catalog", "*"),
    };
    if ok {
        Ok(claims)
    } else {
        Err(Box::new(challenge(engine, needed, Some("insufficient_scope"), "insufficient scope: the token does not grant this action")))
    }
}

fn scope_of(needed: &Needed) -> Option<String> {
    match needed {
        Needed::Authenticated => None,
        Needed::Repository { name, action: "push" } => Some(format!("repository:{name}:pull,push")),
        Needed::Repository { name, action } => Some(format!("repository:{name}:{action}")),
        Needed::Mount { name, from } => Some(format!("repository:{name}:pull,push repository:{from}:pull")),
        Needed::Catalog => Some("registry:catalog:*".into()),
    }
}

fn challenge(engine: &Engine, needed: &Needed, error: Option<&str>, message: &str) -> Response {
    let cfg = engine.config();
    let mut value = format!("Bearer realm=\"{}\",service=\"{}\"", cfg.realm, cfg.service);
    if let Some(scope) = scope_of(needed) {
        value.push_str(&format!(",scope=\"{scope}\""));
    }
    if let Some(e) = error {
        value.push_str(&format!(",error=\"{e}\""));
    }
    let mut r = response::envelope(StatusCode::UNAUTHORIZED, Code::Unauthorized, message, None);
    if let Ok(v) = axum::http::HeaderValue::from_str(&value) {
        r.headers_mut().insert(axum::http::header::WWW_AUTHENTICATE, v);
    }
    r
}
