//! `GET /v2/<name>/referrers/<digest>?artifactType=`

use axum::body::Body;
use axum::http::StatusCode;
use axum::response::Response;

use super::response::with_headers;
use super::Req;
use crate::engine::Engine;
use crate::error::Result;

pub(crate) async fn get(engine: &Engine, name: &str, digest: &str, req: &Req) -> Result<Response> {
    let filter = req.query("artifactType").filter(|t| !t.is_empty());
    let body = engine.referrers(name, digest, filter).await?;
    let mut headers = vec![("content-type", crate::manifests::OCI_INDEX.to_string())];
    if filter.is_some() {
        headers.push(("oci-filters-applied", "artifactType".to_string()));
    }
    Ok(with_headers(StatusCode::OK, &headers, Body::from(body)))
}
