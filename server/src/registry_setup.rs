//! Builds the registry engine from the configuration: blob store, signing keys, token issuer.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use berth_registry::auth::{KeyCipher, KeyRing, SharedKeys, SigningKey, TokenIssuer, DEFAULT_SERVICE};
use berth_registry::storage::{BlobStore, FilesystemStore, S3Config, S3Store};
use berth_registry::{Registry, RegistryConfig};

use crate::config::{Config, StorageDriver};

pub fn blob_store(config: &Config) -> anyhow::Result<Arc<dyn BlobStore>> {
    Ok(match config.storage_driver {
        StorageDriver::Filesystem => Arc::new(FilesystemStore::new(config.storage_path())),
        StorageDriver::S3 => {
            let endpoint = config.s3_endpoint.clone().context("storage_driver = s3 needs s3_endpoint")?;
            let store = S3Store::new(S3Config {
                allow_http: endpoint.starts_with("http://"),
                endpoint,
                bucket: config.s3_bucket.clone().context("storage_driver = s3 needs s3_bucket")?,
                region: config.s3_region.clone(),
                access_key: config.s3_access_key_id.clone().unwrap_or_default(),
                secret_key: config.s3_secret_access_key.clone().unwrap_or_default(),
            })
            .context("cannot configure the S3 blob store")?;
            Arc::new(store)
        }
    })
}

/// The signing keys shared through the database, sealed with the token key secret.
pub fn shared_keys(config: &Config, db: &berth_db::Db) -> anyhow::Result<SharedKeys> {
    let secret = crate::token_key_secret::load(config)?;
    let cipher = KeyCipher::from_secret(&secret)
        .map_err(|message| anyhow::anyhow!("the token key secret {} is unusable: {message}", config.token_key_file().display()))?;
    Ok(SharedKeys::new(db.clone(), cipher))
}

/// The token issuer: signs with the newest shared key; its verifier knows every node's keys.
pub async fn token_issuer(config: &Config, db: &berth_db::Db) -> anyhow::Result<TokenIssuer> {
    let keys = shared_keys(config, db)?;
    // An installation from before keys lived in the database keeps its key, and with it the
    // tokens it has handed out.
    let legacy = config.signing_key_path();
    if legacy.exists() {
        let pem = std::fs::read_to_string(&legacy).with_context(|| format!("cannot read {}", legacy.display()))?;
        let key = SigningKey::from_pkcs8_pem(&pem).map_err(|e| anyhow::anyhow!("{} is not a P-256 key: {e}", legacy.display()))?;
        if keys.import_if_empty(&key).await? {
            tracing::info!(kid = key.kid(), path = %legacy.display(), "imported the registry token key file into the database");
        }
    }
    let ring = KeyRing::from_source(std::sync::Arc::new(keys)).await.context("cannot load the registry token signing keys")?;
    Ok(TokenIssuer::with_ring(ring, "berth", DEFAULT_SERVICE)?.with_lifetime(Duration::from_secs(config.registry_token_lifetime_secs)))
}

/// How long a key retired by a rotation keeps verifying: every token it signed has expired by
/// then, including those signed by nodes that had not reloaded yet.
pub fn rotation_grace(config: &Config) -> Duration {
    Duration::from_secs(2 * config.registry_token_lifetime_secs) + crate::jobs::TOKEN_KEY_RELOAD_INTERVAL * 2
}

pub fn registry(config: &Config, db: berth_db::Db, issuer: &TokenIssuer) -> anyhow::Result<Registry> {
    let mut registry_config = RegistryConfig::new(format!("{}/jwt/auth", config.external_url()));
    registry_config.upload_stale_after = Duration::from_secs(config.upload_stale_after_secs);
    let policy = std::sync::Arc::new(crate::registry_policy::ProjectRepositories { db: db.clone() });
    Ok(Registry::new(db, blob_store(config)?, issuer.verifier(), registry_config).with_policy(policy))
}
