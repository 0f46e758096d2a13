//! First start (and every start): the data directory, the migrated database, the `root`
//! administrator.

use anyhow::Context;
use berth_platform::accounts::{ensure_root, RootAccount};

use crate::config::Config;

pub async fn prepare(config: &Config) -> anyhow::Result<berth_db::Db> {
    std::fs::create_dir_all(&config.data_dir).with_context(|| format!("cannot create the data directory {}", config.data_dir.display()))?;
    let db = berth_db::Db::connect(&config.database_url()).await.context("the metadata database is not usable")?;
    match ensure_root(&db, config.initial_root_password.as_deref()).await.context("cannot create the root administrator")? {
        RootAccount::CreatedWithGeneratedPassword(password) => {
            // Printed, not logged: it must not end up in log aggregation, and it is shown once.
            println!(
                "\n  Berth created the administrator account.\n    username: root\n    password: {password}\n  \
                 This password is shown only now. Sign in and change it.\n"
            );
        }
        RootAccount::CreatedWithConfiguredPassword => {
            tracing::info!("created the root administrator with the configured initial password");
        }
        RootAccount::AlreadyPresent => {}
    }
    if let Some(secret) = config.initial_root_token.as_deref() {
        if berth_platform::tokens::ensure_root_token(&db, secret)
            .await
            .context("cannot create the initial root token (BERTH_INITIAL_ROOT_TOKEN)")?
        {
            tracing::info!("created the configured root personal access token");
        }
    }
    Ok(db)
}
