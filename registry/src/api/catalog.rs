//! `GET /v2/_catalog` (administrators: `registry:catalog:*`)

use axum::body::Body;
use axum::http::StatusCode;
use axum::response::Response;

use super::response::with_headers;
use super::{next_link, pagination, Req};
use crate::engine::Engine;
use crate::error::Result;

pub(crate) async fn catalog(engine: &Engine, req: &Req) -> Result<Response> {
    let (n, last) = pagination(req)?;
    let limit = n.unwrap_or(1_000);
    let mut repos = engine.meta().catalog(last.as_deref(), limit + 1).await?;
    let more = repos.len() as i64 > limit;
    repos.truncate(limit as usize);
    let mut headers = vec![("content-type", "application/json".to_string())];
    if more {
        if let Some(l) = repos.last() {
            headers.push(("link", next_link("/v2/_catalog", limit, l)));
        }
    }
    let body = serde_json::json!({ "repositories": repos });
    Ok(with_headers(StatusCode::OK, &headers, Body::from(body.to_string())))
}
