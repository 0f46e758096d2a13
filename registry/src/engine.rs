//! Shared engine state: metadata, blob store, token verifier, policy, running upload hashes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::auth::TokenVerifier;
use crate::digest::Hasher;
use crate::meta::Meta;
use crate::storage::BlobStore;
use crate::{RegistryConfig, RepositoryPolicy};

/// State of an upload known to this process. The running SHA-256 is valid only when it
/// covers exactly `offset` bytes; otherwise (`None`) the upload is re-read to hash it.
pub(crate) struct UploadState {
    pub hasher: Option<Hasher>,
    pub offset: Option<u64>,
}

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
    uploads: Mutex<HashMap<String, Arc<tokio::sync::Mutex<UploadState>>>>,
}

impl Engine {
    pub fn new(
        meta: Meta,
        store: Arc<dyn BlobStore>,
        verifier: TokenVerifier,
        config: RegistryConfig,
        policy: Arc<dyn RepositoryPolicy>,
    ) -> Engine {
        Engine { inner: Arc::new(Inner { meta, store, verifier, config, policy, uploads: Mutex::new(HashMap::new()) }) }
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

    /// The per-upload lock and running hash (created empty when this process has none).
    pub fn upload_state(&self, id: &str) -> Arc<tokio::sync::Mutex<UploadState>> {
        self.inner
            .uploads
            .lock()
            .unwrap()
            .entry(id.to_string())
            .or_insert_with(|| Arc::new(tokio::sync::Mutex::new(UploadState { hasher: None, offset: None })))
            .clone()
    }

    pub fn forget_upload(&self, id: &str) {
        self.inner.uploads.lock().unwrap().remove(id);
    }

    pub fn new_upload_state(&self, id: &str) {
        let state = UploadState { hasher: Some(Hasher::new(crate::digest::Algorithm::Sha256)), offset: Some(0) };
        self.inner.uploads.lock().unwrap().insert(id.to_string(), Arc::new(tokio::sync::Mutex::new(state)));
    }
}
