//! Berth's OCI registry engine: the `/v2/` API (OCI Distribution Spec v1.1 plus Docker
//! schema 2 and GitLab's tag delete), token verification, metadata in the database and blob
//! storage behind [`storage::BlobStore`].
//!
//! The server builds a [`Registry`] and merges [`Registry::router`] into its app; UI and REST
//! code use [`Registry::service`] without HTTP.
//!
//! ```ignore
//! let key = auth::SigningKey::load_or_generate(&data_dir.join("registry-key.pem"))?;
//! let issuer = auth::TokenIssuer::new(key, "berth", "container_registry");
//! let store: Arc<dyn BlobStore> = Arc::new(storage::FilesystemStore::new(data_dir.join("storage")));
//! let registry = Registry::new(db, store, issuer.verifier(), RegistryConfig::new("https://berth.example/jwt/auth"));
//! let app = axum::Router::new().merge(registry.router());
//! ```

use std::sync::Arc;
use std::time::Duration;

pub mod api;
pub mod auth;
pub mod digest;
pub mod error;
pub mod gc;
pub mod meta;
pub mod names;
pub mod service;
pub mod storage;

mod engine;
mod manifests;
mod referrers;
mod uploads;

/// Re-exported for implementing [`RepositoryPolicy`].
pub use async_trait::async_trait;
pub use error::{Code, Error};
pub use service::RegistryService;

use auth::{Claims, TokenVerifier};
use storage::BlobStore;

/// Engine settings.
#[derive(Debug, Clone)]
pub struct RegistryConfig {
    /// Full URL of the token endpoint, e.g. `https://berth.example.com/jwt/auth`.
    pub realm: String,
    /// The `service` in challenges and the expected token audience (`container_registry`).
    pub service: String,
    /// Uploads idle longer than this are purged by [`Registry::purge_stale_uploads`] when
    /// the caller passes this value (default 24 h).
    pub upload_stale_after: Duration,
    /// Largest accepted manifest (default 4 MiB).
    pub max_manifest_size: usize,
}

impl RegistryConfig {
    pub fn new(realm: impl Into<String>) -> RegistryConfig {
        RegistryConfig {
            realm: realm.into(),
            service: auth::DEFAULT_SERVICE.to_string(),
            upload_stale_after: Duration::from_secs(24 * 3600),
            max_manifest_size: 4 * 1024 * 1024,
        }
    }
}

/// Decides whether a push may write to a repository path, and which project it belongs to.
/// Called before an upload starts, before a mount, and before a manifest PUT (the token has
/// already granted `push`). Return `Err(Error::oci(Code::Denied, …))` or
/// `Err(Error::name_unknown(path))` to refuse.
#[async_trait::async_trait]
pub trait RepositoryPolicy: Send + Sync + 'static {
    /// `Ok(project_id)` allows the push; the id is stored on a newly created repository row.
    async fn authorize_push(&self, path: &str, claims: &Claims) -> Result<Option<i64>, Error>;
}

/// The default policy: any valid repository name may be pushed to, with no project.
#[derive(Debug, Default, Clone, Copy)]
pub struct AllowAnyRepository;

#[async_trait::async_trait]
impl RepositoryPolicy for AllowAnyRepository {
    async fn authorize_push(&self, _path: &str, _claims: &Claims) -> Result<Option<i64>, Error> {
        Ok(None)
    }
}

/// The registry engine. Cheap to clone.
#[derive(Clone)]
pub struct Registry {
    engine: engine::Engine,
}

impl Registry {
    pub fn new(db: berth_db::Db, store: Arc<dyn BlobStore>, verifier: TokenVerifier, config: RegistryConfig) -> Registry {
        Registry { engine: engine::Engine::new(meta::Meta::new(db), store, verifier, config, Arc::new(AllowAnyRepository)) }
    }

    /// Replaces the repository policy (default: [`AllowAnyRepository`]).
    pub fn with_policy(self, policy: Arc<dyn RepositoryPolicy>) -> Registry {
        Registry { engine: self.engine.with_policy(policy) }
    }

    /// `/v2`, `/v2/` and `/v2/{*path}`, state applied: `.merge()` it into the server's router.
    pub fn router(&self) -> axum::Router {
        api::router(self.engine.clone())
    }

    /// Non-HTTP access for UI/REST code: repositories, tags, deletes.
    pub fn service(&self) -> RegistryService {
        RegistryService::new(self.engine.clone())
    }

    /// Aborts uploads idle for longer than `older_than`; returns how many were purged.
    /// The server's background job calls this (with `config.upload_stale_after`).
    pub async fn purge_stale_uploads(&self, older_than: Duration) -> Result<usize, Error> {
        self.engine.purge_stale_uploads(older_than).await
    }

    pub fn config(&self) -> &RegistryConfig {
        self.engine.config()
    }
}
