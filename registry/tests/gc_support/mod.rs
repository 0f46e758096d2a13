//! Shared by the gc_* test files: a registry over any store, push helpers that report
//! failures instead of asserting, a store wrapper that can refuse deletes and counts them.
#![allow(dead_code)]

use std::collections::HashMap;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use berth_registry::auth::{Access, SigningKey, TokenIssuer};
use berth_registry::digest::Digest;
use berth_registry::gc::{Collector, GcConfig};
use berth_registry::storage::{BlobStore, ByteStream, FilesystemStore, StoreError, StoreResult, UploadEntry};
use berth_registry::{Registry, RegistryConfig};
use futures::stream::BoxStream;
use reqwest::{Method, Response};
use sha2::{Digest as _, Sha256};

pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";

pub fn sha256(data: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(data)))
}

pub struct Env {
    pub label: String,
    pub base: String,
    pub client: reqwest::Client,
    pub issuer: TokenIssuer,
    pub registry: Registry,
    pub store: Arc<dyn BlobStore>,
    pub db: berth_db::Db,
    pub dir: tempfile::TempDir,
}

pub async fn start(label: &str, db_url: &str, store: Arc<dyn BlobStore>, dir: tempfile::TempDir) -> Env {
    let db = berth_db::Db::connect(db_url).await.expect("connect test database");
    let issuer = TokenIssuer::new(SigningKey::generate(), "berth-test", "container_registry");
    let registry = Registry::new(db.clone(), store.clone(), issuer.verifier(), RegistryConfig::new("http://berth.test/jwt/auth"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = registry.router();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Env { label: label.to_string(), base: format!("http://{addr}"), client: reqwest::Client::new(), issuer, registry, store, db, dir }
}

/// One env per database backend (SQLite always, PostgreSQL when configured) on `make_store`.
pub async fn envs_with(make_store: impl Fn(&std::path::Path) -> Arc<dyn BlobStore>) -> Vec<Env> {
    let first = tempfile::tempdir().unwrap();
    let urls = berth_db::testing::test_database_urls(first.path()).await;
    let mut first = Some(first);
    let mut out = Vec::new();
    for (backend, url) in urls {
        let dir = first.take().unwrap_or_else(|| tempfile::tempdir().unwrap());
        let store = make_store(dir.path());
        out.push(start(backend, &url, store, dir).await);
    }
    out
}

pub async fn fs_envs() -> Vec<Env> {
    envs_with(|p| Arc::new(FilesystemStore::new(p.join("storage"))) as Arc<dyn BlobStore>).await
}

pub fn gc0() -> GcConfig {
    GcConfig::with_review_delay(std::time::Duration::ZERO)
}

impl Env {
    pub fn token(&self, names: &[&str]) -> String {
        self.issuer.issue("tester", names.iter().map(|n| Access::repository(n, &["pull", "push", "delete"])).collect()).token
    }

    pub fn collector(&self, config: GcConfig) -> Collector {
        self.registry.collector(config)
    }

    pub fn req(&self, method: Method, path: &str, token: &str) -> reqwest::RequestBuilder {
        self.client.request(method, format!("{}{}", self.base, path)).bearer_auth(token)
    }

    /// Monolithic upload; the response status.
    pub async fn try_push_blob(&self, name: &str, token: &str, data: &[u8]) -> u16 {
        let digest = sha256(data);
        self.req(Method::POST, &format!("/v2/{name}/blobs/uploads/?digest={digest}"), token)
            .header("content-type", "application/octet-stream")
            .body(data.to_vec())
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    /// Starts an upload session; its id.
    pub async fn start_upload(&self, name: &str, token: &str) -> String {
        let r = self.req(Method::POST, &format!("/v2/{name}/blobs/uploads/"), token).send().await.unwrap();
        assert_eq!(r.status(), 202, "[{}] start upload", self.label);
        let location = r.headers()["location"].to_str().unwrap().to_string();
        location.rsplit('/').next().unwrap().split('?').next().unwrap().to_string()
    }

    pub async fn push_blob(&self, name: &str, token: &str, data: &[u8]) -> String {
        let s = self.try_push_blob(name, token, data).await;
        assert_eq!(s, 201, "[{}] blob upload", self.label);
        sha256(data)
    }

    pub async fn put_manifest(&self, name: &str, reference: &str, token: &str, media_type: &str, body: &[u8]) -> Response {
        self.req(Method::PUT, &format!("/v2/{name}/manifests/{reference}"), token)
            .header("content-type", media_type)
            .body(body.to_vec())
            .send()
            .await
            .unwrap()
    }

    /// Pushes the blobs and an image manifest (under `reference`: a tag or its digest).
    pub async fn push_image(
        &self,
        name: &str,
        reference: Option<&str>,
        token: &str,
        config: &[u8],
        layers: &[&[u8]],
        subject: Option<(&str, usize)>,
    ) -> String {
        let config_digest = self.push_blob(name, token, config).await;
        let mut ls = Vec::new();
        for l in layers {
            ls.push((self.push_blob(name, token, l).await, l.len()));
        }
        let m = image_manifest(&config_digest, config.len(), &ls, subject);
        let digest = sha256(&m);
        let r = self.put_manifest(name, reference.unwrap_or(&digest), token, OCI_MANIFEST, &m).await;
        assert_eq!(r.status(), 201, "[{}] manifest put: {}", self.label, r.text().await.unwrap());
        digest
    }

    pub async fn delete_manifest(&self, name: &str, reference: &str, token: &str) {
        let r = self.req(Method::DELETE, &format!("/v2/{name}/manifests/{reference}"), token).send().await.unwrap();
        assert_eq!(r.status(), 202, "[{}] delete {reference}", self.label);
    }

    pub async fn manifest_status(&self, name: &str, reference: &str, token: &str) -> u16 {
        self.req(Method::HEAD, &format!("/v2/{name}/manifests/{reference}"), token)
            .header("accept", format!("{OCI_MANIFEST}, {OCI_INDEX}"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    pub async fn stored(&self, digest: &str) -> bool {
        self.store.stat(&digest.parse().unwrap()).await.unwrap().is_some()
    }

    pub async fn blob_row(&self, digest: &str) -> bool {
        berth_db::sqlx::query("SELECT 1 AS x FROM blobs WHERE digest = $1")
            .bind(digest)
            .fetch_optional(&self.db.pool)
            .await
            .unwrap()
            .is_some()
    }

    pub async fn count(&self, sql: &str) -> i64 {
        use berth_db::sqlx::Row;
        berth_db::sqlx::query(sql).fetch_one(&self.db.pool).await.unwrap().try_get::<i64, _>(0).unwrap()
    }

    /// Every committed manifest's blobs have a row and bytes; every blob row has bytes.
    pub async fn assert_no_lost_blob(&self) {
        use berth_db::sqlx::Row;
        let rows = berth_db::sqlx::query("SELECT digest FROM blobs").fetch_all(&self.db.pool).await.unwrap();
        for r in rows {
            let d: String = r.try_get("digest").unwrap();
            assert!(self.stored(&d).await, "[{}] blob row {d} has no bytes in storage", self.label);
        }
        let rows = berth_db::sqlx::query(
            "SELECT mb.blob_digest AS d FROM manifest_blobs mb LEFT JOIN blobs b ON b.digest = mb.blob_digest WHERE b.digest IS NULL",
        )
        .fetch_all(&self.db.pool)
        .await
        .unwrap();
        assert!(rows.is_empty(), "[{}] manifest references without a blob row", self.label);
    }
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
    serde_json::to_vec(&m).unwrap()
}

pub fn index_manifest(children: &[(&str, usize)]) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": children.iter().map(|(d, s)| serde_json::json!({
            "mediaType": OCI_MANIFEST, "digest": d, "size": s,
            "platform": {"architecture": "amd64", "os": "linux"}})).collect::<Vec<_>>(),
    }))
    .unwrap()
}

