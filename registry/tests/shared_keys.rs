//! Token keys in the database: two nodes on one database sign with the same key, verify each
//! other's tokens, follow a rotation without a restart, and refuse to start with another
//! node's secret. Both backends.

use std::sync::Arc;
use std::time::Duration;

use berth_registry::auth::{Access, KeyCipher, KeyError, KeyRing, SharedKeys, SigningKey, TokenError, TokenIssuer};

const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef-test-secret";

async fn node(db: &berth_db::Db, secret: &[u8]) -> Result<TokenIssuer, KeyError> {
    let source = Arc::new(SharedKeys::new(db.clone(), KeyCipher::from_secret(secret).unwrap()));
    let ring = KeyRing::from_source(source).await?;
    TokenIssuer::with_ring(ring, "berth", "container_registry")
}

fn kid_of(token: &str) -> String {
    use base64::Engine as _;
    let header = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token.split('.').next().unwrap()).unwrap();
    serde_json::from_slice::<serde_json::Value>(&header).unwrap()["kid"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn nodes_share_keys_and_follow_a_rotation() {
    let dir = tempfile::tempdir().unwrap();
    for (label, url) in berth_db::testing::test_database_urls(dir.path()).await {
        let db = berth_db::Db::connect(&url).await.unwrap();
        let a = node(&db, SECRET).await.unwrap();
        let b = node(&db, SECRET).await.unwrap();
        assert_eq!(a.ring().kids(), b.ring().kids(), "[{label}] one key, created by the first node");
        let from_a = a.issue("alice", vec![Access::repository("g/p", &["pull"])]);
        let from_b = b.issue("alice", vec![]);
        assert_eq!(kid_of(&from_a.token), kid_of(&from_b.token), "[{label}] both sign with the shared key");
        assert!(b.verifier().verify(&from_a.token).is_ok(), "[{label}] b verifies a's token");

        // Rotation: a new key signs on a node after its reload; the old key keeps verifying.
        let keys = SharedKeys::new(db.clone(), KeyCipher::from_secret(SECRET).unwrap());
        let new_kid = keys.rotate(Duration::from_secs(600)).await.unwrap();
        a.ring().reload().await.unwrap();
        let after = a.issue("alice", vec![]);
        assert_eq!(kid_of(&after.token), new_kid, "[{label}] a signs with the new key");
        assert_eq!(b.verifier().verify(&after.token).unwrap_err(), TokenError::UnknownKey, "[{label}] b has not reloaded");
        assert!(b.verifier().verify_reloading(&after.token).await.is_ok(), "[{label}] an unknown kid reloads b");
        assert!(b.verifier().verify(&from_a.token).is_ok(), "[{label}] the retired key still verifies");
        assert_eq!(kid_of(&b.issue("x", vec![]).token), new_kid, "[{label}] b signs with the new key after its reload");
        assert_eq!(a.verifier().ring().jwks()["keys"].as_array().unwrap().len(), 2, "[{label}] JWKS lists both");

        // A retired key past its grace period is gone after the next reload.
        keys.rotate(Duration::from_millis(0)).await.unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
        a.ring().reload().await.unwrap();
        assert_eq!(a.ring().kids().len(), 2, "[{label}] the first key expired; the second verifies until its grace ends");

        // A forged token with a random kid does not reload more than once a second.
        let stranger = TokenIssuer::new(SigningKey::generate(), "berth", "container_registry").issue("x", vec![]);
        assert_eq!(a.verifier().verify_reloading(&stranger.token).await.unwrap_err(), TokenError::UnknownKey, "[{label}]");

        // A node given another secret refuses to start rather than sign with its own key.
        match node(&db, b"another secret that is long enough to be used!!").await {
            Err(KeyError::Decrypt(message)) => assert!(message.contains("does not open"), "[{label}] {message}"),
            other => panic!("[{label}] expected a decrypt error, got {other:?}"),
        }
        assert!(KeyCipher::from_secret(b"short").is_err(), "[{label}] a short secret is refused");
    }
}

#[tokio::test]
async fn a_key_file_from_before_is_imported_once() {
    let dir = tempfile::tempdir().unwrap();
    for (label, url) in berth_db::testing::test_database_urls(dir.path()).await {
        let db = berth_db::Db::connect(&url).await.unwrap();
        let legacy = SigningKey::generate();
        let keys = SharedKeys::new(db.clone(), KeyCipher::from_secret(SECRET).unwrap());
        assert!(keys.import_if_empty(&legacy).await.unwrap(), "[{label}]");
        assert!(!keys.import_if_empty(&SigningKey::generate()).await.unwrap(), "[{label}] only into an empty table");
        let issuer = node(&db, SECRET).await.unwrap();
        assert_eq!(issuer.ring().kids(), vec![legacy.kid().to_string()], "[{label}] tokens signed before stay valid");
    }
}
