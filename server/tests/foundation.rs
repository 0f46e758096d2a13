//! The server as a whole: pages, health, readiness, metrics, request ids, first start and
//! restart, on SQLite and PostgreSQL.

mod common;

use berth_db::sqlx::{self, Row};

#[tokio::test]
async fn serves_pages_health_ready_and_metrics_on_every_backend() {
    let dir = tempfile::tempdir().unwrap();
    for (backend, url) in berth_db::testing::test_database_urls(dir.path()).await {
        let data = dir.path().join(backend);
        let server = common::start(common::config(&data, &url)).await;
        let http = common::client();
        let base = server.url();

        let home = http.get(format!("{base}/")).send().await.unwrap();
        assert_eq!(home.status(), 200, "{backend}");
        assert!(home.headers().get("x-request-id").is_some(), "{backend}: every response carries a request id");
        let html = home.text().await.unwrap();
        assert!(html.contains("Welcome to Berth"), "{backend}: server-rendered home page");
        assert!(html.contains(&format!("docker login {}", server.addr)), "{backend}: quick start names this host");
        assert!(html.contains("/pkg/berth.js"), "{backend}: hydration script is referenced");

        let health = http.get(format!("{base}/-/health")).send().await.unwrap();
        assert_eq!(health.status(), 200, "{backend}");
        let ready = http.get(format!("{base}/-/ready")).send().await.unwrap();
        assert_eq!(ready.status(), 200, "{backend}");
        let ready: serde_json::Value = ready.json().await.unwrap();
        assert_eq!(ready["database"], "ok", "{backend}");

        let missing = http.get(format!("{base}/no/such/page")).send().await.unwrap();
        assert_eq!(missing.status(), 404, "{backend}");
        assert!(missing.text().await.unwrap().contains("404: Page not found"), "{backend}");

        let given_id = "test-request-0001";
        let echoed = http.get(format!("{base}/-/health")).header("x-request-id", given_id).send().await.unwrap();
        assert_eq!(echoed.headers()["x-request-id"], given_id, "{backend}: a client's request id is kept");

        let metrics = http.get(format!("{base}/metrics")).send().await.unwrap().text().await.unwrap();
        assert!(metrics.contains("berth_http_requests_total"), "{backend}: {metrics}");
        assert!(metrics.contains("surface=\"ui\""), "{backend}");

        server.stop().await.unwrap();
    }
}

#[tokio::test]
async fn a_second_start_reuses_the_data_directory_and_keeps_the_admin() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let url = berth_db::Db::sqlite_url(&data.join("berth.db"));

    let first = common::start(common::config(&data, &url)).await;
    assert!(data.join("berth.db").exists(), "first start creates the database in the data dir");
    let root_hash: String = sqlx::query("SELECT password_hash FROM users WHERE username = 'root'")
        .fetch_one(&first.state.db.pool)
        .await
        .unwrap()
        .get("password_hash");
    first.stop().await.unwrap();

    let mut config = common::config(&data, &url);
    config.initial_root_password = Some("a different password".into());
    let second = common::start(config).await;
    let rows = sqlx::query("SELECT password_hash FROM users").fetch_all(&second.state.db.pool).await.unwrap();
    assert_eq!(rows.len(), 1, "root is not created twice");
    assert_eq!(rows[0].get::<String, _>("password_hash"), root_hash, "root's password is untouched");
    second.stop().await.unwrap();
}

#[tokio::test]
async fn an_unusable_database_fails_start_loudly() {
    let dir = tempfile::tempdir().unwrap();
    let config = common::config(dir.path(), "postgres://nobody@127.0.0.1:1/none");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let err = berth_server::start(config, listener).await.err().expect("start fails");
    assert!(format!("{err:#}").contains("metadata database"), "{err:#}");

    let config = common::config(dir.path(), "mysql://x");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let err = berth_server::start(config, listener).await.err().expect("start fails");
    assert!(format!("{err:#}").contains("unsupported database URL"), "{err:#}");
}
