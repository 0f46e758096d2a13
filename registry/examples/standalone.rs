//! A throwaway registry for trying real clients (skopeo, podman) against the engine:
//! SQLite + filesystem under a directory, and a toy `/jwt/auth` that grants EVERY requested
//! scope to anyone. Development only — the real token service lives in the server.
//!
//! `cargo run -p berth-registry --example standalone -- 127.0.0.1:5055 /tmp/berth-standalone`
//! then `skopeo copy --dest-tls-verify=false oci:./layout:tag docker://127.0.0.1:5055/g/p/img:tag`.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::routing::get;
use axum::{Json, Router};
use berth_registry::auth::{parse_scope, Access, SigningKey, TokenIssuer};
use berth_registry::storage::FilesystemStore;
use berth_registry::{Registry, RegistryConfig};

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let addr: SocketAddr = args.next().unwrap_or_else(|| "127.0.0.1:5055".into()).parse().expect("listen address");
    let dir = std::path::PathBuf::from(args.next().unwrap_or_else(|| "/tmp/berth-standalone".into()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = berth_db::Db::connect(&berth_db::Db::sqlite_url(&dir.join("berth.db"))).await.expect("database");
    let key = SigningKey::load_or_generate(&dir.join("registry-key.pem")).expect("signing key");
    let issuer = TokenIssuer::new(key, "berth-standalone", "container_registry");
    let config = RegistryConfig::new(format!("http://{addr}/jwt/auth"));
    let registry = Registry::new(db, Arc::new(FilesystemStore::new(dir.join("storage"))), issuer.verifier(), config);
    let app = Router::new().route("/jwt/auth", get(token)).with_state(issuer).merge(registry.router());
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    eprintln!("registry on http://{addr}/v2/ (toy token service grants everything)");
    axum::serve(listener, app).await.unwrap();
}

async fn token(State(issuer): State<TokenIssuer>, RawQuery(q): RawQuery) -> Json<serde_json::Value> {
    let access: Vec<Access> = q
        .unwrap_or_default()
        .split('&')
        .filter_map(|p| p.strip_prefix("scope="))
        .map(|s| percent_encoding::percent_decode_str(s).decode_utf8_lossy().replace('+', " "))
        .flat_map(|s| s.split(' ').map(str::to_string).collect::<Vec<_>>())
        .filter_map(|s| parse_scope(&s).ok())
        .map(|s| Access { kind: s.kind, name: s.name, actions: s.actions })
        .collect();
    Json(issuer.issue("anonymous", access).response_body())
}
