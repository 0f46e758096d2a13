//! Real registry clients against the real server on a random port: skopeo (login, push,
//! pull, inspect, list-tags, delete, multi-platform with `--all` and `--override-arch`,
//! refused credentials) and podman/buildah where they can run in this sandbox. Every test
//! runs on SQLite, on PostgreSQL when `BERTH_TEST_POSTGRES_URL` is set, and on SQLite + S3
//! when `BERTH_TEST_S3_ENDPOINT` is set (required with `BERTH_TEST_REQUIRE_S3=1`).
//!
//! With `BERTH_TEST_REQUIRE_CLIENTS=1` a missing `skopeo` fails the tests instead of skipping
//! them. podman/buildah that are missing or cannot run (`podman info` fails, e.g. in a
//! sandbox without user namespaces) skip with the exact error printed, unless
//! `BERTH_TEST_REQUIRE_PODMAN=1`. The clients get a private HOME, auth file, policy,
//! registries.conf and vfs storage under the test's tempdir; nothing global is touched.

mod common;

use std::path::Path;

use common::oci_layout::{self, sha256_digest, Written};
use common::registry_clients::{client_installed, ok, refused, start_server, truncate, Clients, NO_TLS, REQUIRE_CLIENTS, REQUIRE_PODMAN};
use serde_json::Value;

// ---------------------------------------------------------------------------------------
// Servers

struct Server {
    backend: String,
    running: berth_server::Running,
    /// `127.0.0.1:<port>`: what image references and `login` use.
    host: String,
}

fn s3_endpoint() -> Option<String> {
    match std::env::var("BERTH_TEST_S3_ENDPOINT").ok().filter(|s| !s.is_empty()) {
        Some(endpoint) => Some(endpoint.trim_end_matches('/').to_string()),
        None => {
            if std::env::var("BERTH_TEST_REQUIRE_S3").as_deref() == Ok("1") {
                panic!("BERTH_TEST_REQUIRE_S3=1 but BERTH_TEST_S3_ENDPOINT is not set");
            }
            None
        }
    }
}

/// A fresh bucket on the test S3 server (moto accepts an unsigned CreateBucket).
async fn create_bucket(endpoint: &str) -> String {
    let bucket = format!("berth-clients-{}", uuid::Uuid::new_v4().simple());
    let response = reqwest::Client::new().put(format!("{endpoint}/{bucket}")).send().await.expect("create bucket");
    assert!(response.status().is_success(), "create bucket: {}", response.status());
    bucket
}

/// The private group `group` with the private project `project` that every test pushes
/// into (`group/project`, `group/project/<image>`), as pushes need an existing project.
async fn create_project(running: &berth_server::Running) {
    use berth_platform::model::{RegistryAccessLevel, Visibility};
    use berth_platform::namespaces::{create_group, NewGroup};
    use berth_platform::projects::{create_project, NewProject};
    let db = &running.state.db;
    let group = create_group(db, &NewGroup { parent_id: None, path: "group", name: "Group", visibility: Visibility::Private }, None)
        .await
        .expect("create group");
    let project = NewProject {
        namespace_id: group.id,
        path: "project",
        name: "Project",
        visibility: Visibility::Private,
        registry_access: RegistryAccessLevel::Private,
    };
    create_project(db, &project).await.expect("create project");
}

/// One server per backend: every metadata database with the filesystem store, plus
/// SQLite with the S3 store when an S3 endpoint is configured. Each has `group/project`.
async fn servers(dir: &Path) -> Vec<Server> {
    let mut out = Vec::new();
    for (backend, url) in berth_db::testing::test_database_urls(dir).await {
        let data = dir.join(format!("{backend}-data"));
        let running = start_server(&data, &url, None).await;
        create_project(&running).await;
        out.push(Server { backend: format!("{backend}+fs"), host: running.addr.to_string(), running });
    }
    if let Some(endpoint) = s3_endpoint() {
        let bucket = create_bucket(&endpoint).await;
        let data = dir.join("s3-data");
        let url = berth_db::Db::sqlite_url(&data.join("berth.db"));
        let running = start_server(&data, &url, Some((endpoint, bucket))).await;
        create_project(&running).await;
        out.push(Server { backend: "sqlite+s3".into(), host: running.addr.to_string(), running });
    }
    out
}

