//! One configuration struct, layered: built-in defaults → TOML file (`--config`) →
//! `BERTH_*` environment variables → command-line flags.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};
use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum, Default)]
#[serde(rename_all = "lowercase")]
pub enum StorageDriver {
    #[default]
    Filesystem,
    S3,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Address and port to listen on.
    pub listen: SocketAddr,
    /// The URL people and registry clients use to reach Berth; defaults to `http://<listen>`.
    pub external_url: Option<String>,
    /// Where the SQLite database, blob files and the token signing key live.
    pub data_dir: PathBuf,
    /// `sqlite://...` or `postgres://...`; defaults to `<data_dir>/berth.db`.
    pub database_url: Option<String>,
    pub storage_driver: StorageDriver,
    /// Root of the filesystem blob store; defaults to `<data_dir>/storage`.
    pub storage_path: Option<PathBuf>,
    pub s3_endpoint: Option<String>,
    pub s3_bucket: Option<String>,
    pub s3_region: String,
    pub s3_access_key_id: Option<String>,
    pub s3_secret_access_key: Option<String>,
    pub log_format: LogFormat,
    /// Password for `root` on first start; generated (and printed once) when absent.
    pub initial_root_password: Option<String>,
    /// A personal access token of `root` with every scope, created on first start (for
    /// automation); never printed.
    pub initial_root_token: Option<String>,
    /// Whether registry clients may log in with a web password (otherwise tokens only).
    pub registry_password_auth: bool,
    /// Lifetime of registry bearer tokens, seconds.
    pub registry_token_lifetime_secs: u64,
    /// Upload sessions idle for longer than this are purged, seconds.
    pub upload_stale_after_secs: u64,
    /// Garbage collection: how long an unreferenced blob or manifest waits in the review
    /// queue before it is deleted, seconds (0 = at the next worker run).
    pub gc_review_delay_secs: u64,
    /// Garbage collection: seconds between online worker runs (0 = no online worker).
    pub gc_interval_secs: u64,
    /// Cleanup policies: seconds between looks for due policies (0 = policies never run).
    pub cleanup_interval_secs: u64,
    /// Cleanup policies: tags one run of one policy deletes at most; the rest waits for the
    /// next look.
    pub cleanup_max_tags_per_run: u64,
    /// Cleanup policies: seconds one run of one policy may take at most.
    pub cleanup_max_run_secs: u64,
    /// Reverse proxies and load balancers whose `X-Forwarded-For` names the client (comma-
    /// separated addresses or networks); empty: the connection's peer is the client.
    pub trusted_proxies: String,
    /// A file whose content (at least 32 random bytes) seals the registry token signing keys
    /// kept in the database; every node needs the same file. Defaults to
    /// `<data_dir>/token-key-secret`, created on first start.
    pub token_key_file: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8080".parse().expect("valid default address"),
            external_url: None,
            data_dir: PathBuf::from("./data"),
            database_url: None,
            storage_driver: StorageDriver::Filesystem,
            storage_path: None,
            s3_endpoint: None,
            s3_bucket: None,
            s3_region: "us-east-1".into(),
            s3_access_key_id: None,
            s3_secret_access_key: None,
            log_format: LogFormat::Text,
            initial_root_password: None,
            initial_root_token: None,
            registry_password_auth: true,
            registry_token_lifetime_secs: 300,
            upload_stale_after_secs: 24 * 60 * 60,
            gc_review_delay_secs: 24 * 60 * 60,
            gc_interval_secs: 60,
            cleanup_interval_secs: 60,
            cleanup_max_tags_per_run: 200,
            cleanup_max_run_secs: 250,
            trusted_proxies: String::new(),
            token_key_file: None,
        }
    }
}

impl Config {
    pub fn external_url(&self) -> String {
        self.external_url.clone().unwrap_or_else(|| format!("http://{}", self.listen)).trim_end_matches('/').to_string()
    }

