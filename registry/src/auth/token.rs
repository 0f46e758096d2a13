//! ES256 JWTs: issuing (for the server's `/jwt/auth`) and verifying (for `/v2/`).
//!
//! Hand-rolled on top of `p256` rather than a JWT library: only one algorithm is ever
//! produced or accepted (ES256, checked in the header), which keeps alg-confusion out and the
//! dependency tree small.

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use p256::ecdsa::{signature::Verifier, Signature, VerifyingKey};
use p256::pkcs8::DecodePublicKey;
use serde::{Deserialize, Serialize};

use super::keyring::{KeyRing, VerifyingEntry};
use super::{KeyError, SigningKey};

/// One entry of the `access` claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Access {
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    pub actions: Vec<String>,
}

impl Access {
    pub fn repository(name: &str, actions: &[&str]) -> Access {
        Access { kind: "repository".into(), name: name.into(), actions: actions.iter().map(|a| a.to_string()).collect() }
    }
    pub fn catalog() -> Access {
        Access { kind: "registry".into(), name: "catalog".into(), actions: vec!["*".into()] }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

/// The verified claims of a registry token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    #[serde(default)]
    pub sub: String,
    aud: Audience,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    #[serde(default)]
    pub jti: String,
    #[serde(default)]
    pub access: Vec<Access>,
}

impl Claims {
    /// Whether the token grants `action` on `kind`/`name` (`*` grants every action).
    pub fn allows(&self, kind: &str, name: &str, action: &str) -> bool {
        self.access.iter().any(|a| a.kind == kind && a.name == name && a.actions.iter().any(|x| x == action || x == "*"))
    }

    pub fn audiences(&self) -> Vec<&str> {
        match &self.aud {
            Audience::One(a) => vec![a.as_str()],
            Audience::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

/// What `/jwt/auth` answers with.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub token: String,
    /// Seconds.
    pub expires_in: u64,
    /// Unix seconds.
    pub issued_at: i64,
    pub claims: Claims,
}

impl IssuedToken {
    /// `issued_at` as RFC 3339 UTC (`2024-01-02T03:04:05Z`), the form Docker clients parse.
    pub fn issued_at_rfc3339(&self) -> String {
        rfc3339(self.issued_at)
    }

    /// The body `/jwt/auth` answers with: `token`, `access_token`, `expires_in` (seconds) and
    /// `issued_at` (RFC 3339 — clients such as skopeo refuse a number here).
    pub fn response_body(&self) -> serde_json::Value {
        serde_json::json!({
            "token": self.token,
            "access_token": self.token,
            "expires_in": self.expires_in,
            "issued_at": self.issued_at_rfc3339(),
        })
    }
}

/// Unix seconds → `YYYY-MM-DDTHH:MM:SSZ` (proleptic Gregorian, UTC).
fn rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // civil-from-days (Howard Hinnant's algorithm)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Signs registry tokens with the ring's signing key.
#[derive(Clone, Debug)]
pub struct TokenIssuer {
    ring: KeyRing,
    issuer: String,
    audience: String,
    lifetime: Duration,
}

impl TokenIssuer {
    /// `issuer` becomes `iss`, `audience` becomes `aud` (normally `container_registry`);
    /// tokens live 300 s unless changed with [`TokenIssuer::with_lifetime`].
    pub fn new(key: SigningKey, issuer: impl Into<String>, audience: impl Into<String>) -> TokenIssuer {
        TokenIssuer { ring: KeyRing::single(key), issuer: issuer.into(), audience: audience.into(), lifetime: Duration::from_secs(300) }
    }

    /// Signs with whatever key `ring` holds as signing key at the time of each token (keys
    /// shared by several nodes and rotated while they run).
    pub fn with_ring(ring: KeyRing, issuer: impl Into<String>, audience: impl Into<String>) -> Result<TokenIssuer, KeyError> {
        if ring.signing_key().is_none() {
            return Err(KeyError::NoSigningKey);
        }
        Ok(TokenIssuer { ring, issuer: issuer.into(), audience: audience.into(), lifetime: Duration::from_secs(300) })
    }

    pub fn ring(&self) -> &KeyRing {
        &self.ring
    }

    pub fn with_lifetime(mut self, lifetime: Duration) -> TokenIssuer {
        self.lifetime = lifetime;
        self
    }

    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// A verifier for the tokens this issuer's ring signs (sharing the ring: reloads reach it).
    pub fn verifier(&self) -> TokenVerifier {
        TokenVerifier::from_ring(self.ring.clone(), &self.audience)
    }

    /// Signs a token for `subject` (user name; empty for anonymous) with exactly `access`.
    pub fn issue(&self, subject: &str, access: Vec<Access>) -> IssuedToken {
        let now = unix_now();
        self.issue_at(subject, access, now)
    }

    /// Like [`TokenIssuer::issue`] with an explicit `iat` (tests of expiry).
    pub fn issue_at(&self, subject: &str, access: Vec<Access>, iat: i64) -> IssuedToken {
        let lifetime = self.lifetime.as_secs();
        let claims = Claims {
            iss: self.issuer.clone(),
            sub: subject.to_string(),
            aud: Audience::One(self.audience.clone()),
            iat,
            nbf: iat - 5,
            exp: iat + lifetime as i64,
            jti: uuid::Uuid::new_v4().simple().to_string(),
            access,
        };
        let key = self.ring.signing_key().expect("an issuer's ring always has a signing key");
        let header = serde_json::json!({ "typ": "JWT", "alg": "ES256", "kid": key.kid() });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).expect("claims serialize"))
        );
        let sig = key.sign(signing_input.as_bytes());
        let token = format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(sig));
        IssuedToken { token, expires_in: lifetime, issued_at: iat, claims }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("malformed token")]
    Malformed,
    #[error("unsupported token algorithm")]
    Algorithm,
    #[error("bad token signature")]
    Signature,
    #[error("token audience mismatch")]
    Audience,
    #[error("token expired")]
    Expired,
    #[error("token not yet valid")]
    NotYetValid,
    #[error("token signed by an unknown key")]
    UnknownKey,
    #[error("invalid public key: {0}")]
    Key(String),
}

