//! Two `berth serve` processes sharing one PostgreSQL database both run the cleanup
//! scheduler every second; a due policy must run exactly once (its tags deleted once, one
//! run counted), whichever process claims it.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use berth_db::sqlx::{self, Row};
use serde_json::{json, Value};

struct Node(Child);

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn start_node(data: &std::path::Path, database_url: &str, token: &str) -> (Node, String) {
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_berth"))
        .arg("serve")
        .env("BERTH_LISTEN", format!("127.0.0.1:{port}"))
        .env("BERTH_EXTERNAL_URL", &url)
        .env("BERTH_DATA_DIR", data)
        .env("BERTH_DATABASE_URL", database_url)
        .env("BERTH_INITIAL_ROOT_PASSWORD", common::ROOT_PASSWORD)
        .env("BERTH_INITIAL_ROOT_TOKEN", token)
        .env("BERTH_CLEANUP_INTERVAL_SECS", "1")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("berth starts");
    let node = Node(child);
    let client = common::client();
    for _ in 0..300 {
        if client.get(format!("{url}/-/ready")).send().await.is_ok_and(|r| r.status() == 200) {
            return (node, url);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("berth on {url} did not become ready");
}

async fn api(url: &str, token: &str, method: reqwest::Method, path: &str, body: Value) -> Value {
    let r =
        common::client().request(method, format!("{url}/api/v4{path}")).header("PRIVATE-TOKEN", token).json(&body).send().await.unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    assert!(status.is_success(), "{path}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// Pushes a one-blob image under each tag through `/v2/`.
async fn push_tags(url: &str, token: &str, path: &str, tags: &[&str]) {
    let client = common::client();
    let jwt: Value = client
        .get(format!("{url}/jwt/auth"))
        .query(&[("service", "container_registry"), ("scope", &format!("repository:{path}:push,pull"))])
        .basic_auth("root", Some(token))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bearer = format!("Bearer {}", jwt["token"].as_str().unwrap());
    let config = br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#.to_vec();
    let digest = common::oci_layout::sha256_digest(&config);
    let started = client.post(format!("{url}/v2/{path}/blobs/uploads/")).header("Authorization", &bearer).send().await.unwrap();
    let location = started.headers()["location"].to_str().unwrap().to_string();
    let location = if location.starts_with('/') { format!("{url}{location}") } else { location };
    let sep = if location.contains('?') { '&' } else { '?' };
    let done =
        client.put(format!("{location}{sep}digest={digest}")).header("Authorization", &bearer).body(config.clone()).send().await.unwrap();
    assert_eq!(done.status(), 201);
    for tag in tags {
        // A distinct manifest per tag (the annotation), all referring to the same config.
        let manifest = json!({
            "schemaVersion": 2, "mediaType": common::oci_layout::OCI_MANIFEST,
            "config": {"mediaType": common::oci_layout::OCI_CONFIG, "digest": digest, "size": config.len()},
            "layers": [], "annotations": {"tag": tag},
        });
        let put = client
            .put(format!("{url}/v2/{path}/manifests/{tag}"))
            .header("Authorization", &bearer)
            .header("Content-Type", common::oci_layout::OCI_MANIFEST)
            .body(serde_json::to_vec(&manifest).unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(put.status(), 201, "{}", put.text().await.unwrap());
    }
}

#[tokio::test]
async fn a_due_policy_runs_once_with_two_processes_on_one_postgresql() {
    let Some(admin) = berth_db::testing::postgres_admin_url() else {
        assert!(std::env::var("BERTH_TEST_REQUIRE_POSTGRES").as_deref() != Ok("1"), "PostgreSQL required");
        eprintln!("skipped: BERTH_TEST_POSTGRES_URL is not set");
        return;
    };
    let database_url = berth_db::testing::fresh_postgres_database(&admin).await;
    let dir = tempfile::tempdir().unwrap();
    let token = "glpat-two-nodes-root-token-0123456789";
    let (_a, url_a) = start_node(&dir.path().join("data"), &database_url, token).await;
    let (_b, url_b) = start_node(&dir.path().join("data"), &database_url, token).await;

    let group = api(&url_a, token, reqwest::Method::POST, "/groups", json!({"name": "nodes", "path": "nodes"})).await;
    let project =
        api(&url_b, token, reqwest::Method::POST, "/projects", json!({"name": "app", "path": "app", "namespace_id": group["id"]})).await;
    let tags = ["v1", "v2", "v3", "v4", "v5", "v6", "latest"];
    push_tags(&url_a, token, "nodes/app", &tags).await;
    let policy = json!({"container_expiration_policy_attributes": {
        "enabled": true, "cadence": "7d", "keep_n": null, "older_than": null, "name_regex": "v.*", "name_regex_keep": "v6"}});
    api(&url_b, token, reqwest::Method::PUT, &format!("/projects/{}", project["id"]), policy).await;

    // Both nodes tick every second: make the policy due now, for both at once.
    let db = berth_db::Db::connect(&database_url).await.unwrap();
    sqlx::query("UPDATE container_expiration_policies SET next_run_at = 0 WHERE project_id = $1")
        .bind(project["id"].as_i64().unwrap())
        .execute(&db.pool)
        .await
        .unwrap();
    let remaining = || async {
        let rows = sqlx::query(
            "SELECT t.name FROM tags t JOIN repositories r ON r.id = t.repository_id WHERE r.path = 'nodes/app' ORDER BY t.name",
        )
        .fetch_all(&db.pool)
        .await
        .unwrap();
        rows.iter().map(|r| r.get::<String, _>("name")).collect::<Vec<_>>()
    };
    for _ in 0..200 {
        if remaining().await == ["latest", "v6"] {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(remaining().await, ["latest", "v6"], "the policy ran");
    // More ticks of both nodes: the finished run rescheduled the policy a cadence later, and
    // no second run happened at the same time.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let row = sqlx::query("SELECT run_count, next_run_at, running_since, last_outcome, last_tags_deleted FROM container_expiration_policies WHERE project_id = $1")
        .bind(project["id"].as_i64().unwrap())
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(row.get::<i64, _>("run_count"), 1, "exactly one run across both processes");
    assert_eq!(row.get::<i64, _>("last_tags_deleted"), 5);
    assert_eq!(row.get::<Option<String>, _>("last_outcome").as_deref(), Some("completed"));
    assert!(row.get::<Option<i64>, _>("running_since").is_none());
    let next: i64 = row.get::<Option<i64>, _>("next_run_at").unwrap();
    assert!(next > berth_db::now_millis() + 6 * 86_400_000, "next run a cadence (7 days) later");
}
