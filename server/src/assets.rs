//! The site cargo-leptos builds (WASM, JS, CSS and `public/`), embedded in the binary so
//! `berth serve` needs no files beside it.

use axum::body::Body;
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../target/site"]
struct Site;

/// The embedded file at `uri`'s path, if any.
pub fn embedded(uri: &Uri) -> Option<Response> {
    let path = uri.path().trim_start_matches('/');
    if path.is_empty() {
        return None;
    }
    let file = Site::get(path)?;
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let cache = if path.starts_with("pkg/") { "public, max-age=300" } else { "public, max-age=3600" };
    Some(
        Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, mime.as_ref())
            .header(header::CACHE_CONTROL, cache)
            .header(header::ETAG, format!("\"{}\"", hex_sha(&file.metadata.sha256_hash())))
            .body(Body::from(file.data.into_owned()))
            .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response()),
    )
}

fn hex_sha(bytes: &[u8; 32]) -> String {
    bytes.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// Whether the WebAssembly bundle was embedded (false when built without cargo-leptos).
pub fn has_wasm_bundle() -> bool {
    Site::get(&format!("pkg/{}.wasm", berth_app::OUTPUT_NAME)).is_some()
}
