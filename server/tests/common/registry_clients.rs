//! Running real registry clients (skopeo, podman, buildah) against a test server, each in an
//! isolated environment, and the server setup they need.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use berth_server::config::StorageDriver;

/// A server whose external URL is the address it really listens on, so that the token
/// realm it advertises in `WWW-Authenticate` is reachable by the clients.
pub async fn start_server(data: &Path, database_url: &str, s3_bucket: Option<(String, String)>) -> berth_server::Running {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut config = super::config(data, database_url);
    config.listen = addr;
    config.external_url = Some(format!("http://{addr}"));
    if let Some((endpoint, bucket)) = s3_bucket {
        config.storage_driver = StorageDriver::S3;
        config.s3_endpoint = Some(endpoint);
        config.s3_bucket = Some(bucket);
        config.s3_access_key_id = Some("testing".into());
        config.s3_secret_access_key = Some("testing".into());
    }
    berth_server::start(config, listener).await.expect("server starts")
}

/// Whether `binary` is installed; when the environment variable `require` is `1`, a missing
/// one fails the test instead of skipping it.
pub fn client_installed(binary: &str, require: &str) -> bool {
    client_installed_checked_by(binary, "--version", require)
}

/// As [`client_installed`], for tools whose version flag is not `--version` (haproxy's is `-v`).
pub fn client_installed_checked_by(binary: &str, version_flag: &str, require: &str) -> bool {
    let found = std::process::Command::new(binary).arg(version_flag).output().map(|o| o.status.success()).unwrap_or(false);
    if !found {
        if std::env::var(require).as_deref() == Ok("1") {
            panic!("{require}=1 but `{binary}` is not installed or does not run");
        }
        eprintln!("SKIPPED: `{binary}` is not installed (set {require}=1 to fail instead)");
    }
    found
}

pub const REQUIRE_CLIENTS: &str = "BERTH_TEST_REQUIRE_CLIENTS";
pub const REQUIRE_PODMAN: &str = "BERTH_TEST_REQUIRE_PODMAN";

/// An isolated client environment: HOME, auth file, policy, registries.conf and storage
/// all under a temporary directory, so nothing global is read or written.
pub struct Clients {
    pub root: PathBuf,
    pub authfile: PathBuf,
    pub policy: PathBuf,
}

impl Clients {
    pub fn new(root: &Path, registry_hosts: &[&str]) -> Clients {
        std::fs::create_dir_all(root.join("home")).unwrap();
        std::fs::create_dir_all(root.join("run")).unwrap();
        std::fs::create_dir_all(root.join("tmp")).unwrap();
        let policy = root.join("policy.json");
        std::fs::write(&policy, r#"{"default":[{"type":"insecureAcceptAnything"}]}"#).unwrap();
        let mut registries = String::from("unqualified-search-registries = []\nshort-name-mode = \"disabled\"\n");
        for host in registry_hosts {
            registries.push_str(&format!("\n[[registry]]\nlocation = \"{host}\"\ninsecure = true\n"));
        }
        std::fs::write(root.join("registries.conf"), registries).unwrap();
        std::fs::write(
            root.join("storage.conf"),
            format!(
                "[storage]\ndriver = \"vfs\"\ngraphroot = \"{}\"\nrunroot = \"{}\"\n",
                root.join("storage").display(),
                root.join("storage-run").display()
            ),
        )
        .unwrap();
        std::fs::write(root.join("containers.conf"), "[engine]\ncgroup_manager = \"cgroupfs\"\nevents_logger = \"file\"\n[containers]\n")
            .unwrap();
        Clients { root: root.to_path_buf(), authfile: root.join("auth.json"), policy }
    }

    pub fn command(&self, program: &str) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(program);
        command
            .env("HOME", self.root.join("home"))
            .env("XDG_RUNTIME_DIR", self.root.join("run"))
            .env("XDG_CONFIG_HOME", self.root.join("home/.config"))
            .env("TMPDIR", self.root.join("tmp"))
            .env("REGISTRY_AUTH_FILE", &self.authfile)
            .env("CONTAINERS_REGISTRIES_CONF", self.root.join("registries.conf"))
            .env("CONTAINERS_STORAGE_CONF", self.root.join("storage.conf"))
            .env("CONTAINERS_CONF", self.root.join("containers.conf"))
            .kill_on_drop(true);
        command
    }

    /// `skopeo` with the policy in the tempdir and, first, the given global options.
    pub async fn skopeo(&self, args: &[&str]) -> Output {
        let policy = self.policy.to_str().unwrap().to_string();
        let mut full: Vec<&str> = vec!["--policy", &policy];
        full.extend_from_slice(args);
        self.run("skopeo", &full).await
    }

    pub async fn run(&self, program: &str, args: &[&str]) -> Output {
        let output = self.command(program).args(args).output().await.unwrap_or_else(|e| panic!("{program}: {e}"));
        eprintln!(
            "$ {program} {}\n  -> {}\n  stdout: {}\n  stderr: {}",
            args.join(" "),
            output.status,
            truncate(&String::from_utf8_lossy(&output.stdout)),
            truncate(&String::from_utf8_lossy(&output.stderr))
        );
        output
    }
}

pub fn truncate(text: &str) -> String {
    let text = text.trim();
    if text.len() > 1500 {
        format!("{}…", &text[..text.char_indices().nth(1500).map(|(i, _)| i).unwrap_or(text.len())])
    } else {
        text.to_string()
    }
}

pub fn ok(output: &Output, what: &str) -> String {
    assert!(
        output.status.success(),
        "{what} failed ({}):\nstdout: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).to_string()
}

pub fn refused(output: &Output, what: &str) -> String {
    assert!(
        !output.status.success(),
        "{what} should have been refused but succeeded:\nstdout: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    String::from_utf8_lossy(&output.stderr).to_lowercase()
}

pub const NO_TLS: &str = "--tls-verify=false";
