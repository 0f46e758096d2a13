use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What the UI needs to know about this Berth instance.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SiteInfo {
    /// `host[:port]` that registry clients log in to and push to.
    pub registry_host: String,
    pub version: String,
}

/// Facts about this instance, given to the server as a context by the router.
#[cfg(feature = "ssr")]
#[derive(Clone, Debug)]
pub struct SiteContext {
    pub registry_host: String,
}

#[server(prefix = "/-/fn", endpoint = "site_info")]
pub async fn get_site_info() -> Result<SiteInfo, ServerFnError> {
    let site = use_context::<SiteContext>().ok_or_else(|| ServerFnError::new("the server did not provide site information"))?;
    Ok(SiteInfo { registry_host: site.registry_host, version: env!("CARGO_PKG_VERSION").to_string() })
}
