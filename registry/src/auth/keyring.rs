//! The keys registry tokens are signed and verified with. One key signs; every key that may
//! still have live tokens verifies: the other nodes' keys and retired ones. Clones share the
//! keys, so a reload is seen at once by the issuer and every verifier of this process.

use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use p256::ecdsa::VerifyingKey;
use p256::pkcs8::DecodePublicKey;

use super::{KeyError, SigningKey};

/// A verifying key and its JWT `kid`.
#[derive(Clone, Debug)]
pub struct VerifyingEntry {
    pub kid: String,
    pub key: VerifyingKey,
}

impl VerifyingEntry {
    pub fn of(key: &SigningKey) -> VerifyingEntry {
        let public = VerifyingKey::from_public_key_pem(key.public_key_pem()).expect("own public key parses");
        VerifyingEntry { kid: key.kid().to_string(), key: public }
    }
}

/// What a [`KeySource`] yields.
#[derive(Clone, Debug)]
pub struct Keys {
    pub signing: Option<SigningKey>,
    pub verifying: Vec<VerifyingEntry>,
}

/// Where a ring's keys come from when they can change while the process runs (the
/// database, shared by every node).
#[async_trait::async_trait]
pub trait KeySource: Send + Sync {
    async fn load(&self) -> Result<Keys, KeyError>;
}

/// An unknown `kid` reloads the keys at most this often, so a flood of forged tokens cannot
/// turn into a flood of database reads.
const UNKNOWN_KID_RELOAD_INTERVAL: Duration = Duration::from_secs(1);

#[derive(Clone)]
pub struct KeyRing {
    inner: Arc<Inner>,
}

struct Inner {
    keys: RwLock<Keys>,
    source: Option<Arc<dyn KeySource>>,
    last_reload: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kids: Vec<String> = self.read().verifying.iter().map(|v| v.kid.clone()).collect();
        f.debug_struct("KeyRing").field("kids", &kids).finish_non_exhaustive()
    }
}

impl KeyRing {
    fn with(keys: Keys, source: Option<Arc<dyn KeySource>>) -> KeyRing {
        KeyRing { inner: Arc::new(Inner { keys: RwLock::new(keys), source, last_reload: Mutex::new(None) }) }
    }

    /// One key that signs and verifies, never reloaded (tests, single-process embedding).
    pub fn single(key: SigningKey) -> KeyRing {
        let verifying = vec![VerifyingEntry::of(&key)];
        KeyRing::with(Keys { signing: Some(key), verifying }, None)
    }

    /// Verifying keys only, never reloaded.
    pub fn verifying(entries: Vec<VerifyingEntry>) -> KeyRing {
        KeyRing::with(Keys { signing: None, verifying: entries }, None)
    }

    /// Loads the keys from `source`; [`KeyRing::reload`] reads it again.
    pub async fn from_source(source: Arc<dyn KeySource>) -> Result<KeyRing, KeyError> {
        let keys = source.load().await?;
        Ok(KeyRing::with(keys, Some(source)))
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Keys> {
        self.inner.keys.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Reads the source again (no-op without one). A source that yields no signing key keeps
    /// the current one signing.
    pub async fn reload(&self) -> Result<(), KeyError> {
        let Some(source) = &self.inner.source else { return Ok(()) };
        let mut fresh = source.load().await?;
        *self.inner.last_reload.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
        let mut keys = self.inner.keys.write().unwrap_or_else(|e| e.into_inner());
        if fresh.signing.is_none() {
            fresh.signing = keys.signing.take();
        }
        *keys = fresh;
        Ok(())
    }

    /// Reloads because a token named a key this process does not know (another node's new
    /// key); `true` when it did reload.
    pub(crate) async fn reload_for_unknown_kid(&self) -> bool {
        if self.inner.source.is_none() {
            return false;
        }
        {
            let last = self.inner.last_reload.lock().unwrap_or_else(|e| e.into_inner());
            if last.is_some_and(|t| t.elapsed() < UNKNOWN_KID_RELOAD_INTERVAL) {
                return false;
            }
        }
        match self.reload().await {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(error = %e, "cannot reload the registry token keys");
                false
            }
        }
    }

    pub fn signing_key(&self) -> Option<SigningKey> {
        self.read().signing.clone()
    }

    /// The key with `kid`; without a `kid`, every key (tokens from before key ids).
    pub(crate) fn verifying_keys(&self, kid: Option<&str>) -> Vec<VerifyingKey> {
        self.read().verifying.iter().filter(|v| kid.is_none_or(|k| k == v.kid)).map(|v| v.key).collect()
    }

    pub fn kids(&self) -> Vec<String> {
        self.read().verifying.iter().map(|v| v.kid.clone()).collect()
    }

    /// The verifying keys as a JSON Web Key Set (RFC 7517), for verifiers outside Berth.
    pub fn jwks(&self) -> serde_json::Value {
        let keys: Vec<serde_json::Value> = self
            .read()
            .verifying
            .iter()
            .map(|v| {
                let point = v.key.to_encoded_point(false);
                serde_json::json!({
                    "kty": "EC",
                    "crv": "P-256",
                    "use": "sig",
                    "alg": "ES256",
                    "kid": v.kid,
                    "x": URL_SAFE_NO_PAD.encode(point.x().expect("uncompressed point")),
                    "y": URL_SAFE_NO_PAD.encode(point.y().expect("uncompressed point")),
                })
            })
            .collect();
        serde_json::json!({ "keys": keys })
    }
}
