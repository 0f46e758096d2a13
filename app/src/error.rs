//! The one error type of every server function. The UI matches on it: `NotFound` and
//! `Forbidden` show the not-found page (what the viewer may not see does not exist for them),
//! `Unauthenticated` sends them to sign in, `Invalid` is shown inline with its reason, and
//! `Internal` says only that something went wrong (the cause is logged on the server).

use std::fmt;

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AppError {
    NotFound,
    Forbidden,
    Invalid(String),
    /// Not allowed, with the reason to show next to the form that asked.
    Refused(String),
    Unauthenticated,
    Internal,
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppError::NotFound => f.write_str("not found"),
            AppError::Forbidden => f.write_str("you are not allowed to do this"),
            AppError::Invalid(msg) | AppError::Refused(msg) => f.write_str(msg),
            AppError::Unauthenticated => f.write_str("please sign in"),
            AppError::Internal => f.write_str("something went wrong on the server; please try again"),
        }
    }
}

impl std::error::Error for AppError {}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(msg) | ServerFnErrorErr::MissingArg(msg) => AppError::Invalid(format!("bad form input: {msg}")),
            other => {
                #[cfg(feature = "ssr")]
                tracing::error!(error = %other, "server function failed");
                #[cfg(not(feature = "ssr"))]
                let _ = other;
                AppError::Internal
            }
        }
    }
}

#[cfg(feature = "ssr")]
impl From<berth_platform::PlatformError> for AppError {
    fn from(e: berth_platform::PlatformError) -> Self {
        use berth_platform::PlatformError as P;
        match e {
            P::Invalid(msg) | P::Conflict(msg) => AppError::Invalid(msg),
            P::NotFound(_) => AppError::NotFound,
            P::Forbidden(msg) => AppError::Refused(msg),
            other => {
                tracing::error!(error = %other, "platform error in a server function");
                AppError::Internal
            }
        }
    }
}

#[cfg(feature = "ssr")]
impl From<berth_db::sqlx::Error> for AppError {
    fn from(e: berth_db::sqlx::Error) -> Self {
        tracing::error!(error = %e, "database error in a server function");
        AppError::Internal
    }
}

pub type AppResult<T> = Result<T, AppError>;
