//! `HEAD|GET|DELETE /v2/<name>/blobs/<digest>`

use axum::body::Body;
use axum::http::{Method, StatusCode};
use axum::response::Response;

use super::response::{envelope, with_headers};
use super::{parse_digest, Req};
use crate::engine::Engine;
use crate::error::{Code, Result};

/// A parsed `Range: bytes=…` header (single range only).
enum RangeReq {
    None,
    Satisfiable(u64, u64), // start, end exclusive
    Unsatisfiable,
}

fn parse_range(header: Option<&str>, size: u64) -> RangeReq {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return RangeReq::None;
    };
    if spec.contains(',') {
        return RangeReq::None; // multiple ranges: answer with the whole blob
    }
    let Some((a, b)) = spec.split_once('-') else {
        return RangeReq::Unsatisfiable;
    };
    let (a, b) = (a.trim(), b.trim());
    let parsed = if a.is_empty() {
        // suffix: last b bytes
        match b.parse::<u64>() {
            Ok(0) | Err(_) => None,
            Ok(n) => Some((size.saturating_sub(n), size)),
        }
    } else {
        match (a.parse::<u64>(), b) {
            (Ok(s), "") => Some((s, size)),
            (Ok(s), e) => e.parse::<u64>().ok().filter(|e| *e >= s).map(|e| (s, (e + 1).min(size))),
            _ => None,
        }
    };
    match parsed {
        Some((s, e)) if s < size && s < e => RangeReq::Satisfiable(s, e),
        _ => RangeReq::Unsatisfiable,
    }
}

pub(crate) async fn handle(engine: &Engine, name: &str, digest: &str, req: &Req) -> Result<Response> {
    let digest = parse_digest(digest)?;
    if req.method == Method::DELETE {
        engine.delete_blob(name, &digest).await?;
        return Ok(with_headers(StatusCode::ACCEPTED, &[("docker-content-digest", digest.to_string())], Body::empty()));
    }
    let info = engine.blob_info(name, &digest).await?;
    let size = info.size;
    let mut headers = vec![
        ("docker-content-digest", digest.to_string()),
        ("content-type", "application/octet-stream".to_string()),
        ("accept-ranges", "bytes".to_string()),
    ];
    if req.method == Method::HEAD {
        headers.push(("content-length", size.to_string()));
        return Ok(with_headers(StatusCode::OK, &headers, Body::empty()));
    }
    match parse_range(req.header("range"), size) {
        RangeReq::None => {
            let stream = engine.open_blob(&digest, None).await?;
            headers.push(("content-length", size.to_string()));
            Ok(with_headers(StatusCode::OK, &headers, Body::from_stream(stream)))
        }
        RangeReq::Satisfiable(start, end) => {
            let stream = engine.open_blob(&digest, Some(start..end)).await?;
            headers.push(("content-length", (end - start).to_string()));
            headers.push(("content-range", format!("bytes {}-{}/{}", start, end - 1, size)));
            Ok(with_headers(StatusCode::PARTIAL_CONTENT, &headers, Body::from_stream(stream)))
        }
        RangeReq::Unsatisfiable => {
            let mut r = envelope(StatusCode::RANGE_NOT_SATISFIABLE, Code::RangeInvalid, "requested range not satisfiable", None);
            if let Ok(v) = format!("bytes */{size}").parse() {
                r.headers_mut().insert("content-range", v);
            }
            Ok(r)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(h: &str, size: u64) -> Option<(u64, u64)> {
        match parse_range(Some(h), size) {
            RangeReq::Satisfiable(a, b) => Some((a, b)),
            _ => None,
        }
    }

    #[test]
    fn ranges() {
        assert_eq!(p("bytes=0-9", 100), Some((0, 10)));
        assert_eq!(p("bytes=90-", 100), Some((90, 100)));
        assert_eq!(p("bytes=-5", 100), Some((95, 100)));
        assert_eq!(p("bytes=90-200", 100), Some((90, 100)));
        assert_eq!(p("bytes=100-", 100), None);
        assert_eq!(p("bytes=5-2", 100), None);
        assert!(matches!(parse_range(Some("items=1-2"), 10), RangeReq::None));
    }
}
