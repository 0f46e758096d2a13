//! Shared by the cleanup suites: a metadata database per backend with a project in it, a
//! registry engine on a filesystem store, and images pushed through the engine's own
//! `/v2/` manifest PUT (in process, no network), with tag times the test decides.

#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request};
use berth_db::sqlx;
use berth_db::Db;
use berth_platform::model::{RegistryAccessLevel, Visibility};
use berth_platform::namespaces::{create_group, NewGroup};
use berth_platform::projects::{create_project, NewProject, Project};
use berth_registry::auth::{Access, SigningKey, TokenIssuer};
use berth_registry::storage::{BlobStore, FilesystemStore};
use berth_registry::{Registry, RegistryConfig};
use sha2::{Digest as _, Sha256};
use tower::ServiceExt;

pub const DAY: i64 = 86_400_000;
/// The tests' "now": a fixed instant, so that tag ages are exact.
pub const T: i64 = 1_900_000_000_000;

/// A registry node: its own database pool and engine.
#[derive(Clone)]
pub struct Node {
    pub db: Db,
    pub registry: Registry,
    issuer: Arc<TokenIssuer>,
}

/// A registry engine over the database at `url` and blobs under `storage`.
pub async fn node(url: &str, storage: &Path) -> Node {
    let db = Db::connect(url).await.expect("connect test database");
    let issuer = TokenIssuer::new(SigningKey::generate(), "berth-test", "container_registry");
    let store: Arc<dyn BlobStore> = Arc::new(FilesystemStore::new(storage));
    let registry = Registry::new(db.clone(), store, issuer.verifier(), RegistryConfig::new("http://berth.test/jwt/auth"));
    Node { db, registry, issuer: Arc::new(issuer) }
}

/// `group/project`, created through the platform.
pub async fn project(db: &Db, group: &str, path: &str) -> Project {
    let g = match berth_platform::namespaces::find_namespace_by_path(db, group).await.unwrap() {
        Some(g) => g,
        None => {
            create_group(db, &NewGroup { parent_id: None, path: group, name: group, visibility: Visibility::Private }, None).await.unwrap()
        }
    };
    let new =
        NewProject { namespace_id: g.id, path, name: path, visibility: Visibility::Private, registry_access: RegistryAccessLevel::Enabled };
    create_project(db, &new).await.unwrap()
}

fn sha256(data: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(data)))
}

/// A pushed image: its manifest digest and the sizes of its config and layer.
#[derive(Debug, Clone)]
pub struct Image {
    pub digest: String,
    pub blob_bytes: i64,
}

impl Node {
    async fn send(&self, method: Method, uri: &str, repo: &str, content_type: &str, body: Vec<u8>) -> u16 {
        let token = self.issuer.issue("tester", vec![Access::repository(repo, &["pull", "push", "delete"])]).token;
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", content_type)
            .body(Body::from(body))
            .unwrap();
        self.registry.router().oneshot(request).await.unwrap().status().as_u16()
    }

    /// Pushes a config and one layer made from `seed` (unique per seed) and tags the
    /// manifest `repo:tag`; the tag's time is then set to `at`.
    pub async fn push(&self, repo: &str, tag: &str, seed: &str, at: i64) -> Image {
        let config = format!("{{\"architecture\":\"amd64\",\"os\":\"linux\",\"seed\":\"{seed}\"}}").into_bytes();
        let layer = format!("layer bytes for {seed} ").repeat(50).into_bytes();
        for blob in [&config, &layer] {
            let status = self
                .send(
                    Method::POST,
                    &format!("/v2/{repo}/blobs/uploads/?digest={}", sha256(blob)),
                    repo,
                    "application/octet-stream",
                    blob.to_vec(),
                )
                .await;
            assert_eq!(status, 201, "upload a blob to {repo}");
        }
        let manifest = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha256(&config), "size": config.len()},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": sha256(&layer), "size": layer.len()}],
        }))
        .unwrap();
        let status = self
            .send(Method::PUT, &format!("/v2/{repo}/manifests/{tag}"), repo, "application/vnd.oci.image.manifest.v1+json", manifest.clone())
            .await;
        assert_eq!(status, 201, "put manifest {repo}:{tag}");
        self.set_tag_time(repo, tag, at).await;
        Image { digest: sha256(&manifest), blob_bytes: (config.len() + layer.len()) as i64 }
    }

    /// Makes `repo:tag` look created (and last pointed) at `at`.
    pub async fn set_tag_time(&self, repo: &str, tag: &str, at: i64) {
        let n = sqlx::query(
            "UPDATE tags SET created_at = $1, updated_at = $1 WHERE name = $2 AND repository_id = (SELECT id FROM repositories WHERE path = $3)",
        )
        .bind(at)
        .bind(tag)
        .bind(repo)
        .execute(&self.db.pool)
        .await
        .unwrap()
        .rows_affected();
        assert_eq!(n, 1, "{repo}:{tag} exists");
    }

    /// The repository's tag names, sorted by bytes (not by the database's collation).
    pub async fn tags(&self, repo: &str) -> Vec<String> {
        let mut names: Vec<String> = self.registry.service().tags(repo).await.unwrap().into_iter().map(|t| t.name).collect();
        names.sort();
        names
    }

    pub async fn repository_cleanup(&self, repo: &str) -> (String, Option<i64>) {
        use berth_db::sqlx::Row;
        let r = sqlx::query("SELECT expiration_policy_cleanup_status, cleanup_policy_started_at FROM repositories WHERE path = $1")
            .bind(repo)
            .fetch_one(&self.db.pool)
            .await
            .unwrap();
        (r.get("expiration_policy_cleanup_status"), r.get("cleanup_policy_started_at"))
    }
}
