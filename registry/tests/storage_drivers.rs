//! The shared BlobStore suite against every driver: filesystem, memory, S3 (when configured).

mod common;

use std::sync::Arc;

use berth_registry::storage::{testsuite, FilesystemStore, MemoryStore};

#[tokio::test]
async fn filesystem_driver() {
    let dir = tempfile::tempdir().unwrap();
    testsuite::run(Arc::new(FilesystemStore::new(dir.path()))).await;
}

#[tokio::test]
async fn memory_driver() {
    testsuite::run(Arc::new(MemoryStore::new())).await;
}

#[tokio::test]
async fn s3_driver() {
    if let Some(store) = common::s3_store().await {
        testsuite::run(store).await;
    }
}
