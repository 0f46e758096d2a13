//! Builds the registry engine from the configuration: blob store, signing key, token issuer.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use berth_registry::auth::{SigningKey, TokenIssuer, DEFAULT_SERVICE};
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

pub fn token_issuer(config: &Config) -> anyhow::Result<TokenIssuer> {
    let key = SigningKey::load_or_generate(&config.signing_key_path()).context("cannot load or create the registry token signing key")?;
    Ok(TokenIssuer::new(key, "berth", DEFAULT_SERVICE).with_lifetime(Duration::from_secs(config.registry_token_lifetime_secs)))
}

pub fn registry(config: &Config, db: berth_db::Db, issuer: &TokenIssuer) -> anyhow::Result<Registry> {
    let mut registry_config = RegistryConfig::new(format!("{}/jwt/auth", config.external_url()));
    registry_config.upload_stale_after = Duration::from_secs(config.upload_stale_after_secs);
    let policy = std::sync::Arc::new(crate::registry_policy::ProjectRepositories { db: db.clone() });
    Ok(Registry::new(db, blob_store(config)?, issuer.verifier(), registry_config).with_policy(policy))
}
