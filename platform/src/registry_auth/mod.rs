//! The platform's half of the registry token service (`/jwt/auth`): who is presenting which
//! credentials ([`authenticate`]), which registry actions they get ([`grant`]), and a guard
//! against password guessing ([`LoginThrottle`]). Signing the JWT is the server's job.

mod authenticate;
mod grant;
mod throttle;

pub use authenticate::{authenticate, job_token, personal_access_token, AuthError, AuthOptions, Credential};
pub use grant::{actor_for, grant, GrantedScope, ScopeRequest};
pub use throttle::{LoginThrottle, Throttled};

#[cfg(test)]
mod tests;