/// A bearer token for `scope` from the server's own token service, as root.
async fn token(server: &Server, scope: &str) -> String {
    let response = common::client()
        .get(format!("{}/jwt/auth", server.running.url()))
        .query(&[("service", "container_registry"), ("scope", scope)])
        .basic_auth("root", Some(common::ROOT_PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    body["token"].as_str().unwrap().to_string()
}

/// `GET /v2/<name>/manifests/<reference>` as root: status and body.
async fn get_manifest(server: &Server, name: &str, reference: &str) -> (u16, Vec<u8>) {
    let token = token(server, &format!("repository:{name}:pull")).await;
    let response = common::client()
        .get(format!("{}/v2/{name}/manifests/{reference}", server.running.url()))
        .bearer_auth(token)
        .header(
            "accept",
            "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, \
             application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json",
        )
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.bytes().await.unwrap().to_vec())
}

// ---------------------------------------------------------------------------------------
// Running client binaries

/// Byte equality, reported as digests and lengths rather than byte dumps.
#[track_caller]
fn same_bytes(actual: &[u8], expected: &[u8], context: &str) {
    assert!(
        actual == expected,
        "{context}: got {} bytes ({}), expected {} bytes ({}); got text: {}",
        actual.len(),
        sha256_digest(actual),
        expected.len(),
        sha256_digest(expected),
        truncate(&String::from_utf8_lossy(actual))
    );
}

/// Checks that a layout a client pulled holds exactly the image we built: same manifest
/// digest and bytes, same config, same layer bytes, and the layer unpacks to our files.
fn assert_pulled_image(pulled: &Written, tag: &str, image: &oci_layout::Image, context: &str) {
    let descriptor = pulled.tagged(tag);
    assert_eq!(descriptor["digest"], image.manifest.digest.as_str(), "{context}: pulled manifest digest");
    same_bytes(&pulled.blob(&image.manifest.digest), &image.manifest.bytes, &format!("{context}: manifest bytes"));
    same_bytes(&pulled.blob(&image.config.digest), &image.config.bytes, &format!("{context}: config bytes"));
    for layer in &image.layers {
        let bytes = pulled.blob(&layer.digest);
        assert_eq!(bytes.len() as u64, layer.size(), "{context}: layer size");
        same_bytes(&bytes, &layer.bytes, &format!("{context}: layer bytes"));
        assert_eq!(oci_layout::untar(&oci_layout::gunzip(&bytes)), image.files, "{context}: layer content");
    }
}

// ---------------------------------------------------------------------------------------
// skopeo

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skopeo_login_push_pull_inspect_list_tags_and_delete() {
    if !client_installed("skopeo", REQUIRE_CLIENTS) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for server in servers(dir.path()).await {
        let backend = server.backend.as_str();
        let work = dir.path().join(format!("{backend}-work"));
        let clients = Clients::new(&work.join("clients"), &[&server.host]);
        let authfile = clients.authfile.to_str().unwrap().to_string();
        let host = &server.host;

        // Log in; the auth file records the registry.
        let out = clients
            .skopeo(&["login", NO_TLS, "--authfile", &authfile, "--username", "root", "--password", common::ROOT_PASSWORD, host])
            .await;
        assert!(ok(&out, "skopeo login").contains("Login Succeeded"), "{backend}");
        let auth: Value = serde_json::from_slice(&std::fs::read(&clients.authfile).unwrap()).unwrap();
        assert!(auth["auths"][host.as_str()]["auth"].is_string(), "{backend}: {auth}");

        // Push a single-platform OCI image.
        let image = oci_layout::single_platform(&work.join("source"), "v1", "amd64");
        let manifest = &image.images[0];
        let target = format!("docker://{host}/group/project:v1");
        let digestfile = work.join("pushed.digest");
        let out = clients
            .skopeo(&[
                "copy",
                "--dest-tls-verify=false",
                "--authfile",
                &authfile,
                "--digestfile",
                digestfile.to_str().unwrap(),
                &image.reference(),
                &target,
            ])
            .await;
        ok(&out, "skopeo copy (push)");
        assert_eq!(std::fs::read_to_string(&digestfile).unwrap().trim(), image.top.digest, "{backend}: pushed digest");

        // The registry holds the manifest byte for byte.
        let (status, body) = get_manifest(&server, "group/project", "v1").await;
        assert_eq!(status, 200, "{backend}");
        same_bytes(&body, &image.top.bytes, &format!("{backend}: stored manifest bytes are the pushed bytes"));

        // inspect --raw gives the exact bytes; inspect gives the digest and the config.
        let out = clients.skopeo(&["inspect", NO_TLS, "--authfile", &authfile, "--raw", &target]).await;
        let raw = ok(&out, "skopeo inspect --raw");
        same_bytes(raw.as_bytes(), &image.top.bytes, &format!("{backend}: inspect --raw"));
        assert_eq!(sha256_digest(raw.as_bytes()), image.top.digest, "{backend}");
        let out = clients.skopeo(&["inspect", NO_TLS, "--authfile", &authfile, &target]).await;
        let inspected: Value = serde_json::from_str(&ok(&out, "skopeo inspect")).unwrap();
        assert_eq!(inspected["Digest"], image.top.digest.as_str(), "{backend}: {inspected}");
        assert_eq!(inspected["Architecture"], "amd64", "{backend}");
        assert_eq!(inspected["Os"], "linux", "{backend}");
        assert_eq!(inspected["Layers"], serde_json::json!([manifest.layers[0].digest]), "{backend}");
        assert_eq!(inspected["Labels"]["org.example.test"], "v1", "{backend}");
        let out = clients.skopeo(&["inspect", NO_TLS, "--authfile", &authfile, "--config", "--raw", &target]).await;
        same_bytes(ok(&out, "skopeo inspect --config --raw").as_bytes(), &manifest.config.bytes, &format!("{backend}: config bytes"));

        // By digest too.
        let by_digest = format!("docker://{host}/group/project@{}", image.top.digest);
        let out = clients.skopeo(&["inspect", NO_TLS, "--authfile", &authfile, "--raw", &by_digest]).await;
        same_bytes(ok(&out, "skopeo inspect by digest").as_bytes(), &image.top.bytes, backend);

        // A second tag via a registry-to-registry copy (blobs exist already), and a copy to a
        // three-level name in the same project (cross-repository mount or re-upload).
        let out = clients
            .skopeo(&[
                "copy",
                "--src-tls-verify=false",
                "--dest-tls-verify=false",
                "--authfile",
                &authfile,
                &target,
                &format!("docker://{host}/group/project:v2"),
            ])
            .await;
        ok(&out, "skopeo copy registry to registry (second tag)");
        let nested = format!("docker://{host}/group/project/app:latest");
        let out =
            clients.skopeo(&["copy", "--src-tls-verify=false", "--dest-tls-verify=false", "--authfile", &authfile, &target, &nested]).await;
        ok(&out, "skopeo copy to group/project/app");
        let out = clients.skopeo(&["inspect", NO_TLS, "--authfile", &authfile, "--raw", &nested]).await;
        same_bytes(ok(&out, "inspect nested").as_bytes(), &image.top.bytes, backend);

        // list-tags, in lexical order.
        let out = clients.skopeo(&["list-tags", NO_TLS, "--authfile", &authfile, &format!("docker://{host}/group/project")]).await;
        let tags: Value = serde_json::from_str(&ok(&out, "skopeo list-tags")).unwrap();
        assert_eq!(tags["Repository"], format!("{host}/group/project"), "{backend}");
        assert_eq!(tags["Tags"], serde_json::json!(["v1", "v2"]), "{backend}");

        // Pull back into a fresh layout: same digest, same bytes, same files.
        let pulled_dir = work.join("pulled");
        let out = clients
            .skopeo(&["copy", "--src-tls-verify=false", "--authfile", &authfile, &target, &format!("oci:{}:v1", pulled_dir.display())])
            .await;
        ok(&out, "skopeo copy (pull)");
        assert_pulled_image(&Written::open(&pulled_dir), "v1", manifest, backend);

        // Pull into the `dir:` transport as well (what `skopeo sync` uses).
        let dir_copy = work.join("dir-copy");
        let out = clients
            .skopeo(&[
                "copy",
                "--src-tls-verify=false",
                "--authfile",
                &authfile,
                &format!("docker://{host}/group/project:v2"),
                &format!("dir:{}", dir_copy.display()),
            ])
            .await;
        ok(&out, "skopeo copy to dir:");
        same_bytes(&std::fs::read(dir_copy.join("manifest.json")).unwrap(), &image.top.bytes, backend);
        let layer_hex = manifest.layers[0].digest.strip_prefix("sha256:").unwrap();
        same_bytes(&std::fs::read(dir_copy.join(layer_hex)).unwrap(), &manifest.layers[0].bytes, backend);

        // delete resolves the tag and deletes the manifest by digest: every tag pointing at
        // it goes, other repositories keep theirs.
        let out = clients.skopeo(&["delete", NO_TLS, "--authfile", &authfile, &target]).await;
        ok(&out, "skopeo delete");
        for gone in [&target, &format!("docker://{host}/group/project:v2"), &by_digest] {
            let out = clients.skopeo(&["inspect", NO_TLS, "--authfile", &authfile, "--raw", gone]).await;
            let stderr = refused(&out, &format!("inspect {gone} after delete"));
            assert!(stderr.contains("manifest unknown") || stderr.contains("not found"), "{backend}: {stderr}");
        }
        let (status, _) = get_manifest(&server, "group/project", &image.top.digest).await;
        assert_eq!(status, 404, "{backend}: deleted manifest is gone by digest");
        let out = clients.skopeo(&["list-tags", NO_TLS, "--authfile", &authfile, &format!("docker://{host}/group/project")]).await;
        if out.status.success() {
            let tags: Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(tags["Tags"], serde_json::json!([]), "{backend}: no tags left");
        }
        let out = clients.skopeo(&["inspect", NO_TLS, "--authfile", &authfile, "--raw", &nested]).await;
        same_bytes(ok(&out, "other repository keeps its tag").as_bytes(), &image.top.bytes, backend);

        // logout forgets the credentials.
        let out = clients.skopeo(&["logout", "--authfile", &authfile, host]).await;
        ok(&out, "skopeo logout");
        let out = clients.skopeo(&["inspect", NO_TLS, "--authfile", &authfile, "--raw", &nested]).await;
        refused(&out, "inspect after logout (anonymous)");

        server.running.stop().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skopeo_multi_platform_push_with_all_and_pull_one_platform() {
    if !client_installed("skopeo", REQUIRE_CLIENTS) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for server in servers(dir.path()).await {
        let backend = server.backend.as_str();
        let work = dir.path().join(format!("{backend}-work"));
        let clients = Clients::new(&work.join("clients"), &[&server.host]);
        let host = &server.host;
        let creds = format!("root:{}", common::ROOT_PASSWORD);

        let image = oci_layout::multi_platform(&work.join("source"), "multi");
        let amd64 = image.image("amd64");
        let arm64 = image.image("arm64");
        let target = format!("docker://{host}/group/project/multi:1.0");
        let out = clients.skopeo(&["copy", "--all", "--dest-tls-verify=false", "--dest-creds", &creds, &image.reference(), &target]).await;
        ok(&out, "skopeo copy --all (push index)");

        // The index and each platform manifest are stored exactly as pushed.
        let out = clients.skopeo(&["inspect", NO_TLS, "--creds", &creds, "--raw", &target]).await;
        let raw = ok(&out, "inspect --raw index");
        same_bytes(raw.as_bytes(), &image.top.bytes, &format!("{backend}: index bytes"));
        assert_eq!(sha256_digest(raw.as_bytes()), image.top.digest, "{backend}");
        for platform in [amd64, arm64] {
            let reference = format!("docker://{host}/group/project/multi@{}", platform.manifest.digest);
            let out = clients.skopeo(&["inspect", NO_TLS, "--creds", &creds, "--raw", &reference]).await;
            same_bytes(ok(&out, "inspect platform manifest").as_bytes(), &platform.manifest.bytes, backend);
        }

        // inspect picks the platform asked for.
        let out = clients.skopeo(&["--override-arch", "arm64", "inspect", NO_TLS, "--creds", &creds, &target]).await;
        let inspected: Value = serde_json::from_str(&ok(&out, "inspect --override-arch arm64")).unwrap();
        assert_eq!(inspected["Architecture"], "arm64", "{backend}: {inspected}");
        assert_eq!(inspected["Layers"], serde_json::json!([arm64.layers[0].digest]), "{backend}");
        let out = clients.skopeo(&["--override-arch", "amd64", "inspect", NO_TLS, "--creds", &creds, &target]).await;
        let inspected: Value = serde_json::from_str(&ok(&out, "inspect --override-arch amd64")).unwrap();
        assert_eq!(inspected["Architecture"], "amd64", "{backend}: {inspected}");
        assert_eq!(inspected["Layers"], serde_json::json!([amd64.layers[0].digest]), "{backend}");

        // Pull only arm64: the layout gets the arm64 manifest, not the index.
        let arm_dir = work.join("pulled-arm64");
        let out = clients
            .skopeo(&[
                "--override-arch",
                "arm64",
                "--override-variant",
                "v8",
                "copy",
                "--src-tls-verify=false",
                "--src-creds",
                &creds,
                &target,
                &format!("oci:{}:arm", arm_dir.display()),
            ])
            .await;
        ok(&out, "skopeo copy --override-arch arm64 (pull one platform)");
        let pulled = Written::open(&arm_dir);
        assert_pulled_image(&pulled, "arm", arm64, backend);
        let amd_layer_hex = amd64.layers[0].digest.strip_prefix("sha256:").unwrap();
        assert!(!arm_dir.join("blobs/sha256").join(amd_layer_hex).exists(), "{backend}: amd64 layer not pulled");

        // Pull everything: the index and both platforms.
        let all_dir = work.join("pulled-all");
        let out = clients
            .skopeo(&["copy", "--all", "--src-tls-verify=false", "--src-creds", &creds, &target, &format!("oci:{}:all", all_dir.display())])
            .await;
        ok(&out, "skopeo copy --all (pull index)");
        let pulled = Written::open(&all_dir);
        assert_eq!(pulled.tagged("all")["digest"], image.top.digest.as_str(), "{backend}");
        same_bytes(&pulled.blob(&image.top.digest), &image.top.bytes, backend);
        for platform in [amd64, arm64] {
            same_bytes(&pulled.blob(&platform.manifest.digest), &platform.manifest.bytes, backend);
            same_bytes(&pulled.blob(&platform.layers[0].digest), &platform.layers[0].bytes, backend);
            same_bytes(&pulled.blob(&platform.config.digest), &platform.config.bytes, backend);
        }

        // An index pushed to a repository that lacks its platform manifests is refused with
        // MANIFEST_UNKNOWN (the "parts pushed elsewhere" case), even though they exist in
        // another repository of the same project.
        let index_only = format!("docker://{host}/group/project/indexonly:1.0");
        let out = clients
            .skopeo(&[
                "copy",
                "--multi-arch",
                "index-only",
                "--dest-tls-verify=false",
                "--dest-creds",
                &creds,
                &image.reference(),
                &index_only,
            ])
            .await;
        if out.status.success() {
            panic!("{backend}: an index pushed without its manifests was accepted");
        }
        let stderr = String::from_utf8_lossy(&out.stderr).to_lowercase();
        assert!(stderr.contains("manifest unknown") || stderr.contains("manifest_unknown"), "{backend}: {stderr}");

        server.running.stop().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skopeo_docker_schema2_conversion_and_schema1_refusal() {
    if !client_installed("skopeo", REQUIRE_CLIENTS) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for server in servers(dir.path()).await {
        let backend = server.backend.as_str();
        let work = dir.path().join(format!("{backend}-work"));
        let clients = Clients::new(&work.join("clients"), &[&server.host]);
        let host = &server.host;
        let creds = format!("root:{}", common::ROOT_PASSWORD);
        let image = oci_layout::single_platform(&work.join("source"), "v1", "amd64");

        // skopeo converts the OCI manifest to a Docker schema 2 manifest; what the registry
        // serves hashes to the digest skopeo reports.
        let target = format!("docker://{host}/group/project/docker:v2s2");
        let digestfile = work.join("v2s2.digest");
        let out = clients
            .skopeo(&[
                "copy",
                "--format",
                "v2s2",
                "--dest-tls-verify=false",
                "--dest-creds",
                &creds,
                "--digestfile",
                digestfile.to_str().unwrap(),
                &image.reference(),
                &target,
            ])
            .await;
        ok(&out, "skopeo copy --format v2s2");
        let digest = std::fs::read_to_string(&digestfile).unwrap().trim().to_string();
        assert_ne!(digest, image.top.digest, "{backend}: converted manifest has its own digest");
        let out = clients.skopeo(&["inspect", NO_TLS, "--creds", &creds, "--raw", &target]).await;
        let raw = ok(&out, "inspect v2s2");
        assert_eq!(sha256_digest(raw.as_bytes()), digest, "{backend}");
        let manifest: Value = serde_json::from_str(&raw).unwrap();
        assert_eq!(manifest["mediaType"], "application/vnd.docker.distribution.manifest.v2+json", "{backend}");
        let pulled_dir = work.join("pulled");
        let out = clients
            .skopeo(&["copy", "--src-tls-verify=false", "--src-creds", &creds, &target, &format!("oci:{}:x", pulled_dir.display())])
            .await;
        ok(&out, "pull v2s2");
        let pulled = Written::open(&pulled_dir);
        let pulled_manifest = pulled.json(pulled.tagged("x")["digest"].as_str().unwrap());
        let layer_digest = pulled_manifest["layers"][0]["digest"].as_str().unwrap();
        same_bytes(&pulled.blob(layer_digest), &image.images[0].layers[0].bytes, &format!("{backend}: layer bytes survive conversion"));

        // Docker schema 1 is refused with a message that points to a newer client.
        let out = clients
            .skopeo(&[
                "copy",
                "--format",
                "v2s1",
                "--dest-tls-verify=false",
                "--dest-creds",
                &creds,
                &image.reference(),
                &format!("docker://{host}/group/project/old:v1"),
            ])
            .await;
        let stderr = refused(&out, "push of a schema 1 manifest");
        assert!(
            stderr.contains("manifest invalid") || stderr.contains("manifest_invalid") || stderr.contains("schema"),
            "{backend}: {stderr}"
        );
        let (status, _) = get_manifest(&server, "group/project/old", "v1").await;
        assert_eq!(status, 404, "{backend}: nothing stored for the refused schema 1 push");

        server.running.stop().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_credentials_and_anonymous_pushes_are_refused() {
    if !client_installed("skopeo", REQUIRE_CLIENTS) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for server in servers(dir.path()).await {
        let backend = server.backend.as_str();
        let work = dir.path().join(format!("{backend}-work"));
        let clients = Clients::new(&work.join("clients"), &[&server.host]);
        let authfile = clients.authfile.to_str().unwrap().to_string();
        let host = &server.host;

        for (user, password) in [("root", "not-the-password"), ("nobody", common::ROOT_PASSWORD)] {
            let out = clients.skopeo(&["login", NO_TLS, "--authfile", &authfile, "--username", user, "--password", password, host]).await;
            let stderr = refused(&out, &format!("login as {user} with a wrong password"));
            assert!(
                stderr.contains("401") || stderr.contains("unauthorized") || stderr.contains("invalid username"),
                "{backend}: {stderr}"
            );
            let saved = std::fs::read_to_string(&clients.authfile).unwrap_or_default();
            assert!(!saved.contains(host.as_str()), "{backend}: refused credentials are not saved: {saved}");
        }

        // A push with wrong credentials and one without any are refused, and store nothing.
        let image = oci_layout::single_platform(&work.join("source"), "v1", "amd64");
        let target = format!("docker://{host}/group/project:refused");
        let out = clients.skopeo(&["copy", "--dest-tls-verify=false", "--dest-creds", "root:wrong", &image.reference(), &target]).await;
        let stderr = refused(&out, "push with a wrong password");
        assert!(
            stderr.contains("401") || stderr.contains("unauthorized") || stderr.contains("authentication required"),
            "{backend}: {stderr}"
        );
        let out = clients
            .skopeo(&["copy", "--dest-tls-verify=false", "--authfile", &authfile, "--dest-no-creds", &image.reference(), &target])
            .await;
        let stderr = refused(&out, "anonymous push");
        assert!(
            stderr.contains("401")
                || stderr.contains("403")
                || stderr.contains("unauthorized")
                || stderr.contains("denied")
                || stderr.contains("authentication required"),
            "{backend}: {stderr}"
        );
        let (status, _) = get_manifest(&server, "group/project", "refused").await;
        assert_eq!(status, 404, "{backend}: refused pushes store no tag");

        server.running.stop().await.unwrap();
    }
}

// ---------------------------------------------------------------------------------------
// podman and buildah

/// Runs `podman info` in the isolated environment; `Err` with the exact error when podman
/// cannot run in this sandbox.
async fn podman_usable(clients: &Clients) -> Result<(), String> {
    let out = clients.run("podman", &["info", "--format", "{{.Store.GraphDriverName}}"]).await;
    if !out.status.success() {
        return Err(format!("`podman info` failed ({}): {}", out.status, String::from_utf8_lossy(&out.stderr).trim()));
    }
    let out = clients.run("buildah", &["info"]).await;
    if !out.status.success() {
        return Err(format!("`buildah info` failed ({}): {}", out.status, String::from_utf8_lossy(&out.stderr).trim()));
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn podman_and_buildah_push_and_pull() {
    let have_podman = client_installed("podman", REQUIRE_PODMAN);
    let have_buildah = client_installed("buildah", REQUIRE_PODMAN);
    let have_skopeo = client_installed("skopeo", REQUIRE_CLIENTS);
    if !(have_podman && have_buildah && have_skopeo) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for server in servers(dir.path()).await {
        let backend = server.backend.as_str();
        let work = dir.path().join(format!("{backend}-work"));
        let clients = Clients::new(&work.join("clients"), &[&server.host]);
        if let Err(reason) = podman_usable(&clients).await {
            if std::env::var(REQUIRE_PODMAN).as_deref() == Ok("1") {
                panic!("{REQUIRE_PODMAN}=1 but podman cannot run here: {reason}");
            }
            eprintln!("SKIPPED podman/buildah on {backend}: podman cannot run in this sandbox: {reason}");
            server.running.stop().await.unwrap();
            return;
        }
        let authfile = clients.authfile.to_str().unwrap().to_string();
        let host = &server.host;
        let policy = clients.policy.to_str().unwrap().to_string();

        // podman login / wrong password refused.
        let out =
            clients.run("podman", &["login", NO_TLS, "--authfile", &authfile, "--username", "root", "--password", "wrong", host]).await;
        refused(&out, "podman login with a wrong password");
        let out = clients
            .run("podman", &["login", NO_TLS, "--authfile", &authfile, "--username", "root", "--password", common::ROOT_PASSWORD, host])
            .await;
        assert!(ok(&out, "podman login").contains("Login Succeeded"), "{backend}");

        // podman: load our OCI layout into local storage, push it, pull it back.
        let image = oci_layout::single_platform(&work.join("source"), "v1", "amd64");
        // (`podman pull oci:<dir>` names the image after the directory, which in a tempdir has
        // upper-case letters and is refused; skopeo copies into the same local storage.)
        let local = "containers-storage:localhost/berth-test/source:v1";
        ok(&clients.skopeo(&["copy", &image.reference(), local]).await, "skopeo copy oci: -> containers-storage:");
        let remote = format!("{host}/group/project/podman:v1");
        ok(&clients.run("podman", &["tag", "localhost/berth-test/source:v1", &remote]).await, "podman tag");
        let digestfile = work.join("podman.digest");
        let out = clients
            .run(
                "podman",
                &[
                    "push",
                    NO_TLS,
                    "--authfile",
                    &authfile,
                    "--signature-policy",
                    &policy,
                    "--digestfile",
                    digestfile.to_str().unwrap(),
                    &remote,
                ],
            )
            .await;
        ok(&out, "podman push");
        let pushed = std::fs::read_to_string(&digestfile).unwrap().trim().to_string();
        let (status, body) = get_manifest(&server, "group/project/podman", "v1").await;
        assert_eq!(status, 200, "{backend}");
        assert_eq!(sha256_digest(&body), pushed, "{backend}: served manifest hashes to podman's digest");
        let manifest: Value = serde_json::from_slice(&body).unwrap();
        // podman may recompress the layer from local storage; its uncompressed content must be ours.
        let layer_digest = manifest["layers"][0]["digest"].as_str().unwrap().to_string();
        let layer = blob(&server, "group/project/podman", &layer_digest).await;
        assert_eq!(sha256_digest(&layer), layer_digest, "{backend}");
        let files = oci_layout::untar(&oci_layout::gunzip(&layer));
        for (name, content) in &image.images[0].files {
            assert!(files.iter().any(|(n, c)| n == name && c == content), "{backend}: {name} in the pushed layer");
        }

        ok(&clients.run("podman", &["rmi", "--all", "--force"]).await, "podman rmi");
        let out = clients.run("podman", &["pull", NO_TLS, "--authfile", &authfile, "--signature-policy", &policy, &remote]).await;
        ok(&out, "podman pull");
        let out = clients.run("podman", &["image", "inspect", &remote]).await;
        let inspected: Value = serde_json::from_str(&ok(&out, "podman image inspect")).unwrap();
        assert_eq!(inspected[0]["Digest"], pushed.as_str(), "{backend}: pulled digest is the pushed one: {inspected}");
        assert_eq!(inspected[0]["Architecture"], "amd64", "{backend}");

        // buildah: an image from scratch with a file, committed and pushed.
        let out = clients.run("buildah", &["from", "--signature-policy", &policy, "scratch"]).await;
        let container = ok(&out, "buildah from scratch").trim().to_string();
        let payload = work.join("payload.txt");
        std::fs::write(&payload, format!("built by buildah for {backend}\n")).unwrap();
        ok(&clients.run("buildah", &["copy", &container, payload.to_str().unwrap(), "/payload.txt"]).await, "buildah copy");
        ok(&clients.run("buildah", &["config", "--label", "org.example.built-by=buildah", &container]).await, "buildah config");
        let out = clients.run("buildah", &["commit", "--signature-policy", &policy, &container, "berth-buildah-test"]).await;
        ok(&out, "buildah commit");
        let remote = format!("{host}/group/project/buildah:v1");
        let digestfile = work.join("buildah.digest");
        let out = clients
            .run(
                "buildah",
                &[
                    "push",
                    NO_TLS,
                    "--authfile",
                    &authfile,
                    "--signature-policy",
                    &policy,
                    "--digestfile",
                    digestfile.to_str().unwrap(),
                    "berth-buildah-test",
                    &format!("docker://{remote}"),
                ],
            )
            .await;
        ok(&out, "buildah push");
        let pushed = std::fs::read_to_string(&digestfile).unwrap().trim().to_string();
        let out = clients.skopeo(&["inspect", NO_TLS, "--authfile", &authfile, &format!("docker://{remote}")]).await;
        let inspected: Value = serde_json::from_str(&ok(&out, "skopeo inspect buildah image")).unwrap();
        assert_eq!(inspected["Digest"], pushed.as_str(), "{backend}");
        assert_eq!(inspected["Labels"]["org.example.built-by"], "buildah", "{backend}");
        let layer_digest = inspected["Layers"][0].as_str().unwrap().to_string();
        let layer = blob(&server, "group/project/buildah", &layer_digest).await;
        let files = oci_layout::untar(&decompress(&layer));
        assert!(
            files.iter().any(|(n, c)| n == "payload.txt" && *c == std::fs::read(&payload).unwrap()),
            "{backend}: buildah's layer carries payload.txt: {:?}",
            files.iter().map(|(n, _)| n).collect::<Vec<_>>()
        );

        // buildah pulls it back into a fresh container.
        ok(&clients.run("buildah", &["rm", "--all"]).await, "buildah rm");
        ok(&clients.run("buildah", &["rmi", "--all", "--force"]).await, "buildah rmi");
        let out = clients
            .run("buildah", &["from", NO_TLS, "--authfile", &authfile, "--signature-policy", &policy, &format!("docker://{remote}")])
            .await;
        ok(&out, "buildah from (pull)");
        let out = clients.run("buildah", &["images", "--digests", "--format", "{{.Digest}}"]).await;
        assert!(ok(&out, "buildah images").contains(&pushed), "{backend}: buildah pulled the pushed digest");

        server.running.stop().await.unwrap();
    }
}

/// `GET /v2/<name>/blobs/<digest>` as root.
async fn blob(server: &Server, name: &str, digest: &str) -> Vec<u8> {
    let token = token(server, &format!("repository:{name}:pull")).await;
    let response =
        common::client().get(format!("{}/v2/{name}/blobs/{digest}", server.running.url())).bearer_auth(token).send().await.unwrap();
    assert_eq!(response.status(), 200, "GET blob {digest}");
    response.bytes().await.unwrap().to_vec()
}

/// gzip'd or plain tar.
fn decompress(bytes: &[u8]) -> Vec<u8> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        oci_layout::gunzip(bytes)
    } else {
        bytes.to_vec()
    }
}
