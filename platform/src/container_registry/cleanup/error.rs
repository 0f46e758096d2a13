//! The error of cleanup previews and runs.

use berth_db::sqlx;

use super::policy::PolicyError;

#[derive(Debug, thiserror::Error)]
pub enum CleanupError {
    /// The policy's values are refused (e.g. a stored regex no longer compiles).
    #[error("{0}")]
    Policy(PolicyError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("registry error: {0}")]
    Registry(#[from] berth_registry::Error),
}

impl From<PolicyError> for CleanupError {
    fn from(e: PolicyError) -> Self {
        match e {
            PolicyError::Database(e) => CleanupError::Database(e),
            invalid => CleanupError::Policy(invalid),
        }
    }
}
