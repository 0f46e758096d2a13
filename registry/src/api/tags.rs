//! `GET /v2/<name>/tags/list` and GitLab's `DELETE /v2/<name>/tags/reference/<tag>`

use axum::body::Body;
use axum::http::StatusCode;
use axum::response::Response;

use super::response::with_headers;
use super::{next_link, pagination, Req};
use crate::engine::Engine;
use crate::error::{Error, Result};

pub(crate) async fn list(engine: &Engine, name: &str, req: &Req) -> Result<Response> {
    let (n, last) = pagination(req)?;
    let repo = engine.repository_id_or_unknown(name).await?;
    let limit = n.unwrap_or(10_000);
    // one extra row tells whether a next page exists
    let mut tags = engine.meta().tag_names(repo, last.as_deref(), limit + 1).await?;
    let more = tags.len() as i64 > limit;
    tags.truncate(limit as usize);
    let mut headers = vec![("content-type", "application/json".to_string())];
    if more {
        if let Some(l) = tags.last() {
            headers.push(("link", next_link(&format!("/v2/{name}/tags/list"), limit, l)));
        }
    }
    let body = serde_json::json!({ "name": name, "tags": tags });
    Ok(with_headers(StatusCode::OK, &headers, Body::from(body.to_string())))
}

pub(crate) async fn delete_reference(engine: &Engine, name: &str, tag: &str) -> Result<Response> {
    let repo = engine.repository_id_or_unknown(name).await?;
    if !crate::names::is_valid_tag(tag) || !engine.meta().delete_tag(repo, tag).await? {
        return Err(Error::manifest_unknown(tag));
    }
    Ok(with_headers(StatusCode::ACCEPTED, &[("content-length", "0".to_string())], Body::empty()))
}