/// Verifies registry tokens with the ring's keys, chosen by the token's `kid`.
#[derive(Clone, Debug)]
pub struct TokenVerifier {
    ring: KeyRing,
    audience: String,
    leeway: i64,
}

impl TokenVerifier {
    /// From a SubjectPublicKeyInfo PEM (what [`SigningKey::public_key_pem`] gives).
    pub fn from_public_key_pem(pem: &str, audience: impl Into<String>) -> Result<TokenVerifier, TokenError> {
        let key = VerifyingKey::from_public_key_pem(pem).map_err(|e| TokenError::Key(e.to_string()))?;
        let der = p256::pkcs8::EncodePublicKey::to_public_key_der(&key).map_err(|e| TokenError::Key(e.to_string()))?;
        let entry = VerifyingEntry { kid: super::keys::libtrust_kid(der.as_bytes()), key };
        Ok(TokenVerifier::from_ring(KeyRing::verifying(vec![entry]), audience))
    }

    pub fn from_signing_key(key: &SigningKey, audience: &str) -> TokenVerifier {
        TokenVerifier::from_ring(KeyRing::single(key.clone()), audience)
    }

    pub fn from_ring(ring: KeyRing, audience: impl Into<String>) -> TokenVerifier {
        TokenVerifier { ring, audience: audience.into(), leeway: 30 }
    }

    pub fn ring(&self) -> &KeyRing {
        &self.ring
    }

    /// Like [`TokenVerifier::verify`], but a token from a key this process does not know yet
    /// (another node's, just rotated in) reloads the ring once and is checked again.
    pub async fn verify_reloading(&self, token: &str) -> Result<Claims, TokenError> {
        match self.verify(token) {
            Err(TokenError::UnknownKey) if self.ring.reload_for_unknown_kid().await => self.verify(token),
            other => other,
        }
    }

    /// Allowed clock skew for `exp`/`nbf` (default 30 s).
    pub fn with_leeway(mut self, leeway: Duration) -> TokenVerifier {
        self.leeway = leeway.as_secs() as i64;
        self
    }

    /// Checks header, signature, audience and validity window; returns the claims.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let mut parts = token.split('.');
        let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(TokenError::Malformed);
        };
        let header: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).map_err(|_| TokenError::Malformed)?).map_err(|_| TokenError::Malformed)?;
        if header.get("alg").and_then(|a| a.as_str()) != Some("ES256") {
            return Err(TokenError::Algorithm);
        }
        let sig_bytes = URL_SAFE_NO_PAD.decode(s).map_err(|_| TokenError::Malformed)?;
        let sig = Signature::from_slice(&sig_bytes).map_err(|_| TokenError::Signature)?;
        let signing_input = &token[..h.len() + 1 + p.len()];
        let kid = match header.get("kid") {
            None => None,
            Some(serde_json::Value::String(k)) => Some(k.as_str()),
            Some(_) => return Err(TokenError::Malformed),
        };
        let keys = self.ring.verifying_keys(kid);
        if keys.is_empty() {
            return Err(TokenError::UnknownKey);
        }
        if !keys.iter().any(|k| k.verify(signing_input.as_bytes(), &sig).is_ok()) {
            return Err(TokenError::Signature);
        }
        let claims: Claims =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).map_err(|_| TokenError::Malformed)?).map_err(|_| TokenError::Malformed)?;
        if !claims.audiences().contains(&self.audience.as_str()) {
            return Err(TokenError::Audience);
        }
        let now = unix_now();
        if now > claims.exp + self.leeway {
            return Err(TokenError::Expired);
        }
        if now + self.leeway < claims.nbf {
            return Err(TokenError::NotYetValid);
        }
        Ok(claims)
    }
}

fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issuer() -> TokenIssuer {
        TokenIssuer::new(SigningKey::generate(), "berth", "container_registry")
    }

    #[test]
    fn round_trip_and_claims() {
        let i = issuer();
        let t = i.issue("alice", vec![Access::repository("a/b", &["pull", "push"])]);
        let c = i.verifier().verify(&t.token).unwrap();
        assert_eq!(c.sub, "alice");
        assert_eq!(c.nbf, c.iat - 5);
        assert_eq!(c.exp, c.iat + 300);
        assert!(c.allows("repository", "a/b", "push"));
        assert!(!c.allows("repository", "a/b", "delete"));
        assert!(!c.allows("repository", "a/bc", "pull"));
        let header: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(t.token.split('.').next().unwrap()).unwrap()).unwrap();
        assert_eq!(header["kid"], i.ring.signing_key().unwrap().kid());
        assert_eq!(header["alg"], "ES256");
    }

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
    }

    #[test]
    fn rejects() {
        let i = issuer();
        let v = i.verifier();
        let old = i.issue_at("a", vec![], unix_now() - 400);
        assert_eq!(v.verify(&old.token).unwrap_err(), TokenError::Expired);
        let skewed = i.issue_at("a", vec![], unix_now() - 310);
        assert!(v.verify(&skewed.token).is_ok(), "within leeway");
        let future = i.issue_at("a", vec![], unix_now() + 100);
        assert_eq!(v.verify(&future.token).unwrap_err(), TokenError::NotYetValid);
        let other = issuer().issue("a", vec![]);
        assert_eq!(v.verify(&other.token).unwrap_err(), TokenError::UnknownKey);
        let wrong_aud = TokenIssuer::new(i.ring.signing_key().unwrap(), "berth", "other").issue("a", vec![]);
        assert_eq!(v.verify(&wrong_aud.token).unwrap_err(), TokenError::Audience);
        assert_eq!(v.verify("abc").unwrap_err(), TokenError::Malformed);
        // alg=none is refused even with a valid-looking body
        let t = i.issue("a", vec![]).token;
        let mut parts: Vec<&str> = t.split('.').collect();
        let none = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
        parts[0] = &none;
        assert_eq!(v.verify(&parts.join(".")).unwrap_err(), TokenError::Algorithm);
        // Another key's signature under this key's kid is a bad signature, not a lookup miss.
        let forged = issuer().issue("a", vec![]).token;
        let own_header = t.split('.').next().unwrap();
        let forged_parts: Vec<&str> = forged.split('.').collect();
        let spliced = format!("{own_header}.{}.{}", forged_parts[1], forged_parts[2]);
        assert_eq!(v.verify(&spliced).unwrap_err(), TokenError::Signature);
    }

    #[test]
    fn a_ring_verifies_every_key_it_holds_and_signs_with_one() {
        let (a, b) = (SigningKey::generate(), SigningKey::generate());
        let ring_a = KeyRing::single(a.clone());
        let issuer_b = TokenIssuer::new(b.clone(), "berth", "container_registry");
        let both = TokenVerifier::from_ring(KeyRing::verifying(vec![VerifyingEntry::of(&a), VerifyingEntry::of(&b)]), "container_registry");
        let from_a = TokenIssuer::with_ring(ring_a, "berth", "container_registry").unwrap().issue("x", vec![]);
        assert!(both.verify(&from_a.token).is_ok());
        assert!(both.verify(&issuer_b.issue("x", vec![]).token).is_ok());
        let only_a = TokenVerifier::from_public_key_pem(a.public_key_pem(), "container_registry").unwrap();
        assert!(only_a.verify(&from_a.token).is_ok(), "a verifier from a PEM computes the same kid");
        assert!(TokenIssuer::with_ring(KeyRing::verifying(vec![]), "berth", "container_registry").is_err());
        let jwks = both.ring().jwks();
        assert_eq!(jwks["keys"].as_array().unwrap().len(), 2);
        assert_eq!(jwks["keys"][0]["kid"], a.kid());
        assert_eq!(jwks["keys"][0]["crv"], "P-256");
        assert_eq!(URL_SAFE_NO_PAD.decode(jwks["keys"][0]["x"].as_str().unwrap()).unwrap().len(), 32);
    }
}
