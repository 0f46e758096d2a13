//! Shared by the `rest_*` suites: a real server per metadata backend with a root personal
//! access token, a small `/api/v4/` client, and image pushes over `/v2/`.

#![allow(dead_code)]

use std::path::Path;

use berth_platform::model::Scopes;
use reqwest::Method;
use serde_json::Value;

use crate::common::{self, oci_layout};

pub struct Server {
    pub backend: &'static str,
    pub running: berth_server::Running,
    /// A root personal access token with every scope.
    pub root_token: String,
}

impl Server {
    pub fn base(&self) -> String {
        format!("{}/api/v4", self.running.url())
    }

    pub fn api(&self, token: Option<&str>) -> Api {
        Api { base: self.base(), token: token.map(str::to_string), header: "PRIVATE-TOKEN" }
    }

    pub fn root(&self) -> Api {
        self.api(Some(&self.root_token))
    }

    pub fn host(&self) -> String {
        self.running.addr.to_string()
    }

    pub fn db(&self) -> &berth_db::Db {
        &self.running.state.db
    }
}

/// One server per backend (SQLite; PostgreSQL when `BERTH_TEST_POSTGRES_URL` is set).
pub async fn servers(dir: &Path) -> Vec<Server> {
    let mut out = Vec::new();
    for (backend, url) in berth_db::testing::test_database_urls(dir).await {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut config = common::config(&dir.join(format!("{backend}-data")), &url);
        config.listen = addr;
        config.external_url = Some(format!("http://{addr}"));
        // The tests' requests come from loopback, as from a balancer on the same host.
        config.trusted_proxies = "127.0.0.1".into();
        let running = berth_server::start(config, listener).await.expect("server starts");
        let root = berth_platform::accounts::find_by_username(&running.state.db, "root").await.unwrap().unwrap();
        let token =
            berth_platform::tokens::create_personal_access_token(&running.state.db, root.id, "tests", Scopes::all(), None).await.unwrap();
        out.push(Server { backend, running, root_token: token.secret });
    }
    out
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub json: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> String {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
    }
}

#[derive(Clone)]
pub struct Api {
    pub base: String,
    pub token: Option<String>,
    pub header: &'static str,
}

impl Api {
    pub fn with_header(mut self, header: &'static str) -> Api {
        self.header = header;
        self
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut request = common::client().request(method, format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            request = if self.header == "Authorization" {
                request.header("Authorization", format!("Bearer {token}"))
            } else {
                request.header(self.header, token)
            };
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap();
        let json = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        Reply { status, headers, json }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, None).await
    }
    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.call(Method::POST, path, Some(body)).await
    }
    pub async fn put(&self, path: &str, body: Value) -> Reply {
        self.call(Method::PUT, path, Some(body)).await
    }
    pub async fn delete(&self, path: &str) -> Reply {
        self.call(Method::DELETE, path, None).await
    }
}

/// Asserts a status, showing the body otherwise; returns the JSON.
#[track_caller]
pub fn expect(reply: Reply, status: u16, context: &str) -> Value {
    assert_eq!(reply.status, status, "{context}: {}", reply.json);
    reply.json
}

/// Creates a user with a personal access token of the given scopes; returns (id, token).
pub async fn user_with_token(server: &Server, username: &str, scopes: &[&str]) -> (i64, String) {
    let root = server.root();
    let user = expect(
        root.post(
            "/users",
            serde_json::json!({"username": username, "name": username, "email": format!("{username}@example.com"), "password": "password-123"}),
        )
        .await,
        201,
        "create user",
    );
    let id = user["id"].as_i64().unwrap();
    let token = expect(
        root.post(&format!("/users/{id}/personal_access_tokens"), serde_json::json!({"name": "t", "scopes": scopes})).await,
        201,
        "create token",
    );
    (id, token["token"].as_str().unwrap().to_string())
}

/// A group and a project in it, created by root through the API; returns the project JSON.
pub async fn group_and_project(server: &Server, group: &str, project: &str, visibility: &str) -> Value {
    let root = server.root();
    let g = expect(
        root.post("/groups", serde_json::json!({"name": group, "path": group, "visibility": visibility})).await,
        201,
        "create group",
    );
    expect(
        root.post("/projects", serde_json::json!({"name": project, "path": project, "namespace_id": g["id"], "visibility": visibility}))
            .await,
        201,
        "create project",
    )
}

/// A pushed image: manifest digest, config digest, config + layer bytes.
#[derive(Debug, Clone)]
pub struct Pushed {
    pub digest: String,
    pub config_digest: String,
    pub size: u64,
}

/// Pushes a small single-platform image to `path:tag` over `/v2/` as root.
pub async fn push(server: &Server, work: &Path, path: &str, tag: &str) -> Pushed {
    let layout = oci_layout::single_platform(&work.join(format!("{}-{tag}", path.replace('/', "_"))), tag, "amd64");
    let image = &layout.images[0];
    let client = common::client();
    let url = server.running.url();
    let token: Value = client
        .get(format!("{url}/jwt/auth"))
        .query(&[("service", "container_registry"), ("scope", &format!("repository:{path}:push,pull"))])
        .basic_auth("root", Some(common::ROOT_PASSWORD))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bearer = format!("Bearer {}", token["token"].as_str().unwrap());
    for blob in std::iter::once(&image.config).chain(image.layers.iter()) {
        let started = client.post(format!("{url}/v2/{path}/blobs/uploads/")).header("Authorization", &bearer).send().await.unwrap();
        assert_eq!(started.status(), 202, "start upload");
        let location = started.headers()["location"].to_str().unwrap().to_string();
        let location = if location.starts_with('/') { format!("{url}{location}") } else { location };
        let sep = if location.contains('?') { '&' } else { '?' };
        let done = client
            .put(format!("{location}{sep}digest={}", blob.digest))
            .header("Authorization", &bearer)
            .header("Content-Type", "application/octet-stream")
            .body(blob.bytes.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(done.status(), 201, "finish upload");
    }
    let put = client
        .put(format!("{url}/v2/{path}/manifests/{tag}"))
        .header("Authorization", &bearer)
        .header("Content-Type", &image.manifest.media_type)
        .body(image.manifest.bytes.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 201, "put manifest: {}", put.text().await.unwrap());
    Pushed {
        digest: image.manifest.digest.clone(),
        config_digest: image.config.digest.clone(),
        size: image.config.size() + image.layers.iter().map(|l| l.size()).sum::<u64>(),
    }
}

/// Polls `check` until it holds (10 s at most).
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    // Background jobs share two cores with the rest of the suite in CI; 30 s is a bound on a
    // loaded machine, not an expected time.
    for _ in 0..300 {
        if check().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("timed out after 30 s waiting until {what}");
}
