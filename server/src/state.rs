use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;

use crate::config::Config;

/// What every handler may need. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: berth_db::Db,
    pub leptos_options: LeptosOptions,
    pub registry: berth_registry::Registry,
    pub token_issuer: Arc<berth_registry::auth::TokenIssuer>,
    /// Failed sign-ins and tokens per identity and client address (in the database: shared
    /// by every node).
    pub login_throttle: Arc<berth_platform::registry_auth::LoginThrottle>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
