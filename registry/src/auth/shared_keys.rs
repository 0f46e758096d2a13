//! Token signing keys kept in the database, so that every node signs with the same key and
//! verifies every node's tokens, and a rotation reaches all nodes without a restart.

use std::time::Duration;

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use berth_db::{now_millis, Db};
use sha2::{Digest as _, Sha256};

use super::keyring::{KeySource, Keys, VerifyingEntry};
use super::{KeyError, SigningKey};
use crate::meta::Meta;

/// Seals private keys for storage: AES-256-GCM under a key derived from the operator's
/// secret, with the key's `kid` as associated data so a sealed key cannot be moved to another
/// row.
pub struct KeyCipher {
    cipher: Aes256Gcm,
}

/// Fewer bytes than this in the secret file is a configuration mistake, not a secret.
pub const MIN_SECRET_LEN: usize = 32;

impl KeyCipher {
    /// `secret`: the content of the token key file (at least [`MIN_SECRET_LEN`] bytes).
    pub fn from_secret(secret: &[u8]) -> Result<KeyCipher, String> {
        if secret.len() < MIN_SECRET_LEN {
            return Err(format!("it holds {} bytes; at least {MIN_SECRET_LEN} random bytes are needed", secret.len()));
        }
        let derived = Sha256::new().chain_update(b"berth registry signing keys v1\0").chain_update(secret).finalize();
        let key = Key::<Aes256Gcm>::from_slice(derived.as_slice());
        Ok(KeyCipher { cipher: Aes256Gcm::new(key) })
    }

    fn seal(&self, kid: &str, plaintext: &[u8]) -> String {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let sealed =
            self.cipher.encrypt(&nonce, Payload { msg: plaintext, aad: kid.as_bytes() }).expect("AES-GCM encrypts any length we store");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        STANDARD.encode(out)
    }

    fn open(&self, kid: &str, sealed: &str) -> Result<Vec<u8>, String> {
        let bytes = STANDARD.decode(sealed).map_err(|_| format!("key {kid} is not base64"))?;
        if bytes.len() < 12 {
            return Err(format!("key {kid} is truncated"));
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        self.cipher
            .decrypt(Nonce::from_slice(nonce), Payload { msg: ciphertext, aad: kid.as_bytes() })
            .map_err(|_| format!("key {kid} does not open with this secret"))
    }
}

/// The database-backed [`KeySource`].
pub struct SharedKeys {
    meta: Meta,
    cipher: KeyCipher,
}

fn db_error(e: crate::error::Error) -> KeyError {
    KeyError::Database(e.to_string())
}

impl SharedKeys {
    pub fn new(db: Db, cipher: KeyCipher) -> SharedKeys {
        SharedKeys { meta: Meta::new(db), cipher }
    }

    /// Stores `key` as the signing key when the database holds no key yet (an installation
    /// upgraded from a per-node key file keeps its tokens valid); `true` when it did.
    pub async fn import_if_empty(&self, key: &SigningKey) -> Result<bool, KeyError> {
        if self.meta.count_signing_keys().await.map_err(db_error)? > 0 {
            return Ok(false);
        }
        self.insert(key, None).await?;
        Ok(true)
    }

    /// A new signing key; the others stop signing now and keep verifying for `grace` (at
    /// least the token lifetime plus the time nodes take to reload). Returns the new `kid`.
    pub async fn rotate(&self, grace: Duration) -> Result<String, KeyError> {
        let key = SigningKey::generate();
        self.insert(&key, Some(now_millis() + grace.as_millis() as i64)).await?;
        Ok(key.kid().to_string())
    }

    async fn insert(&self, key: &SigningKey, retire_others_until: Option<i64>) -> Result<(), KeyError> {
        let sealed = self.cipher.seal(key.kid(), key.private_pem().as_bytes());
        self.meta.insert_signing_key(key.kid(), &sealed, now_millis(), retire_others_until).await.map_err(db_error)
    }
}

#[async_trait::async_trait]
impl KeySource for SharedKeys {
    async fn load(&self) -> Result<Keys, KeyError> {
        let now = now_millis();
        self.meta.delete_expired_signing_keys(now).await.map_err(db_error)?;
        let mut records = self.meta.signing_keys(now).await.map_err(db_error)?;
        if !records.iter().any(|r| r.retired_at.is_none()) {
            // First start (or every key retired by hand): this node creates one. Nodes that
            // race here each add a key; all verify, and the newest signs after their reload.
            self.insert(&SigningKey::generate(), None).await?;
            records = self.meta.signing_keys(now).await.map_err(db_error)?;
        }
        let mut signing: Option<(i64, SigningKey)> = None;
        let mut verifying = Vec::with_capacity(records.len());
        for record in &records {
            let pem = self.cipher.open(&record.kid, &record.private_key).map_err(KeyError::Decrypt)?;
            let pem = String::from_utf8(pem).map_err(|_| KeyError::Decrypt(format!("key {} is not PEM", record.kid)))?;
            let key = SigningKey::from_pkcs8_pem(&pem).map_err(|e| KeyError::Decrypt(format!("key {}: {e}", record.kid)))?;
            verifying.push(VerifyingEntry::of(&key));
            if record.retired_at.is_none() && signing.as_ref().is_none_or(|(at, _)| record.created_at >= *at) {
                signing = Some((record.created_at, key));
            }
        }
        Ok(Keys { signing: signing.map(|(_, k)| k), verifying })
    }
}
