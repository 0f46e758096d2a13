//! Starts real Berth servers on random local ports for the integration tests.

#![allow(dead_code)]

pub mod oci_layout;
pub mod registry_clients;

use std::path::Path;

use berth_server::config::Config;

pub const ROOT_PASSWORD: &str = "integration-root-password";

/// A config for a server with its data in `dir` and its metadata at `database_url`.
pub fn config(dir: &Path, database_url: &str) -> Config {
    Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.to_path_buf(),
        database_url: Some(database_url.to_string()),
        initial_root_password: Some(ROOT_PASSWORD.to_string()),
        ..Config::default()
    }
}

pub async fn start(config: Config) -> berth_server::Running {
    let listener = tokio::net::TcpListener::bind(config.listen).await.unwrap();
    berth_server::start(config, listener).await.expect("server starts")
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}
