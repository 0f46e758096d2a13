//! Online GC benchmark: N unreferenced blobs (default 100,000) on the filesystem store, all
//! due, collected by one run (default settings: on PostgreSQL several workers claiming
//! batches). Also times `gc::status` with the full queue. Fixtures go straight into the database and the store
//! directory. `cargo run --release -p berth-registry --example gc_bench [N]`; set
//! `BERTH_BENCH_DATABASE_URL` to use PostgreSQL (a fresh database) instead of SQLite.

use std::sync::Arc;
use std::time::{Duration, Instant};

use berth_registry::gc::{self, GcConfig};
use berth_registry::storage::{BlobStore, FilesystemStore};
use sha2::{Digest as _, Sha256};

#[tokio::main]
async fn main() {
    let n: usize = std::env::args().nth(1).map(|a| a.parse().expect("N")).unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let url = std::env::var("BERTH_BENCH_DATABASE_URL").unwrap_or_else(|_| berth_db::Db::sqlite_url(&dir.path().join("berth.db")));
    let db = berth_db::Db::connect(&url).await.expect("database");
    let root = dir.path().join("storage");

    let t = Instant::now();
    let now = berth_db::now_millis();
    let mut tx = db.pool.begin().await.unwrap();
    for i in 0..n {
        let hex = hex::encode(Sha256::digest(format!("bench blob {i}")));
        let path = root.join("blobs/sha256").join(&hex[..2]);
        if i < 256 * 256 {
            std::fs::create_dir_all(&path).unwrap();
        }
        std::fs::write(path.join(&hex), b"0123456789abcdef").unwrap();
        let d = format!("sha256:{hex}");
        berth_db::sqlx::query("INSERT INTO blobs (digest, size, media_type, created_at) VALUES ($1, 16, NULL, $2)")
            .bind(&d)
            .bind(now)
            .execute(&mut *tx)
            .await
            .unwrap();
        berth_db::sqlx::query("INSERT INTO gc_blob_review_queue (digest, queued_at, event) VALUES ($1, $2, 'bench')")
            .bind(&d)
            .bind(now)
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    eprintln!("fixtures: {n} blobs in {:.1?}", t.elapsed());

    let t = Instant::now();
    let st = gc::status(&db).await.unwrap();
    assert_eq!(st.blob_queue as usize, n);
    println!("gc::status with {n} queued blobs: {:.1} ms", t.elapsed().as_secs_f64() * 1000.0);

    let store: Arc<dyn BlobStore> = Arc::new(FilesystemStore::new(&root));
    let collector = gc::collector(db.clone(), store, GcConfig::with_review_delay(Duration::ZERO));
    let t = Instant::now();
    let report = collector.run().await.unwrap();
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(report.blobs_deleted as usize, n, "{report:?}");
    let st = gc::status(&db).await.unwrap();
    assert_eq!(st.blob_queue, 0);
    println!(
        "online GC ({}): {n} unreferenced blobs deleted in {secs:.1} s ({:.0} blobs/s)",
        if url.starts_with("postgres") { "postgres" } else { "sqlite" },
        n as f64 / secs
    );
}
