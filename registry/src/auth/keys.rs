//! The ES256 (P-256) signing key, kept as a PKCS#8 PEM file in the data directory.

use std::path::Path;
use std::sync::Arc;

use p256::ecdsa::{signature::Signer, Signature};
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use sha2::{Digest as _, Sha256};

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read or write the signing key file {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("the signing key file {path} is not a PKCS#8 PEM P-256 key: {message}")]
    Invalid { path: String, message: String },
    #[error("no key to sign registry tokens with")]
    NoSigningKey,
    #[error("cannot read or store the registry token keys in the database: {0}")]
    Database(String),
    #[error("the registry token keys in the database cannot be decrypted with this node's token key secret ({0}); every node needs the same token_key_file")]
    Decrypt(String),
    #[error("the token key secret {path} is unusable: {message}")]
    Secret { path: String, message: String },
}

/// Berth's token-signing key. Cheap to clone.
#[derive(Clone)]
pub struct SigningKey {
    inner: Arc<Inner>,
}

struct Inner {
    key: p256::ecdsa::SigningKey,
    public_pem: String,
    kid: String,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey").field("kid", &self.inner.kid).finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Loads the key at `path`, or generates one and writes it there (mode 0600, parent
    /// directories created) when the file does not exist.
    pub fn load_or_generate(path: &Path) -> Result<SigningKey, KeyError> {
        let io = |source| KeyError::Io { path: path.display().to_string(), source };
        match std::fs::read_to_string(path) {
            Ok(pem) => SigningKey::from_pkcs8_pem(&pem).map_err(|message| KeyError::Invalid { path: path.display().to_string(), message }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = SigningKey::generate();
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(io)?;
                }
                let mut opts = std::fs::OpenOptions::new();
                opts.write(true).create_new(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::OpenOptionsExt;
                    opts.mode(0o600);
                }
                use std::io::Write;
                let mut f = opts.open(path).map_err(io)?;
                f.write_all(key.private_pem().as_bytes()).map_err(io)?;
                f.sync_all().map_err(io)?;
                Ok(key)
            }
            Err(e) => Err(io(e)),
        }
    }

    /// A fresh random key (tests, or callers that manage storage themselves).
    pub fn generate() -> SigningKey {
        SigningKey::from_key(p256::ecdsa::SigningKey::random(&mut rand::rngs::OsRng))
    }

    /// Parses a PKCS#8 PEM private key.
    pub fn from_pkcs8_pem(pem: &str) -> Result<SigningKey, String> {
        let key = p256::ecdsa::SigningKey::from_pkcs8_pem(pem).map_err(|e| e.to_string())?;
        Ok(SigningKey::from_key(key))
    }

    fn from_key(key: p256::ecdsa::SigningKey) -> SigningKey {
        let public = key.verifying_key();
        let der = public.to_public_key_der().expect("P-256 public key encodes");
        let public_pem = public.to_public_key_pem(LineEnding::LF).expect("P-256 public key encodes");
        let kid = libtrust_kid(der.as_bytes());
        SigningKey { inner: Arc::new(Inner { key, public_pem, kid }) }
    }

    /// The private key as PKCS#8 PEM.
    pub fn private_pem(&self) -> String {
        self.inner.key.to_pkcs8_pem(LineEnding::LF).expect("P-256 key encodes").to_string()
    }

    /// The public key as SubjectPublicKeyInfo PEM (give it to separately run registry nodes).
    pub fn public_key_pem(&self) -> &str {
        &self.inner.public_pem
    }

    /// The JWT `kid` in libtrust form.
    pub fn kid(&self) -> &str {
        &self.inner.kid
    }

    pub(crate) fn sign(&self, message: &[u8]) -> [u8; 64] {
        let sig: Signature = self.inner.key.sign(message);
        sig.to_bytes().into()
    }
}

/// libtrust key id: SHA-256 of the DER SubjectPublicKeyInfo, first 30 bytes, base32 without
/// padding, `:` after every 4 characters.
pub fn libtrust_kid(spki_der: &[u8]) -> String {
    let hash = Sha256::digest(spki_der);
    let b32 = base32_nopad(&hash[..30]);
    let groups: Vec<&str> = b32.as_bytes().chunks(4).map(|c| std::str::from_utf8(c).expect("ascii")).collect();
    groups.join(":")
}

fn base32_nopad(data: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::with_capacity(data.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in data {
        buffer = (buffer << 8) | b as u32;
        bits += 8;
        while bits >= 5 {
            out.push(ALPHABET[((buffer >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base32_matches_rfc4648_vectors() {
        assert_eq!(base32_nopad(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32_nopad(b"fooba"), "MZXW6YTB");
        assert_eq!(base32_nopad(b"f"), "MY");
    }

    #[test]
    fn kid_shape() {
        let k = SigningKey::generate();
        let kid = k.kid();
        assert_eq!(kid.len(), 48 + 11);
        assert_eq!(kid.split(':').count(), 12);
        assert!(kid.split(':').all(|g| g.len() == 4));
    }

    #[test]
    fn load_or_generate_persists_with_0600() {
        let dir = std::env::temp_dir().join(format!("berth-key-{}", uuid::Uuid::new_v4().simple()));
        let path = dir.join("keys/registry.pem");
        let a = SigningKey::load_or_generate(&path).unwrap();
        let b = SigningKey::load_or_generate(&path).unwrap();
        assert_eq!(a.kid(), b.kid());
        assert_eq!(a.public_key_pem(), b.public_key_pem());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        std::fs::remove_dir_all(dir).unwrap();
    }
}