/// Wraps a store: deletes can be made to fail (like an S3 outage) and are counted per digest.
pub struct FlakyStore {
    pub inner: Arc<dyn BlobStore>,
    pub fail_deletes: AtomicBool,
    /// Deletes of these digests fail too.
    pub fail_digests: Mutex<std::collections::HashSet<String>>,
    pub deletes: Mutex<HashMap<String, u32>>,
}

impl FlakyStore {
    pub fn new(inner: Arc<dyn BlobStore>) -> Arc<FlakyStore> {
        Arc::new(FlakyStore {
            inner,
            fail_deletes: AtomicBool::new(false),
            fail_digests: Mutex::new(Default::default()),
            deletes: Mutex::new(HashMap::new()),
        })
    }
    pub fn set_failing(&self, on: bool) {
        self.fail_deletes.store(on, Ordering::SeqCst);
    }
}

#[async_trait::async_trait]
impl BlobStore for FlakyStore {
    async fn stat(&self, digest: &Digest) -> StoreResult<Option<u64>> {
        self.inner.stat(digest).await
    }
    async fn open(&self, digest: &Digest, range: Option<Range<u64>>) -> StoreResult<ByteStream> {
        self.inner.open(digest, range).await
    }
    async fn delete(&self, digest: &Digest) -> StoreResult<()> {
        if self.fail_deletes.load(Ordering::SeqCst) || self.fail_digests.lock().unwrap().contains(&digest.to_string()) {
            return Err(StoreError::Backend("simulated S3 outage: 503 SlowDown".into()));
        }
        self.inner.delete(digest).await?;
        *self.deletes.lock().unwrap().entry(digest.to_string()).or_default() += 1;
        Ok(())
    }
    async fn list(&self) -> StoreResult<BoxStream<'static, StoreResult<Digest>>> {
        self.inner.list().await
    }
    async fn upload_create(&self, id: &str) -> StoreResult<()> {
        self.inner.upload_create(id).await
    }
    async fn upload_append(&self, id: &str, offset: u64, data: ByteStream) -> StoreResult<u64> {
        self.inner.upload_append(id, offset, data).await
    }
    async fn upload_size(&self, id: &str) -> StoreResult<u64> {
        self.inner.upload_size(id).await
    }
    async fn upload_read(&self, id: &str) -> StoreResult<ByteStream> {
        self.inner.upload_read(id).await
    }
    async fn upload_commit(&self, id: &str, digest: &Digest) -> StoreResult<u64> {
        self.inner.upload_commit(id, digest).await
    }
    async fn upload_abort(&self, id: &str) -> StoreResult<()> {
        self.inner.upload_abort(id).await
    }
    async fn upload_list(&self) -> StoreResult<Vec<UploadEntry>> {
        self.inner.upload_list().await
    }
}

/// Writes bytes straight into the store (no database row): a crash leftover.
pub async fn plant(store: &Arc<dyn BlobStore>, data: &[u8]) -> String {
    let id = uuid::Uuid::new_v4().to_string();
    store.upload_create(&id).await.unwrap();
    let body: ByteStream = Box::pin(futures::stream::once({
        let b = bytes::Bytes::copy_from_slice(data);
        async move { Ok(b) }
    }));
    store.upload_append(&id, 0, body).await.unwrap();
    let d = sha256(data);
    store.upload_commit(&id, &d.parse().unwrap()).await.unwrap();
    d
}
