//! Three real `berth serve` processes on one PostgreSQL database and one S3 bucket, behind
//! Debian's haproxy balancing round-robin per request, used the way clients use a registry:
//! skopeo pushes and pulls through the balancer, chunked uploads whose requests reach the
//! nodes in different orders, a web session signed in on one node and used on the others,
//! and one node killed with SIGKILL in the middle of a push while the others keep serving.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::registry_clients::{client_installed, client_installed_checked_by, ok, Clients, REQUIRE_CLIENTS};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;

const ROOT_TOKEN: &str = "glpat-scale-out-root-token-0123456789";
const PROJECT: &str = "fleet/app";

struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

struct Backends {
    database_url: String,
    s3_endpoint: String,
    bucket: String,
    secret_file: PathBuf,
    balancer: String,
}

async fn wait_ready(url: &str) {
    let client = common::client();
    for _ in 0..300 {
        if client.get(format!("{url}/-/ready")).send().await.is_ok_and(|r| r.status() == 200) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{url} did not become ready");
}

/// A node with its own (otherwise empty) data directory: everything it shares with the
/// others is in the database, the bucket and the secret file.
async fn start_node(name: &str, root: &Path, backends: &Backends) -> (Process, String) {
    let port = free_port();
    let data = root.join(name);
    std::fs::create_dir_all(&data).unwrap();
    let log = std::fs::File::create(root.join(format!("{name}.log"))).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_berth"))
        .arg("serve")
        .env("BERTH_LISTEN", format!("127.0.0.1:{port}"))
        .env("BERTH_EXTERNAL_URL", &backends.balancer)
        .env("BERTH_DATA_DIR", &data)
        .env("BERTH_DATABASE_URL", &backends.database_url)
        .env("BERTH_STORAGE_DRIVER", "s3")
        .env("BERTH_S3_ENDPOINT", &backends.s3_endpoint)
        .env("BERTH_S3_BUCKET", &backends.bucket)
        .env("BERTH_S3_ACCESS_KEY_ID", "testing")
        .env("BERTH_S3_SECRET_ACCESS_KEY", "testing")
        .env("BERTH_TOKEN_KEY_FILE", &backends.secret_file)
        .env("BERTH_TRUSTED_PROXIES", "127.0.0.1")
        .env("BERTH_INITIAL_ROOT_PASSWORD", common::ROOT_PASSWORD)
        .env("BERTH_INITIAL_ROOT_TOKEN", ROOT_TOKEN)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("berth starts");
    let url = format!("http://127.0.0.1:{port}");
    let process = Process(child);
    wait_ready(&url).await;
    (process, url)
}

/// haproxy in the foreground, round-robin per request, health-checking `/-/ready`; every
/// response names the node that served it (`X-Berth-Node`), so the test can tell.
fn start_haproxy(root: &Path, port: u16, nodes: &[(&str, &str)]) -> Process {
    let servers: String = nodes
        .iter()
        .map(|(name, url)| format!("  server {name} {} check inter 300ms fall 1 rise 2\n", url.trim_start_matches("http://")))
        .collect();
    let config = format!(
        "global\n  maxconn 512\n\
         defaults\n  mode http\n  timeout connect 2s\n  timeout client 120s\n  timeout server 120s\n  retries 3\n  option redispatch\n\
         frontend registry\n  bind 127.0.0.1:{port}\n  default_backend nodes\n\
         backend nodes\n  balance roundrobin\n  option httpchk GET /-/ready\n  http-response set-header X-Berth-Node %s\n{servers}"
    );
    let path = root.join("haproxy.cfg");
    std::fs::write(&path, config).unwrap();
    let log = std::fs::File::create(root.join("haproxy.log")).unwrap();
    let child = Command::new("haproxy").arg("-db").arg("-f").arg(&path).stdout(Stdio::null()).stderr(log).spawn().expect("haproxy starts");
    Process(child)
}

async fn registry_token(url: &str, scope: &str) -> String {
    let r = common::client()
        .get(format!("{url}/jwt/auth"))
        .query(&[("service", "container_registry"), ("scope", scope)])
        .basic_auth("root", Some(ROOT_TOKEN))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "token from {url}");
    let body: Value = r.json().await.unwrap();
    format!("Bearer {}", body["token"].as_str().unwrap())
}

