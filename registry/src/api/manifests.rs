//! `HEAD|GET|PUT|DELETE /v2/<name>/manifests/<reference>`

use axum::body::Body;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use http_body_util::BodyExt;

use super::response::with_headers;
use super::Req;
use crate::engine::Engine;
use crate::error::{Error, Result};

pub(crate) async fn handle(engine: &Engine, name: &str, reference: &str, req: &Req) -> Result<Response> {
    match req.method {
        Method::GET | Method::HEAD => {
            let m = engine.get_manifest(name, reference).await?;
            let headers = [
                ("docker-content-digest", m.digest.clone()),
                ("content-type", m.media_type.clone()),
                ("content-length", m.payload.len().to_string()),
            ];
            let body = if req.method == Method::HEAD { Body::empty() } else { Body::from(m.payload) };
            Ok(with_headers(StatusCode::OK, &headers, body))
        }
        Method::PUT => {
            let limit = engine.config().max_manifest_size;
            let too_big = || {
                Error::manifest_invalid(format!("manifest too large: the limit is {} bytes", limit))
                    .with_status(StatusCode::PAYLOAD_TOO_LARGE)
            };
            if req.header("content-length").and_then(|l| l.parse::<u64>().ok()).is_some_and(|l| l > limit as u64) {
                return Err(too_big());
            }
            let body = req.take_raw_body();
            let bytes = http_body_util::Limited::new(body, limit)
                .collect()
                .await
                .map_err(|e| {
                    if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() {
                        too_big()
                    } else {
                        Error::manifest_invalid("the manifest body could not be read")
                    }
                })?
                .to_bytes();
            let project_id = engine.policy().authorize_push(name, &req.claims).await?;
            let content_type = req.header("content-type").map(str::to_string);
            let put = engine.put_manifest(name, reference, content_type.as_deref(), bytes.to_vec(), project_id).await?;
            let mut headers = vec![
                ("location", format!("/v2/{name}/manifests/{}", put.digest)),
                ("docker-content-digest", put.digest.clone()),
                ("content-length", "0".to_string()),
            ];
            if let Some(s) = put.subject {
                headers.push(("oci-subject", s));
            }
            Ok(with_headers(StatusCode::CREATED, &headers, Body::empty()))
        }
        Method::DELETE => {
            engine.delete_manifest(name, reference).await?;
            Ok(with_headers(StatusCode::ACCEPTED, &[("content-length", "0".to_string())], Body::empty()))
        }
        _ => Err(Error::oci(crate::Code::Unsupported, "method not allowed")),
    }
}
