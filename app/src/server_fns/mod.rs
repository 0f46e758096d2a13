//! Server functions: thin entry points from the browser to the platform services.
//! Their URL prefix is `/-/fn` so that `/api/v4/` stays GitLab's.

pub mod site;

/// The URL prefix under which every server function is served.
pub const SERVER_FN_PREFIX: &str = "/-/fn";
