//! The error of the platform's services.

use berth_db::sqlx;

#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("password hashing failed: {0}")]
    Hash(String),
    /// Input breaks a rule; the message names the rule.
    #[error("{0}")]
    Invalid(String),
    /// The name (path, username, email) is already taken.
    #[error("{0}")]
    Conflict(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The actor may see the target but not do this; the message says what is needed.
    #[error("{0}")]
    Forbidden(String),
}

pub type Result<T, E = PlatformError> = std::result::Result<T, E>;

/// Whether a database error is a unique-constraint violation (either backend).
pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => {
            db.is_unique_violation()
                || db.code().is_some_and(|c| c == "23505" || c == "2067" || c == "1555")
                || db.message().contains("UNIQUE constraint failed")
        }
        _ => false,
    }
}
