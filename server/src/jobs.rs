//! Background work of every Berth node.

use std::time::Duration;

use crate::state::AppState;

/// How often stale upload sessions are looked for.
const UPLOAD_PURGE_INTERVAL: Duration = Duration::from_secs(15 * 60);

pub struct Jobs {
    handles: Vec<tokio::task::JoinHandle<()>>,
}

impl Jobs {
    pub fn abort(self) {
        for handle in self.handles {
            handle.abort();
        }
    }
}

pub fn spawn(state: &AppState) -> Jobs {
    let registry = state.registry.clone();
    let stale_after = Duration::from_secs(state.config.upload_stale_after_secs);
    let purge = tokio::spawn(async move {
        let mut tick = tokio::time::interval(UPLOAD_PURGE_INTERVAL);
        loop {
            tick.tick().await;
            match registry.purge_stale_uploads(stale_after).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(purged = n, "purged stale uploads"),
                Err(e) => tracing::warn!(error = %e, "stale upload purge failed; will retry"),
            }
        }
    });
    Jobs { handles: vec![purge] }
}
