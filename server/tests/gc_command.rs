//! `berth gc` (offline mark-and-sweep) on a data directory with a live image, bytes planted
//! in storage that no database row knows, and upload sessions (crashed, stale, live).

use std::path::Path;
use std::process::Command;

use sha2::{Digest as _, Sha256};

fn digest(data: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(data)))
}

fn plant(storage: &Path, data: &[u8]) -> (String, std::path::PathBuf) {
    let d = digest(data);
    let hex = &d["sha256:".len()..];
    let dir = storage.join("blobs/sha256").join(&hex[..2]);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(hex);
    std::fs::write(&path, data).unwrap();
    (d, path)
}

/// Upload session bytes as the filesystem driver keeps them.
fn plant_upload(storage: &Path, id: &str, data: &[u8]) -> std::path::PathBuf {
    let dir = storage.join("uploads");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(id), data).unwrap();
    dir.join(id)
}

fn berth_gc(data_dir: &Path, dry_run: bool) -> (bool, String) {
    berth_gc_env(data_dir, dry_run, &[])
}

fn berth_gc_env(data_dir: &Path, dry_run: bool, env: &[(&str, &str)]) -> (bool, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_berth"));
    cmd.arg("gc")
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("BERTH_CONFIG")
        .env_remove("BERTH_DATABASE_URL")
        .env_remove("BERTH_UPLOAD_STALE_AFTER_SECS")
        .envs(env.iter().copied());
    if dry_run {
        cmd.arg("--dry-run");
    }
    let out = cmd.output().unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

#[tokio::test]
async fn dry_run_lists_exactly_the_planted_orphans_and_the_real_run_removes_only_them() {
    let dir = tempfile::tempdir().unwrap();
    let storage = dir.path().join("storage");
    let db = berth_db::Db::connect(&berth_db::Db::sqlite_url(&dir.path().join("berth.db"))).await.unwrap();

    // A live, tagged image with one layer.
    let layer = b"live layer bytes".to_vec();
    let (layer_digest, layer_path) = plant(&storage, &layer);
    let manifest = b"{\"schemaVersion\":2}".to_vec();
    for (sql, binds) in [
        ("INSERT INTO repositories (id, path, created_at, updated_at) VALUES (1, 'group/app', 0, 0)", vec![]),
        ("INSERT INTO blobs (digest, size, created_at) VALUES ($1, $2, 0)", vec![layer_digest.clone(), layer.len().to_string()]),
        ("INSERT INTO repository_blobs (repository_id, blob_digest, created_at) VALUES (1, $1, 0)", vec![layer_digest.clone()]),
    ] {
        let mut q = berth_db::sqlx::query(sql);
        for (i, b) in binds.iter().enumerate() {
            q = if i == 1 { q.bind(b.parse::<i64>().unwrap()) } else { q.bind(b.clone()) };
        }
        q.execute(&db.pool).await.unwrap();
    }
    berth_db::sqlx::query(
        "INSERT INTO manifests (id, repository_id, digest, media_type, size, payload, total_size, pushed_at) \
         VALUES (1, 1, $1, 'application/vnd.oci.image.manifest.v1+json', $2, $3, 0, 0)",
    )
    .bind(digest(&manifest))
    .bind(manifest.len() as i64)
    .bind(manifest.clone())
    .execute(&db.pool)
    .await
    .unwrap();
    berth_db::sqlx::query("INSERT INTO manifest_blobs (manifest_id, blob_digest) VALUES (1, $1)")
        .bind(&layer_digest)
        .execute(&db.pool)
        .await
        .unwrap();
    berth_db::sqlx::query("INSERT INTO tags (repository_id, name, manifest_id, created_at, updated_at) VALUES (1, 'latest', 1, 0, 0)")
        .execute(&db.pool)
        .await
        .unwrap();
    // Upload sessions: one idle for 2 days 3 hours (stale under the default limit of 24 h),
    // one in progress; their bytes in storage.
    let now = berth_db::now_millis();
    for (id, updated_at) in [("stale-upload", now - (2 * 24 + 3) * 3600 * 1000), ("live-upload", now)] {
        berth_db::sqlx::query("INSERT INTO uploads (id, repository_path, created_at, updated_at) VALUES ($1, 'group/app', $2, $2)")
            .bind(id)
            .bind(updated_at)
            .execute(&db.pool)
            .await
            .unwrap();
    }
    db.pool.close().await;
    let stale_upload = plant_upload(&storage, "stale-upload", b"stale!");
    let live_upload = plant_upload(&storage, "live-upload", b"in progress");

    // Crash leftovers: bytes no row knows, a blob and an upload session.
    let (o1, p1) = plant(&storage, b"orphan number one");
    let (o2, p2) = plant(&storage, b"orphan two, a little longer");
    let crashed_upload = plant_upload(&storage, "crashed-upload-1", b"123456789");

    let (ok, out) = berth_gc(dir.path(), true);
    assert!(ok, "{out}");
    let mut listed: Vec<&str> = out.lines().filter(|l| l.starts_with("would delete")).collect();
    listed.sort();
    let mut want = vec![
        format!("would delete orphan {o1} 17 bytes (in storage, unknown to the database)"),
        format!("would delete orphan {o2} 27 bytes (in storage, unknown to the database)"),
        "would delete upload crashed-upload-1 9 bytes (upload session in storage, unknown to the database)".to_string(),
        "would delete upload stale-upload 6 bytes (upload session idle for 2d 3h, longer than the stale limit)".to_string(),
    ];
    want.sort();
    assert_eq!(listed, want, "{out}");
    assert!(out.contains("would delete 0 manifests, 0 blobs, 2 orphaned files, 2 upload sessions, freeing 59 bytes"), "{out}");
    assert!(p1.exists() && p2.exists() && layer_path.exists(), "a dry run deletes nothing");
    assert!(crashed_upload.exists() && stale_upload.exists() && live_upload.exists());

    // The stale limit is the configured one: at 3 days the idle session is not stale yet.
    let (ok, out) = berth_gc_env(dir.path(), true, &[("BERTH_UPLOAD_STALE_AFTER_SECS", "259200")]);
    assert!(ok, "{out}");
    assert!(!out.contains("stale-upload"), "{out}");
    assert!(out.contains("2 orphaned files, 1 upload sessions, freeing 53 bytes"), "{out}");

    let (ok, out) = berth_gc(dir.path(), false);
    assert!(ok, "{out}");
    assert!(out.contains("deleted 0 manifests, 0 blobs, 2 orphaned files, 2 upload sessions, freed 59 bytes"), "{out}");
    assert!(!p1.exists() && !p2.exists());
    assert!(!crashed_upload.exists() && !stale_upload.exists());
    assert!(layer_path.exists(), "the live layer stays");
    assert!(live_upload.exists(), "an upload in progress stays");
    let db = berth_db::Db::connect(&berth_db::Db::sqlite_url(&dir.path().join("berth.db"))).await.unwrap();
    let ids: Vec<String> = berth_db::sqlx::query_scalar("SELECT id FROM uploads").fetch_all(&db.pool).await.unwrap();
    assert_eq!(ids, vec!["live-upload".to_string()]);
    db.pool.close().await;

    let (ok, out) = berth_gc(dir.path(), true);
    assert!(ok, "{out}");
    assert!(out.contains("would delete 0 manifests, 0 blobs, 0 orphaned files, 0 upload sessions, freeing 0 bytes"), "{out}");
}

#[test]
fn a_missing_data_dir_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out) = berth_gc(&dir.path().join("nothing-here"), true);
    assert!(!ok);
    assert!(out.contains("no Berth database"), "{out}");
}
