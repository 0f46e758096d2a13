//! The `berth` binary's library half: configuration, start-up and the HTTP router, so that
//! integration tests start the real server in-process on a random port.

pub mod assets;
pub mod bootstrap;
pub mod config;
pub mod gc_command;
pub mod health;
pub mod jobs;
pub mod metrics;
pub mod registry_policy;
pub mod registry_setup;
pub mod router;
pub mod security_headers;
pub mod server_fn_status;
pub mod shutdown;
pub mod state;
pub mod telemetry;
pub mod token_key_secret;
pub mod token_service;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use leptos::prelude::LeptosOptions;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::state::AppState;

/// A started server: where it listens, and how to stop it.
pub struct Running {
    pub addr: SocketAddr,
    pub state: AppState,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Running {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Serves until Ctrl-C or SIGTERM.
    pub async fn wait(self) -> anyhow::Result<()> {
        self.task.await.context("server task panicked")?
    }

    /// Stops accepting, finishes requests in flight, and waits.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.await.context("server task panicked")?
    }
}

/// `berth rotate-token-key`: a new shared signing key; the old ones retire with a grace
/// period long enough for every token they signed to expire. Returns the new key's id.
pub async fn rotate_token_key(config: &Config) -> anyhow::Result<String> {
    let db = berth_db::Db::connect(&config.database_url()).await.context("the metadata database is not usable")?;
    let keys = registry_setup::shared_keys(config, &db)?;
    // Opening the keys first proves this node has the secret the others use.
    berth_registry::auth::KeySource::load(&keys).await.context("cannot open the stored keys")?;
    Ok(keys.rotate(registry_setup::rotation_grace(config)).await?)
}

fn leptos_options(config: &Config) -> LeptosOptions {
    LeptosOptions::builder().output_name(berth_app::OUTPUT_NAME).site_pkg_dir(berth_app::SITE_PKG_DIR).site_addr(config.listen).build()
}

/// Prepares the data directory and database, binds `listener` and serves until a signal
/// (or [`Running::stop`]).
pub async fn start(config: Config, listener: TcpListener) -> anyhow::Result<Running> {
    let trusted_proxies =
        berth_platform::front_door::client_address::TrustedProxies::parse(&config.trusted_proxies).map_err(anyhow::Error::msg)?;
    let db = bootstrap::prepare(&config).await?;
    let addr = listener.local_addr()?;
    let mut config = config;
    if config.external_url.is_none() {
        // The token realm and image paths must name a reachable address: the one actually
        // bound (port 0 picks one), with a wildcard listen address shown as loopback.
        let shown =
            if addr.ip().is_unspecified() { std::net::SocketAddr::new(std::net::Ipv4Addr::LOCALHOST.into(), addr.port()) } else { addr };
        config.external_url = Some(format!("http://{shown}"));
    }
    let issuer = registry_setup::token_issuer(&config, &db).await?;
    let registry = registry_setup::registry(&config, db.clone(), &issuer)?;
    let state = AppState {
        leptos_options: leptos_options(&config),
        config: Arc::new(config),
        login_throttle: Arc::new(berth_platform::registry_auth::LoginThrottle::new(db.clone()).with_trusted_proxies(trusted_proxies)),
        db,
        registry,
        token_issuer: Arc::new(issuer),
    };
    if !assets::has_wasm_bundle() {
        tracing::warn!("built without the WebAssembly bundle: pages render but do not hydrate (build with cargo leptos)");
    }
    // Install the metrics recorder before the first request is counted.
    metrics::handle();
    let app = router::build(state.clone());
    let jobs = jobs::spawn(&state);
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let result = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(shutdown::signal(async {
                let _ = stop_rx.await;
            }))
            .await
            .context("server error");
        jobs.abort();
        result
    });
    tracing::info!(%addr, "Berth is listening");
    Ok(Running { addr, state, stop: Some(stop_tx), task })
}
