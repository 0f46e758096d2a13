//! Token secrets: recognisable prefixes, random bodies, stored only as SHA-256.

use rand::distributions::Alphanumeric;
use rand::Rng;
use sha2::{Digest, Sha256};

pub const PERSONAL_ACCESS_TOKEN_PREFIX: &str = "glpat-";
pub const DEPLOY_TOKEN_PREFIX: &str = "gldt-";
pub const JOB_TOKEN_PREFIX: &str = "glcbt-";

/// Random characters after the prefix (~190 bits).
const BODY_LEN: usize = 32;

/// A new secret: `prefix` followed by random letters and digits.
pub fn generate_secret(prefix: &str) -> String {
    let body: String = rand::thread_rng().sample_iter(&Alphanumeric).take(BODY_LEN).map(char::from).collect();
    format!("{prefix}{body}")
}

/// The stored form of a secret: lowercase hex SHA-256 of all of it, prefix included.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_prefixed_random_and_hashed() {
        let a = generate_secret(PERSONAL_ACCESS_TOKEN_PREFIX);
        let b = generate_secret(PERSONAL_ACCESS_TOKEN_PREFIX);
        assert!(a.starts_with("glpat-") && a.len() == 6 + BODY_LEN);
        assert_ne!(a, b);
        assert_eq!(hash_secret("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
