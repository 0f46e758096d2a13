//! Token authentication, engine side: the signing key, the JWTs Berth issues for `/v2/`,
//! their verification, and the scope grammar of `/jwt/auth`.

mod keyring;
mod keys;
mod scope;
mod shared_keys;
mod token;

pub use keyring::{KeyRing, KeySource, Keys, VerifyingEntry};
pub use keys::{KeyError, SigningKey};
pub use scope::{parse_scope, Scope, ScopeError};
pub use shared_keys::{KeyCipher, SharedKeys};
pub use token::{Access, Claims, IssuedToken, TokenError, TokenIssuer, TokenVerifier};

/// The audience (`aud`) and `service` Berth uses by default.
pub const DEFAULT_SERVICE: &str = "container_registry";