    /// `host[:port]` of the external URL: what `docker login` and image paths use.
    pub fn registry_host(&self) -> String {
        let url = self.external_url();
        let without_scheme = url.split_once("://").map(|(_, rest)| rest).unwrap_or(&url);
        without_scheme.split('/').next().unwrap_or(without_scheme).to_string()
    }

    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| berth_db::Db::sqlite_url(&self.data_dir.join("berth.db")))
    }

    pub fn storage_path(&self) -> PathBuf {
        self.storage_path.clone().unwrap_or_else(|| self.data_dir.join("storage"))
    }

    /// The bounds of one cleanup policy run.
    pub fn cleanup_limits(&self) -> berth_platform::container_registry::cleanup::RunLimits {
        berth_platform::container_registry::cleanup::RunLimits {
            max_tags: usize::try_from(self.cleanup_max_tags_per_run).unwrap_or(usize::MAX),
            max_duration: std::time::Duration::from_secs(self.cleanup_max_run_secs),
        }
    }

    /// The per-node key file of earlier versions; imported into the database once.
    pub fn signing_key_path(&self) -> PathBuf {
        self.data_dir.join("registry-token-key.pem")
    }

    pub fn token_key_file(&self) -> PathBuf {
        self.token_key_file.clone().unwrap_or_else(|| self.default_token_key_file())
    }

    pub fn default_token_key_file(&self) -> PathBuf {
        self.data_dir.join("token-key-secret")
    }

    /// Layers defaults, the TOML file, the environment and the flags, in that order.
    pub fn load(config_file: Option<&Path>, flags: &ServeFlags) -> Result<Config, Box<figment::Error>> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = config_file {
            figment = figment.merge(Toml::file_exact(path));
        }
        figment = figment.merge(Env::prefixed("BERTH_").ignore(&["CONFIG"])).merge(Serialized::defaults(flags));
        figment.extract().map_err(Box::new)
    }
}

#[derive(Debug, Parser)]
#[command(name = "berth", version, about = "A self-hosted container image registry")]
pub struct Cli {
    /// A TOML configuration file (its keys are the long flag names with `_`).
    #[arg(long, global = true, env = "BERTH_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run Berth: registry, token service, REST API and web UI on one port.
    Serve(ServeFlags),
    /// Offline garbage collection: mark-and-sweep over the database and blob storage. Stop
    /// Berth (or keep it from accepting pushes) while it runs.
    Gc(GcFlags),
    /// Adds a new registry token signing key; every node signs with it within 30 s, and the
    /// old keys keep verifying until the tokens they signed have expired. Safe while running.
    RotateTokenKey(KeyFlags),
}

/// Flags of `berth rotate-token-key`: where the database and the token key secret are.
#[derive(Debug, Default, Args)]
pub struct KeyFlags {
    /// Data directory [default: ./data]
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Metadata database URL: sqlite://… or postgres://… [default: <data-dir>/berth.db]
    #[arg(long)]
    pub database_url: Option<String>,
    /// The token key secret file [default: <data-dir>/token-key-secret]
    #[arg(long)]
    pub token_key_file: Option<PathBuf>,
}

impl KeyFlags {
    pub fn as_serve_flags(&self) -> ServeFlags {
        ServeFlags {
            data_dir: self.data_dir.clone(),
            database_url: self.database_url.clone(),
            token_key_file: self.token_key_file.clone(),
            ..ServeFlags::default()
        }
    }
}

/// Flags of `berth gc`: where the data is (same keys as `serve`), and `--dry-run`.
#[derive(Debug, Default, Args)]
pub struct GcFlags {
    /// List what would be deleted and how many bytes it frees, change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Data directory [default: ./data]
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Metadata database URL: sqlite://… or postgres://… [default: <data-dir>/berth.db]
    #[arg(long)]
    pub database_url: Option<String>,
    /// Blob storage driver [default: filesystem]
    #[arg(long, value_enum)]
    pub storage_driver: Option<StorageDriver>,
    /// Filesystem blob store root [default: <data-dir>/storage]
    #[arg(long)]
    pub storage_path: Option<PathBuf>,
    /// S3 endpoint URL, for S3-compatible servers
    #[arg(long)]
    pub s3_endpoint: Option<String>,
    /// S3 bucket
    #[arg(long)]
    pub s3_bucket: Option<String>,
}

impl GcFlags {
    /// The same layering as `serve`: these flags override file and environment.
    pub fn as_serve_flags(&self) -> ServeFlags {
        ServeFlags {
            data_dir: self.data_dir.clone(),
            database_url: self.database_url.clone(),
            storage_driver: self.storage_driver,
            storage_path: self.storage_path.clone(),
            s3_endpoint: self.s3_endpoint.clone(),
            s3_bucket: self.s3_bucket.clone(),
            ..ServeFlags::default()
        }
    }
}

