//! `POST /v2/<name>/blobs/uploads/` and `GET|PATCH|PUT|DELETE /v2/<name>/blobs/uploads/<id>`

use axum::body::Body;
use axum::http::StatusCode;
use axum::response::Response;

use super::response::with_headers;
use super::{parse_digest, Req};
use crate::engine::Engine;
use crate::error::{Code, Error, Result};

fn range_header(size: u64) -> String {
    format!("0-{}", size.saturating_sub(1))
}

fn upload_headers(name: &str, id: &str, size: u64) -> Vec<(&'static str, String)> {
    vec![
        ("location", format!("/v2/{name}/blobs/uploads/{id}")),
        ("range", range_header(size)),
        ("docker-upload-uuid", id.to_string()),
        ("content-length", "0".to_string()),
    ]
}

fn created(name: &str, digest: &str) -> Response {
    with_headers(
        StatusCode::CREATED,
        &[
            ("location", format!("/v2/{name}/blobs/{digest}")),
            ("docker-content-digest", digest.to_string()),
            ("content-length", "0".to_string()),
        ],
        Body::empty(),
    )
}

/// `Content-Range: <start>-<end>` (also accepts a `bytes ` / `bytes=` prefix).
fn content_range_start(req: &Req) -> Result<Option<u64>> {
    let Some(h) = req.header("content-range") else {
        return Ok(None);
    };
    let spec = h.trim().trim_start_matches("bytes").trim_start_matches(['=', ' ']);
    let spec = spec.split('/').next().unwrap_or("");
    let bad = || Error::oci(Code::RangeInvalid, format!("invalid Content-Range {h:?}"));
    let (a, b) = spec.split_once('-').ok_or_else(bad)?;
    let (a, b) = (a.trim().parse::<u64>().map_err(|_| bad())?, b.trim().parse::<u64>().map_err(|_| bad())?);
    if b < a {
        return Err(bad());
    }
    if let Some(len) = req.header("content-length").and_then(|l| l.parse::<u64>().ok()) {
        if len != b - a + 1 {
            return Err(Error::oci(Code::RangeInvalid, format!("Content-Range {h:?} does not match Content-Length {len}")));
        }
    }
    Ok(Some(a))
}

pub(crate) async fn start(engine: &Engine, name: &str, req: &Req) -> Result<Response> {
    let project_id = engine.policy().authorize_push(name, &req.claims).await?;
    if let (Some(mount), Some(from)) = (req.query("mount"), req.query("from")) {
        if let Ok(digest) = mount.parse::<crate::digest::Digest>() {
            let from = from.to_string();
            let may_read = crate::names::is_valid_repository_name(&from) && req.claims.allows("repository", &from, "pull");
            if may_read && engine.mount_blob(name, &from, &digest, project_id).await? {
                return Ok(created(name, &digest.to_string()));
            }
        }
        // Not mountable: fall back to a new upload session (202).
    } else if let Some(d) = req.query("digest") {
        let digest = parse_digest(d)?;
        let id = engine.start_upload(name).await?;
        let body = req.take_body();
        engine.finish_upload(name, &id, &digest, Some(body), project_id).await?;
        return Ok(created(name, &digest.to_string()));
    }
    let id = engine.start_upload(name).await?;
    Ok(with_headers(StatusCode::ACCEPTED, &upload_headers(name, &id, 0), Body::empty()))
}

pub(crate) async fn handle(engine: &Engine, name: &str, id: &str, req: &Req) -> Result<Response> {
    match req.method.as_str() {
        "GET" => {
            let size = engine.upload_offset(name, id).await?;
            Ok(with_headers(StatusCode::NO_CONTENT, &upload_headers(name, id, size), Body::empty()))
        }
        "PATCH" => {
            let start = content_range_start(req)?;
            let body = req.take_body();
            match engine.append_upload(name, id, start, body).await {
                Ok(size) => Ok(with_headers(StatusCode::ACCEPTED, &upload_headers(name, id, size), Body::empty())),
                Err(e) if e.code() == Some(Code::RangeInvalid) => {
                    // 416 with the upload's current range so the client can resume.
                    let size = engine.upload_offset(name, id).await.unwrap_or(0);
                    let mut r = super::response::error_response(e);
                    for (k, v) in upload_headers(name, id, size) {
                        if k != "content-length" {
                            if let Ok(v) = v.parse() {
                                r.headers_mut().insert(k, v);
                            }
                        }
                    }
                    Ok(r)
                }
                Err(e) => Err(e),
            }
        }
        "PUT" => {
            let digest =
                req.query("digest").ok_or_else(|| Error::digest_invalid("the digest query parameter is required to complete an upload"))?;
            let digest = parse_digest(digest)?;
            let project_id = engine.policy().authorize_push(name, &req.claims).await?;
            let body = req.take_body();
            engine.finish_upload(name, id, &digest, Some(body), project_id).await?;
            Ok(created(name, &digest.to_string()))
        }
        "DELETE" => {
            engine.cancel_upload(name, id).await?;
            Ok(with_headers(StatusCode::NO_CONTENT, &[], Body::empty()))
        }
        _ => Err(Error::oci(Code::Unsupported, "method not allowed")),
    }
}
