//! Prometheus metrics at `/metrics`: request counts and latencies per surface and status.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process-wide recorder; installed on first use (several servers in one test process
/// share it).
pub fn handle() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets(&[0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0])
            .expect("static bucket list is valid")
            .build_recorder();
        let handle = recorder.handle();
        // Fails only when another recorder was installed first, which Berth never does.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// Which part of Berth a path belongs to; a bounded label, unlike the path itself.
fn surface(path: &str) -> &'static str {
    if path == "/v2" || path.starts_with("/v2/") {
        "registry"
    } else if path.starts_with("/jwt/") {
        "token"
    } else if path.starts_with("/api/") {
        "rest"
    } else if path.starts_with("/-/") || path == "/metrics" {
        "internal"
    } else if path.starts_with("/pkg/") {
        "assets"
    } else {
        "ui"
    }
}

pub async fn record(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let surface = surface(request.uri().path());
    let method = request.method().to_string();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("berth_http_requests_total", "surface" => surface, "method" => method.clone(), "status" => status).increment(1);
    metrics::histogram!("berth_http_request_duration_seconds", "surface" => surface, "method" => method)
        .record(started.elapsed().as_secs_f64());
    response
}

pub async fn render() -> impl IntoResponse {
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], handle().render())
}

#[cfg(test)]
mod tests {
    use super::surface;

    #[test]
    fn paths_map_to_a_bounded_set_of_surfaces() {
        assert_eq!(surface("/v2/"), "registry");
        assert_eq!(surface("/v2/group/project/manifests/latest"), "registry");
        assert_eq!(surface("/jwt/auth"), "token");
        assert_eq!(surface("/api/v4/projects"), "rest");
        assert_eq!(surface("/-/health"), "internal");
        assert_eq!(surface("/pkg/berth.wasm"), "assets");
        assert_eq!(surface("/group/project/container_registry"), "ui");
        assert_eq!(surface("/v2x"), "ui");
    }
}
