//! Test harness: a real registry on a random port, once per metadata backend (SQLite always,
//! PostgreSQL with BERTH_TEST_POSTGRES_URL) with the filesystem store; an S3 variant when
//! BERTH_TEST_S3_ENDPOINT is set (required with BERTH_TEST_REQUIRE_S3=1).
#![allow(dead_code)]

use std::sync::Arc;

use berth_registry::auth::{Access, SigningKey, TokenIssuer};
use berth_registry::storage::{BlobStore, FilesystemStore, S3Config, S3Store};
use berth_registry::{Registry, RegistryConfig};
use reqwest::{Method, RequestBuilder, Response};
use sha2::{Digest as _, Sha256};

pub const REALM: &str = "http://berth.test/jwt/auth";
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";

pub struct TestRegistry {
    pub label: String,
    pub base: String,
    pub client: reqwest::Client,
    pub issuer: TokenIssuer,
    pub registry: Registry,
    pub store: Arc<dyn BlobStore>,
    _dir: tempfile::TempDir,
}

pub fn sha256(data: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(data)))
}

async fn start(label: String, db_url: &str, store: Arc<dyn BlobStore>, dir: tempfile::TempDir) -> TestRegistry {
    let db = berth_db::Db::connect(db_url).await.expect("connect test database");
    let issuer = TokenIssuer::new(SigningKey::generate(), "berth-test", "container_registry");
    let registry = Registry::new(db, store.clone(), issuer.verifier(), RegistryConfig::new(REALM));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = registry.router();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    TestRegistry { label, base: format!("http://{addr}"), client: reqwest::Client::new(), issuer, registry, store, _dir: dir }
}

/// One registry per database backend, each with a filesystem store.
pub async fn registries() -> Vec<TestRegistry> {
    let urls_dir = tempfile::tempdir().unwrap();
    let urls = berth_db::testing::test_database_urls(urls_dir.path()).await;
    let mut out = Vec::new();
    let mut first = Some(urls_dir);
    for (backend, url) in urls {
        let dir = first.take().unwrap_or_else(|| tempfile::tempdir().unwrap());
        let store: Arc<dyn BlobStore> = Arc::new(FilesystemStore::new(dir.path().join("storage")));
        out.push(start(format!("{backend}+fs"), &url, store, dir).await);
    }
    out
}

/// The S3 endpoint for tests, if any.
pub fn s3_endpoint() -> Option<String> {
    match std::env::var("BERTH_TEST_S3_ENDPOINT").ok().filter(|s| !s.is_empty()) {
        Some(e) => Some(e),
        None => {
            if std::env::var("BERTH_TEST_REQUIRE_S3").as_deref() == Ok("1") {
                panic!("BERTH_TEST_REQUIRE_S3=1 but BERTH_TEST_S3_ENDPOINT is not set");
            }
            None
        }
    }
}

/// A fresh bucket on the test S3 server (moto accepts unsigned CreateBucket).
pub async fn s3_store() -> Option<Arc<dyn BlobStore>> {
    let endpoint = s3_endpoint()?;
    let bucket = format!("berth-test-{}", uuid::Uuid::new_v4().simple());
    let r = reqwest::Client::new().put(format!("{endpoint}/{bucket}")).send().await.expect("create bucket");
    assert!(r.status().is_success(), "create bucket: {}", r.status());
    let store = S3Store::new(S3Config {
        endpoint,
        bucket,
        region: "us-east-1".into(),
        access_key: "testing".into(),
        secret_key: "testing".into(),
        allow_http: true,
    })
    .expect("S3 store");
    Some(Arc::new(store))
}

/// SQLite + S3 registry when an S3 endpoint is configured.
pub async fn s3_registry() -> Option<TestRegistry> {
    let store = s3_store().await?;
    let dir = tempfile::tempdir().unwrap();
    let url = berth_db::Db::sqlite_url(&dir.path().join("berth.db"));
    Some(start("sqlite+s3".into(), &url, store, dir).await)
}

impl TestRegistry {
    pub fn token(&self, access: Vec<Access>) -> String {
        self.issuer.issue("tester", access).token
    }

    /// pull, push and delete on each repository.
    pub fn full_token(&self, names: &[&str]) -> String {
        self.token(names.iter().map(|n| Access::repository(n, &["pull", "push", "delete"])).collect())
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn req(&self, method: Method, path: &str, token: &str) -> RequestBuilder {
        let url = if path.starts_with("http") { path.to_string() } else { self.url(path) };
        self.client.request(method, url).bearer_auth(token)
    }

    /// Monolithic upload; returns the digest.
    pub async fn push_blob(&self, name: &str, token: &str, data: &[u8]) -> String {
        let digest = sha256(data);
        let r = self
            .req(Method::POST, &format!("/v2/{name}/blobs/uploads/?digest={digest}"), token)
            .header("content-type", "application/octet-stream")
            .body(data.to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "[{}] monolithic upload", self.label);
        digest
    }

    pub async fn put_manifest(&self, name: &str, reference: &str, token: &str, media_type: &str, body: &[u8]) -> Response {
        self.req(Method::PUT, &format!("/v2/{name}/manifests/{reference}"), token)
            .header("content-type", media_type)
            .body(body.to_vec())
            .send()
            .await
            .unwrap()
    }

    /// Pushes a config + one layer and an OCI manifest tagged `tag`; returns the image.
    pub async fn push_image(&self, name: &str, tag: &str, token: &str, seed: &str) -> Image {
        let config = format!("{{\"architecture\":\"amd64\",\"os\":\"linux\",\"seed\":\"{seed}\"}}").into_bytes();
        let layer = format!("layer bytes for {seed}").repeat(100).into_bytes();
        let config_digest = self.push_blob(name, token, &config).await;
        let layer_digest = self.push_blob(name, token, &layer).await;
        let manifest = image_manifest(&config_digest, config.len(), &[(layer_digest.clone(), layer.len())], None);
        let r = self.put_manifest(name, tag, token, OCI_MANIFEST, &manifest).await;
        assert_eq!(r.status(), 201, "[{}] manifest put: {}", self.label, r.text().await.unwrap());
        Image { digest: sha256(&manifest), manifest, config_digest, layer_digest, config, layer }
    }
}

pub struct Image {
    pub digest: String,
    pub manifest: Vec<u8>,
    pub config_digest: String,
    pub layer_digest: String,
    pub config: Vec<u8>,
    pub layer: Vec<u8>,
}

pub fn image_manifest(config: &str, config_size: usize, layers: &[(String, usize)], subject: Option<(&str, usize)>) -> Vec<u8> {
    let mut m = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config, "size": config_size},
        "layers": layers.iter().map(|(d, s)| serde_json::json!({
            "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": d, "size": s})).collect::<Vec<_>>(),
    });
    if let Some((d, s)) = subject {
        m["subject"] = serde_json::json!({"mediaType": OCI_MANIFEST, "digest": d, "size": s});
    }
    serde_json::to_vec_pretty(&m).unwrap()
}

/// The first error code of an OCI error body.
pub async fn error_code(r: Response) -> String {
    let v: serde_json::Value = r.json().await.expect("JSON error body");
    v["errors"][0]["code"].as_str().expect("errors[0].code").to_string()
}

pub async fn error_json(r: Response) -> serde_json::Value {
    r.json().await.expect("JSON error body")
}

pub fn header(r: &Response, name: &str) -> Option<String> {
    r.headers().get(name).map(|v| v.to_str().unwrap().to_string())
}