/// Flags override everything else; only the ones given are applied.
#[derive(Debug, Default, Args, Serialize)]
pub struct ServeFlags {
    /// Address to listen on [default: 127.0.0.1:8080]
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<SocketAddr>,
    /// The URL clients use to reach Berth [default: http://<listen>]
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_url: Option<String>,
    /// Data directory [default: ./data]
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    /// Metadata database URL: sqlite://… or postgres://… [default: <data-dir>/berth.db]
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    /// Blob storage driver [default: filesystem]
    #[arg(long, value_enum)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage_driver: Option<StorageDriver>,
    /// Filesystem blob store root [default: <data-dir>/storage]
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage_path: Option<PathBuf>,
    /// S3 endpoint URL, for S3-compatible servers
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s3_endpoint: Option<String>,
    /// S3 bucket
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s3_bucket: Option<String>,
    /// Log format [default: text]
    #[arg(long, value_enum)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_format: Option<LogFormat>,
    /// The secret that seals the token signing keys in the database; the same file on every
    /// node [default: <data-dir>/token-key-secret, created on first start]
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_key_file: Option<PathBuf>,
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment::Jail closures return figment::Error, large by design
mod tests {
    use super::*;
    use figment::Jail;

    #[test]
    fn layers_apply_in_order_defaults_file_env_flags() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "berth.toml",
                "listen = \"127.0.0.1:9000\"\ndata_dir = \"/from/file\"\nexternal_url = \"https://file.example\"\n",
            )?;
            jail.set_env("BERTH_DATA_DIR", "/from/env");
            jail.set_env("BERTH_EXTERNAL_URL", "https://env.example/");
            let flags = ServeFlags { external_url: Some("https://flag.example".into()), ..Default::default() };
            let config = Config::load(Some(Path::new("berth.toml")), &flags).map_err(|e| *e)?;
            assert_eq!(config.listen, "127.0.0.1:9000".parse().unwrap(), "file beats default");
            assert_eq!(config.data_dir, PathBuf::from("/from/env"), "env beats file");
            assert_eq!(config.external_url(), "https://flag.example", "flag beats env");
            assert_eq!(config.registry_host(), "flag.example");
            assert_eq!(config.log_format, LogFormat::Text, "default kept");
            Ok(())
        });
    }

    #[test]
    fn defaults_derive_paths_from_the_data_dir() {
        let config = Config::default();
        assert_eq!(config.external_url(), "http://127.0.0.1:8080");
        assert_eq!(config.registry_host(), "127.0.0.1:8080");
        assert!(config.database_url().starts_with("sqlite://./data/berth.db"));
        assert_eq!(config.storage_path(), PathBuf::from("./data/storage"));
    }

    #[test]
    fn cleanup_settings_have_the_spec_defaults_and_can_be_set() {
        let config = Config::default();
        assert_eq!((config.cleanup_interval_secs, config.cleanup_max_tags_per_run, config.cleanup_max_run_secs), (60, 200, 250));
        assert_eq!(config.cleanup_limits(), berth_platform::container_registry::cleanup::RunLimits::default());
        Jail::expect_with(|jail| {
            jail.create_file("berth.toml", "cleanup_interval_secs = 0\ncleanup_max_tags_per_run = 20\n")?;
            jail.set_env("BERTH_CLEANUP_MAX_RUN_SECS", "30");
            let config = Config::load(Some(Path::new("berth.toml")), &ServeFlags::default()).map_err(|e| *e)?;
            assert_eq!(config.cleanup_interval_secs, 0, "0 switches the scheduler off");
            let limits = config.cleanup_limits();
            assert_eq!((limits.max_tags, limits.max_duration.as_secs()), (20, 30));
            jail.set_env("BERTH_CLEANUP_MAX_TAGS_PER_RUN", "-1");
            let err = Config::load(None, &ServeFlags::default()).unwrap_err();
            assert!(err.to_string().to_lowercase().contains("cleanup_max_tags_per_run"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn a_missing_config_file_is_an_error() {
        let err = Config::load(Some(Path::new("/nonexistent/berth.toml")), &ServeFlags::default());
        assert!(err.is_err());
    }

    #[test]
    fn a_bad_value_is_an_error_naming_the_key() {
        Jail::expect_with(|jail| {
            jail.set_env("BERTH_LISTEN", "not-an-address");
            let err = Config::load(None, &ServeFlags::default()).unwrap_err();
            assert!(err.to_string().to_lowercase().contains("listen"), "{err}");
            Ok(())
        });
    }
}
