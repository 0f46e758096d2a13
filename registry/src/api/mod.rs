//! The `/v2/` HTTP surface: one router, the path parser, token checks, and thin handlers
//! per endpoint family (parse → engine → response).

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use axum::routing::any;
use axum::Router;
use futures::TryStreamExt;
use percent_encoding::percent_decode_str;

use crate::auth::Claims;
use crate::engine::Engine;
use crate::error::{Code, Error};
use crate::storage::ByteStream;

mod auth;
mod blobs;
mod catalog;
mod manifests;
pub mod path;
mod referrers;
pub mod response;
mod tags;
mod uploads;

pub use path::{PathError, RegistryPath};

pub(crate) fn router(engine: Engine) -> Router {
    Router::new().route("/v2", any(dispatch)).route("/v2/", any(dispatch)).route("/v2/{*path}", any(dispatch)).with_state(engine)
}

/// One request, after authentication.
pub(crate) struct Req {
    pub method: Method,
    pub headers: HeaderMap,
    pub query: Vec<(String, String)>,
    /// In a mutex only so that `&Req` is `Sync` across awaits.
    pub body: std::sync::Mutex<Body>,
    pub claims: Claims,
}

impl Req {
    pub fn query(&self, key: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
    pub fn header(&self, key: &str) -> Option<&str> {
        self.headers.get(key).and_then(|v| v.to_str().ok())
    }
    pub fn take_raw_body(&self) -> Body {
        std::mem::take(&mut *self.body.lock().unwrap())
    }
    /// The request body as a stream of bytes (never collected).
    pub fn take_body(&self) -> ByteStream {
        let body = self.take_raw_body();
        Box::pin(body.into_data_stream().map_err(std::io::Error::other))
    }
}

fn parse_query(q: Option<&str>) -> Vec<(String, String)> {
    let decode = |s: &str| percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned();
    q.unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(p), String::new()),
        })
        .collect()
}

async fn dispatch(State(engine): State<Engine>, method: Method, uri: Uri, headers: HeaderMap, body: Body) -> Response {
    let raw = uri.path().strip_prefix("/v2").unwrap_or("");
    let mut response = handle(&engine, method, raw, uri.query(), headers, body).await;
    response.headers_mut().insert(response::API_VERSION.0, HeaderValue::from_static(response::API_VERSION.1));
    response
}

async fn handle(engine: &Engine, method: Method, raw: &str, query: Option<&str>, headers: HeaderMap, body: Body) -> Response {
    let route = match RegistryPath::parse(raw) {
        Ok(r) => r,
        Err(PathError::NameInvalid(name)) => {
            return response::error_response(
                Error::oci(Code::NameInvalid, "invalid repository name").with_detail(serde_json::json!({ "name": name })),
            )
        }
        Err(PathError::NotFound) => return response::envelope(StatusCode::NOT_FOUND, Code::Unsupported, "no such registry endpoint", None),
    };
    let query = parse_query(query);
    let mount_from = match route {
        RegistryPath::UploadStart { .. } if query.iter().any(|(k, _)| k == "mount") => {
            query.iter().find(|(k, _)| k == "from").map(|(_, v)| v.as_str())
        }
        _ => None,
    };
    let needed = match auth::required_access(&route, &method) {
        Some(n) => n.with_mount_from(mount_from),
        None => return response::envelope(StatusCode::METHOD_NOT_ALLOWED, Code::Unsupported, "method not allowed on this endpoint", None),
    };
    let claims = match auth::authorize(engine, &headers, &needed).await {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let req = Req { method, headers, query, body: std::sync::Mutex::new(body), claims };
    let result = match route {
        RegistryPath::Base => Ok(response::with_headers(StatusCode::OK, &[("content-type", "application/json".into())], Body::from("{}"))),
        RegistryPath::Catalog => catalog::catalog(engine, &req).await,
        RegistryPath::TagsList { name } => tags::list(engine, &name, &req).await,
        RegistryPath::TagReference { name, tag } => tags::delete_reference(engine, &name, &tag).await,
        RegistryPath::Manifest { name, reference } => manifests::handle(engine, &name, &reference, &req).await,
        RegistryPath::Blob { name, digest } => blobs::handle(engine, &name, &digest, &req).await,
        RegistryPath::UploadStart { name } => uploads::start(engine, &name, &req).await,
        RegistryPath::Upload { name, id } => uploads::handle(engine, &name, &id, &req).await,
        RegistryPath::Referrers { name, digest } => referrers::get(engine, &name, &digest, &req).await,
    };
    result.unwrap_or_else(response::error_response)
}

/// Parses a digest from the URL or query (DIGEST_INVALID otherwise).
pub(crate) fn parse_digest(s: &str) -> Result<crate::digest::Digest, Error> {
    s.parse().map_err(|_| Error::digest_invalid(format!("invalid digest {s:?}")).with_detail(serde_json::json!({ "digest": s })))
}

/// `n` and `last` of paginated lists. `n` is capped at 10 000.
pub(crate) fn pagination(req: &Req) -> Result<(Option<i64>, Option<String>), Error> {
    let n = match req.query("n") {
        None | Some("") => None,
        Some(v) => Some(
            v.parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| Error::oci(Code::Unsupported, "n must be a non-negative integer").with_status(StatusCode::BAD_REQUEST))?
                .min(10_000),
        ),
    };
    Ok((n, req.query("last").filter(|l| !l.is_empty()).map(str::to_string)))
}

/// `Link: <path?n=N&last=L>; rel="next"` value.
pub(crate) fn next_link(path: &str, n: i64, last: &str) -> String {
    let enc = percent_encoding::utf8_percent_encode(last, percent_encoding::NON_ALPHANUMERIC).to_string();
    format!("<{path}?n={n}&last={enc}>; rel=\"next\"")
}
