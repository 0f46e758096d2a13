//! Shared engine state: metadata, blob store, token verifier, policy.

use std::sync::Arc;

use crate::auth::TokenVerifier;
use crate::meta::Meta;
use crate::storage::BlobStore;
use crate::{RegistryConfig, RepositoryPolicy};

#[derive(Clone)]
pub(crate) struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    meta: Meta,
    store: Arc<dyn BlobStore>,
    verifier: TokenVerifier,
    config: RegistryConfig,
    policy: Arc<dyn RepositoryPolicy>,
}

impl Engine {
    pub fn new(
        meta: Meta,
        store: Arc<dyn BlobStore>,
        verifier: TokenVerifier,
        config: RegistryConfig,
        policy: Arc<dyn RepositoryPolicy>,
    ) -> Engine {
        Engine { inner: Arc::new(Inner { meta, store, verifier, config, policy }) }
    }

    pub fn with_policy(&self, policy: Arc<dyn RepositoryPolicy>) -> Engine {
        let i = &self.inner;
        Engine::new(i.meta.clone(), i.store.clone(), i.verifier.clone(), i.config.clone(), policy)
    }

    pub fn meta(&self) -> &Meta {
        &self.inner.meta
    }
    pub fn store(&self) -> &Arc<dyn BlobStore> {
        &self.inner.store
    }
    pub fn verifier(&self) -> &TokenVerifier {
        &self.inner.verifier
    }
    pub fn config(&self) -> &RegistryConfig {
        &self.inner.config
    }
    pub fn policy(&self) -> &Arc<dyn RepositoryPolicy> {
        &self.inner.policy
    }
}
