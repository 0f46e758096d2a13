//! `berth gc` (offline mark-and-sweep) on a data directory with a live image and bytes planted
//! in storage that no database row knows.

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

fn berth_gc(data_dir: &Path, dry_run: bool) -> (bool, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_berth"));
    cmd.arg("gc").arg("--data-dir").arg(data_dir).env_remove("BERTH_CONFIG").env_remove("BERTH_DATABASE_URL");
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
    db.pool.close().await;

    // Crash leftovers: bytes no row knows.
    let (o1, p1) = plant(&storage, b"orphan number one");
    let (o2, p2) = plant(&storage, b"orphan two, a little longer");

    let (ok, out) = berth_gc(dir.path(), true);
    assert!(ok, "{out}");
    let mut listed: Vec<&str> = out.lines().filter(|l| l.starts_with("would delete")).collect();
    listed.sort();
    let mut want = vec![
        format!("would delete orphan {o1} 17 bytes (in storage, unknown to the database)"),
        format!("would delete orphan {o2} 27 bytes (in storage, unknown to the database)"),
    ];
    want.sort();
    assert_eq!(listed, want, "{out}");
    assert!(out.contains("would delete 0 manifests, 0 blobs, 2 orphaned files, freeing 44 bytes"), "{out}");
    assert!(p1.exists() && p2.exists() && layer_path.exists(), "a dry run deletes nothing");

    let (ok, out) = berth_gc(dir.path(), false);
    assert!(ok, "{out}");
    assert!(out.contains("deleted 0 manifests, 0 blobs, 2 orphaned files, freed 44 bytes"), "{out}");
    assert!(!p1.exists() && !p2.exists());
    assert!(layer_path.exists(), "the live layer stays");

    let (ok, out) = berth_gc(dir.path(), true);
    assert!(ok, "{out}");
    assert!(out.contains("would delete 0 manifests, 0 blobs, 0 orphaned files, freeing 0 bytes"), "{out}");
}

#[test]
fn a_missing_data_dir_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out) = berth_gc(&dir.path().join("nothing-here"), true);
    assert!(!ok);
    assert!(out.contains("no Berth database"), "{out}");
}
