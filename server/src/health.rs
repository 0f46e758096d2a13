//! Liveness (`/-/health`: the process answers) and readiness (`/-/ready`: the metadata
//! database answers too), and the token keys (`/-/jwks.json`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

use crate::state::AppState;

pub async fn health() -> &'static str {
    "OK"
}

pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    match berth_db::sqlx::query("SELECT 1").execute(&state.db.pool).await {
        Ok(_) => (StatusCode::OK, Json(json!({"status": "ok", "database": "ok"}))),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check: database unavailable");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"status": "failed", "database": "unavailable"})))
        }
    }
}

/// The registry token verification keys (RFC 7517), for verifiers outside Berth; every
/// node's current keys, since they share them.
pub async fn jwks(State(state): State<AppState>) -> impl axum::response::IntoResponse {
    ([(axum::http::header::CACHE_CONTROL, "max-age=30")], Json(state.token_issuer.ring().jwks()))
}