async fn api(url: &str, method: reqwest::Method, path: &str, body: Value) -> Value {
    let r = common::client()
        .request(method, format!("{url}/api/v4{path}"))
        .header("PRIVATE-TOKEN", ROOT_TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    assert!(status.is_success(), "{path}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

fn sha256(bytes: &[u8]) -> String {
    common::oci_layout::sha256_digest(bytes)
}

/// One chunked upload whose requests go to `order`'s nodes in turn: POST to the first, a
/// PATCH per middle entry, the closing PUT (with the last chunk) to the last.
async fn chunked_upload(nodes: &[(&str, String)], order: &[&str], bearer: &str, content: &[u8]) -> String {
    let client = common::client();
    let url_of = |name: &str| nodes.iter().find(|(n, _)| *n == name).unwrap().1.clone();
    let digest = sha256(content);
    let pieces = order.len() - 1;
    let chunk = content.len().div_ceil(pieces);
    let started =
        client.post(format!("{}/v2/{PROJECT}/blobs/uploads/", url_of(order[0]))).header("Authorization", bearer).send().await.unwrap();
    assert_eq!(started.status(), 202, "{order:?}: start");
    let mut location = started.headers()["location"].to_str().unwrap().to_string();
    let path_of = |location: &str| location.trim_start_matches("http://").split_once('/').map(|(_, p)| format!("/{p}")).unwrap();
    if location.starts_with("http") {
        location = path_of(&location);
    }
    let mut offset = 0usize;
    for (i, node) in order[1..].iter().enumerate() {
        let end = (offset + chunk).min(content.len());
        let url = format!("{}{location}", url_of(node));
        if i + 1 < pieces {
            // Another node than the one that took the last chunk answers the status first.
            let status = client.get(&url).header("Authorization", bearer).send().await.unwrap();
            assert_eq!(status.status(), 204, "{order:?}: status before chunk {i}");
            // `0-0` for an empty upload, as distribution answers.
            let expected_range = format!("0-{}", offset.saturating_sub(1));
            assert_eq!(status.headers()["range"].to_str().unwrap(), expected_range, "{order:?}: range before chunk {i}");
            let r = client
                .patch(&url)
                .header("Authorization", bearer)
                .header("Content-Type", "application/octet-stream")
                .header("Content-Range", format!("{offset}-{}", end - 1))
                .body(content[offset..end].to_vec())
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 202, "{order:?}: chunk {i} on {node}: {}", r.text().await.unwrap());
            let next = r.headers()["location"].to_str().unwrap().to_string();
            location = if next.starts_with("http") { path_of(&next) } else { next };
        } else {
            let sep = if location.contains('?') { '&' } else { '?' };
            let r = client
                .put(format!("{url}{sep}digest={digest}"))
                .header("Authorization", bearer)
                .header("Content-Type", "application/octet-stream")
                .body(content[offset..].to_vec())
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 201, "{order:?}: closing PUT on {node}: {}", r.text().await.unwrap());
        }
        offset = end;
    }
    digest
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_behind_a_round_robin_balancer() {
    let Some(admin) = berth_db::testing::postgres_admin_url() else {
        assert!(std::env::var("BERTH_TEST_REQUIRE_POSTGRES").as_deref() != Ok("1"), "PostgreSQL required");
        eprintln!("SKIPPED: BERTH_TEST_POSTGRES_URL is not set");
        return;
    };
    let Some(s3_endpoint) = std::env::var("BERTH_TEST_S3_ENDPOINT").ok().filter(|s| !s.is_empty()) else {
        assert!(std::env::var("BERTH_TEST_REQUIRE_S3").as_deref() != Ok("1"), "the S3 test server is required");
        eprintln!("SKIPPED: BERTH_TEST_S3_ENDPOINT is not set");
        return;
    };
    if !client_installed_checked_by("haproxy", "-v", REQUIRE_CLIENTS) || !client_installed("skopeo", REQUIRE_CLIENTS) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let bucket = format!("berth-scale-{}", uuid::Uuid::new_v4().simple());
    let made = common::client().put(format!("{s3_endpoint}/{bucket}")).send().await.unwrap();
    assert!(made.status().is_success(), "create bucket: {}", made.status());
    let secret_file = root.join("token-key-secret");
    std::fs::write(&secret_file, "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n").unwrap();
    let balancer_port = free_port();
    let balancer = format!("http://127.0.0.1:{balancer_port}");
    let backends =
        Backends { database_url: berth_db::testing::fresh_postgres_database(&admin).await, s3_endpoint, bucket, secret_file, balancer };

    // The first node applies the migrations; the others start on a ready database.
    let (_a, url_a) = start_node("a", root, &backends).await;
    let (_b, url_b) = start_node("b", root, &backends).await;
    let (mut node_c, url_c) = start_node("c", root, &backends).await;
    let nodes = vec![("a", url_a.clone()), ("b", url_b.clone()), ("c", url_c.clone())];
    let _haproxy = start_haproxy(root, balancer_port, &[("a", &url_a), ("b", &url_b), ("c", &url_c)]);
    let client = common::client();
    let mut seen = BTreeSet::new();
    for _ in 0..200 {
        if let Ok(r) = client.get(format!("{}/-/ready", backends.balancer)).send().await {
            if r.status() == 200 {
                seen.insert(r.headers()["x-berth-node"].to_str().unwrap().to_string());
            }
        }
        if seen.len() == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(seen.len(), 3, "the balancer reaches every node: {seen:?}");
    let served: Vec<String> = {
        let mut names = Vec::new();
        for _ in 0..6 {
            let r = client.get(format!("{}/-/health", backends.balancer)).send().await.unwrap();
            names.push(r.headers()["x-berth-node"].to_str().unwrap().to_string());
        }
        names
    };
    assert_eq!(served.iter().collect::<BTreeSet<_>>().len(), 3, "consecutive requests on one connection go round the nodes: {served:?}");

    api(&backends.balancer, reqwest::Method::POST, "/groups", json!({"name": "fleet", "path": "fleet"})).await;
    let group = api(&backends.balancer, reqwest::Method::GET, "/groups/fleet", json!({})).await;
    api(&backends.balancer, reqwest::Method::POST, "/projects", json!({"name": "app", "path": "app", "namespace_id": group["id"]})).await;

    // A token from any node is good on every node: one shared key.
    let scope = format!("repository:{PROJECT}:push,pull");
    for (issuer, url) in &nodes {
        let bearer = registry_token(url, &scope).await;
        for (verifier, other) in &nodes {
            let r = client.get(format!("{other}/v2/")).header("Authorization", &bearer).send().await.unwrap();
            assert_eq!(r.status(), 200, "token from {issuer} on {verifier}");
        }
    }
    let jwks: Value = client.get(format!("{}/-/jwks.json", backends.balancer)).send().await.unwrap().json().await.unwrap();
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 1, "one shared key: {jwks}");

    // Chunked uploads whose requests visit the nodes in every awkward order. Chunk sizes are
    // not multiples of SHA-256's 64-byte block, so the saved hash state is mid-block.
    let bearer = registry_token(&backends.balancer, &scope).await;
    for (i, order) in [&["a", "b", "c"][..], &["a", "b", "a"], &["a", "a", "b", "a"], &["b", "a", "b", "a"]].iter().enumerate() {
        let content: Vec<u8> = (0..300_007u32).map(|n| ((n * 31 + i as u32 * 7) % 253) as u8).collect();
        let digest = chunked_upload(&nodes, order, &bearer, &content).await;
        for (name, url) in &nodes {
            let r = client.get(format!("{url}/v2/{PROJECT}/blobs/{digest}")).header("Authorization", &bearer).send().await.unwrap();
            assert_eq!(r.status(), 200, "{order:?}: blob on {name}");
            assert_eq!(sha256(&r.bytes().await.unwrap()), digest, "{order:?}: bytes on {name}");
        }
    }

    // A web session signed in on one node works on the others (sessions are in the database).
    let signed_in = client
        .post(format!("{url_a}/-/fn/sign_in"))
        .header("Sec-Fetch-Site", "same-origin")
        .form(&[("username", "root"), ("password", common::ROOT_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert!(signed_in.status().is_success() || signed_in.status().is_redirection(), "sign in: {}", signed_in.status());
    let cookie = signed_in
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap().split(';').next().unwrap().to_string())
        .collect::<Vec<_>>()
        .join("; ");
    assert!(!cookie.is_empty(), "a session cookie is set");
    for url in [&url_b, &url_c] {
        let me = client.get(format!("{url}/api/v4/user")).header("Cookie", &cookie).send().await.unwrap();
        assert_eq!(me.status(), 200, "session from a used on {url}");
        assert_eq!(me.json::<Value>().await.unwrap()["username"], "root");
    }

    // skopeo: 20 images through the balancer, 4 at a time.
    let clients = Clients::new(&root.join("clients"), &[&format!("127.0.0.1:{balancer_port}")]);
    let creds = format!("root:{ROOT_TOKEN}");
    let host = format!("127.0.0.1:{balancer_port}");
    let mut expected = Vec::new();
    for n in 0..20 {
        let layout = common::oci_layout::single_platform(&root.join(format!("layout-{n}")), &format!("v{n}"), "amd64");
        expected.push((format!("v{n}"), layout.top.digest.clone(), layout.reference()));
    }
    for batch in expected.chunks(4) {
        let pushes = batch.iter().map(|(tag, _, reference)| {
            let (clients, creds, host) = (&clients, &creds, &host);
            async move {
                let dest = format!("docker://{host}/{PROJECT}:{tag}");
                let out = clients.skopeo(&["copy", "--dest-tls-verify=false", "--dest-creds", creds, reference, &dest]).await;
                ok(&out, &format!("skopeo push {tag}"));
            }
        });
        futures::future::join_all(pushes).await;
    }
    for (tag, digest, _) in &expected {
        let out = clients
            .skopeo(&["inspect", "--raw", "--tls-verify=false", "--creds", &creds, &format!("docker://{host}/{PROJECT}:{tag}")])
            .await;
        assert_eq!(sha256(ok(&out, "skopeo inspect").as_bytes()), *digest, "{tag} pulled back as pushed");
    }

    // SIGKILL one node in the middle of a push: the push fails, the others keep serving, and
    // the same upload continues on another node from what storage holds.
    let layer: Vec<u8> = (0..24u32 << 20).map(|n| (n % 251) as u8).collect();
    let layer_digest = sha256(&layer);
    let started = client.post(format!("{url_c}/v2/{PROJECT}/blobs/uploads/")).header("Authorization", &bearer).send().await.unwrap();
    let location = started.headers()["location"].to_str().unwrap().to_string();
    let upload_path =
        if location.starts_with("http") { location.splitn(4, '/').nth(3).map(|p| format!("/{p}")).unwrap() } else { location };
    let mut stream = tokio::net::TcpStream::connect(url_c.trim_start_matches("http://")).await.unwrap();
    let head = format!(
        "PATCH {upload_path} HTTP/1.1\r\nHost: {}\r\nAuthorization: {bearer}\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\n\r\n",
        url_c.trim_start_matches("http://"),
        layer.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&layer[..8 << 20]).await.unwrap();
    stream.flush().await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    node_c.0.kill().unwrap();
    node_c.0.wait().unwrap();
    // The rest of the body goes nowhere: the node is gone.
    let _ = stream.write_all(&layer[8 << 20..]).await;
    drop(stream);
    // haproxy notices within its check interval; meanwhile `retries`/`redispatch` move
    // refused connections to the live nodes.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    for i in 0..12 {
        let r = client.get(format!("{}/v2/{PROJECT}/tags/list", backends.balancer)).header("Authorization", &bearer).send().await.unwrap();
        assert_eq!(r.status(), 200, "request {i} after the kill");
        assert_ne!(r.headers()["x-berth-node"], "c");
        assert_eq!(r.json::<Value>().await.unwrap()["tags"].as_array().unwrap().len(), 20);
    }
    let status = client.get(format!("{url_a}{upload_path}")).header("Authorization", &bearer).send().await.unwrap();
    assert_eq!(status.status(), 204, "the killed node's upload is known to the others");
    let range = status.headers()["range"].to_str().unwrap().to_string();
    // `0-0` is an empty upload here (a 1-byte one is impossible: chunks are MiBs).
    let have = match range.as_str() {
        "0-0" => 0,
        r => r.split_once('-').unwrap().1.parse::<usize>().unwrap() + 1,
    };
    assert!(have < layer.len(), "the killed PATCH did not complete: {range:?}");
    let sep = if upload_path.contains('?') { '&' } else { '?' };
    let r = client
        .put(format!("{url_a}{upload_path}{sep}digest={layer_digest}"))
        .header("Authorization", &bearer)
        .header("Content-Type", "application/octet-stream")
        .header("Content-Range", format!("{have}-{}", layer.len() - 1))
        .body(layer[have..].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "the upload finishes on another node: {}", r.text().await.unwrap());
    let r = client
        .head(format!("{}/v2/{PROJECT}/blobs/{layer_digest}", backends.balancer))
        .header("Authorization", &bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-length"], layer.len().to_string().as_str());

    // Pushes through the balancer keep working with one node down.
    let layout = common::oci_layout::single_platform(&root.join("after-kill"), "after-kill", "arm64");
    let out = clients
        .skopeo(&[
            "copy",
            "--dest-tls-verify=false",
            "--dest-creds",
            &creds,
            &layout.reference(),
            &format!("docker://{host}/{PROJECT}:after-kill"),
        ])
        .await;
    ok(&out, "skopeo push after the kill");
    let out = clients
        .skopeo(&["inspect", "--raw", "--tls-verify=false", "--creds", &creds, &format!("docker://{host}/{PROJECT}:after-kill")])
        .await;
    assert_eq!(sha256(ok(&out, "skopeo inspect after the kill").as_bytes()), layout.top.digest);
}
