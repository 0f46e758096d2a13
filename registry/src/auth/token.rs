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

use super::SigningKey;

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

/// Signs registry tokens.
#[derive(Clone, Debug)]
pub struct TokenIssuer {
    key: SigningKey,
    issuer: String,
    audience: String,
    lifetime: Duration,
}

impl TokenIssuer {
    /// `issuer` becomes `iss`, `audience` becomes `aud` (normally `container_registry`);
    /// tokens live 300 s unless changed with [`TokenIssuer::with_lifetime`].
    pub fn new(key: SigningKey, issuer: impl Into<String>, audience: impl Into<String>) -> TokenIssuer {
        TokenIssuer { key, issuer: issuer.into(), audience: audience.into(), lifetime: Duration::from_secs(300) }
    }

    pub fn with_lifetime(mut self, lifetime: Duration) -> TokenIssuer {
        self.lifetime = lifetime;
        self
    }

    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// A verifier for the tokens this issuer signs.
    pub fn verifier(&self) -> TokenVerifier {
        TokenVerifier::from_signing_key(&self.key, &self.audience)
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
        let header = serde_json::json!({ "typ": "JWT", "alg": "ES256", "kid": self.key.kid() });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).expect("claims serialize"))
        );
        let sig = self.key.sign(signing_input.as_bytes());
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
    #[error("invalid public key: {0}")]
    Key(String),
}

/// Verifies registry tokens with Berth's public key.
#[derive(Clone, Debug)]
pub struct TokenVerifier {
    key: VerifyingKey,
    audience: String,
    leeway: i64,
}

impl TokenVerifier {
    /// From a SubjectPublicKeyInfo PEM (what [`SigningKey::public_key_pem`] gives).
    pub fn from_public_key_pem(pem: &str, audience: impl Into<String>) -> Result<TokenVerifier, TokenError> {
        let key = VerifyingKey::from_public_key_pem(pem).map_err(|e| TokenError::Key(e.to_string()))?;
        Ok(TokenVerifier { key, audience: audience.into(), leeway: 30 })
    }

    pub fn from_signing_key(key: &SigningKey, audience: &str) -> TokenVerifier {
        TokenVerifier::from_public_key_pem(key.public_key_pem(), audience).expect("own public key parses")
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
        self.key.verify(signing_input.as_bytes(), &sig).map_err(|_| TokenError::Signature)?;
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
        assert_eq!(header["kid"], i.key.kid());
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
        assert_eq!(v.verify(&other.token).unwrap_err(), TokenError::Signature);
        let wrong_aud = TokenIssuer::new(i.key.clone(), "berth", "other").issue("a", vec![]);
        assert_eq!(v.verify(&wrong_aud.token).unwrap_err(), TokenError::Audience);
        assert_eq!(v.verify("abc").unwrap_err(), TokenError::Malformed);
        // alg=none is refused even with a valid-looking body
        let t = i.issue("a", vec![]).token;
        let mut parts: Vec<&str> = t.split('.').collect();
        let none = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
        parts[0] = &none;
        assert_eq!(v.verify(&parts.join(".")).unwrap_err(), TokenError::Algorithm);
    }
}
