//! Server functions: thin entry points from the browser to the platform services. Each one
//! resolves the caller (`ctx::ctx`, which also applies the CSRF rule to POSTs) and checks
//! permissions itself. Their URL prefix is `/-/fn` so that `/api/v4/` stays GitLab's.

pub mod admin;
pub mod admin_registry;
pub mod auth;
pub mod cleanup;
#[cfg(feature = "ssr")]
pub mod ctx;
pub mod dashboard;
#[cfg(feature = "ssr")]
pub mod flash;
pub mod groups;
pub mod members;
pub mod project_settings;
pub mod projects;
#[cfg(feature = "ssr")]
pub use berth_platform::listing as queries;
pub mod registry;
pub mod site;
pub mod tokens;

/// The URL prefix under which every server function is served.
pub const SERVER_FN_PREFIX: &str = "/-/fn";
