//! Test databases: a fresh SQLite file, or a fresh database on the PostgreSQL server named by
//! `BERTH_TEST_POSTGRES_URL` (CI and `./test.sh` start one on loopback). Suites call
//! [`test_database_urls`] and run once per backend.

use std::path::Path;

use sqlx::{Connection, Executor};

/// The PostgreSQL admin URL for tests, if one was provided.
pub fn postgres_admin_url() -> Option<String> {
    std::env::var("BERTH_TEST_POSTGRES_URL").ok().filter(|s| !s.is_empty())
}

/// Creates an empty PostgreSQL database for one test and returns its URL.
pub async fn fresh_postgres_database(admin_url: &str) -> String {
    sqlx::any::install_default_drivers();
    let name = format!("berth_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::AnyConnection::connect(admin_url).await.expect("connect to test PostgreSQL");
    conn.execute(format!("CREATE DATABASE {name}").as_str()).await.expect("create test database");
    let base = admin_url.rsplit_once('/').map(|(b, _)| b).unwrap_or(admin_url);
    format!("{base}/{name}")
}

/// One database URL per backend under test: always SQLite in `dir`, plus PostgreSQL when
/// `BERTH_TEST_POSTGRES_URL` is set. With `BERTH_TEST_REQUIRE_POSTGRES=1` (CI) a missing
/// server is an error rather than a silent skip.
pub async fn test_database_urls(dir: &Path) -> Vec<(&'static str, String)> {
    let mut urls = vec![("sqlite", super::Db::sqlite_url(&dir.join("berth.db")))];
    match postgres_admin_url() {
        Some(admin) => urls.push(("postgres", fresh_postgres_database(&admin).await)),
        None => {
            if std::env::var("BERTH_TEST_REQUIRE_POSTGRES").as_deref() == Ok("1") {
                panic!("BERTH_TEST_REQUIRE_POSTGRES=1 but BERTH_TEST_POSTGRES_URL is not set");
            }
        }
    }
    urls
}
