//! Blob storage: content-addressed bytes behind the narrow [`BlobStore`] trait.
//!
//! Drivers: [`FilesystemStore`] (default), [`S3Store`] (object_store), [`MemoryStore`]
//! (tests). All pass the one shared suite in [`testsuite`]. The engine verifies digests
//! while it streams bytes into an upload session; a driver's `upload_commit` only moves a
//! verified upload to its content address.

use std::ops::Range;
use std::pin::Pin;

use bytes::Bytes;
use futures::stream::BoxStream;
use futures::Stream;

use crate::digest::Digest;

mod fs;
mod memory;
mod s3;
#[doc(hidden)]
pub mod testsuite;

pub use fs::FilesystemStore;
pub use memory::MemoryStore;
pub use s3::{S3Config, S3Store};

/// A stream of bytes; bodies are never collected in memory.
pub type ByteStream = Pin<Box<dyn Stream<Item = std::io::Result<Bytes>> + Send>>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("blob not found")]
    NotFound,
    #[error("upload not found")]
    UploadNotFound,
    #[error("upload offset mismatch: expected {expected}, got {got}")]
    OffsetMismatch { expected: u64, got: u64 },
    #[error("invalid range")]
    InvalidRange,
    #[error("invalid upload id")]
    InvalidUploadId,
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    #[error("storage backend error: {0}")]
    Backend(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Content-addressed blob storage plus resumable upload sessions.
///
/// Upload ids are chosen by the caller (the engine uses UUIDs); drivers reject ids that are
/// not `[A-Za-z0-9-]+`.
#[async_trait::async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// Size of a stored blob, or `None`.
    async fn stat(&self, digest: &Digest) -> StoreResult<Option<u64>>;
    /// Reads a blob, optionally a byte range (`start..end`, end exclusive, within the size).
    async fn open(&self, digest: &Digest, range: Option<Range<u64>>) -> StoreResult<ByteStream>;
    /// Deletes a blob's bytes. Deleting a missing blob succeeds; a refusal is an error.
    async fn delete(&self, digest: &Digest) -> StoreResult<()>;
    /// Every stored blob (for garbage collection).
    async fn list(&self) -> StoreResult<BoxStream<'static, StoreResult<Digest>>>;

    /// Starts an empty upload session.
    async fn upload_create(&self, id: &str) -> StoreResult<()>;
    /// Appends `data` to an upload whose current size must equal `offset`; returns the new size.
    async fn upload_append(&self, id: &str, offset: u64, data: ByteStream) -> StoreResult<u64>;
    /// Current size of an upload.
    async fn upload_size(&self, id: &str) -> StoreResult<u64>;
    /// Reads back an upload's bytes (used to hash when no running hash is available).
    async fn upload_read(&self, id: &str) -> StoreResult<ByteStream>;
    /// Moves a verified upload to the content address `digest` (atomically where the backend
    /// allows); returns the blob's size. The caller has verified the digest.
    async fn upload_commit(&self, id: &str, digest: &Digest) -> StoreResult<u64>;
    /// Discards an upload. Aborting a missing upload succeeds.
    async fn upload_abort(&self, id: &str) -> StoreResult<()>;
    /// Every upload session in storage with its current size (for the offline sweep, which
    /// removes sessions the database does not know).
    async fn upload_list(&self) -> StoreResult<Vec<UploadEntry>>;
}

/// An upload session's bytes in storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadEntry {
    pub id: String,
    pub size: u64,
}

pub(crate) fn check_upload_id(id: &str) -> StoreResult<()> {
    if !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        Ok(())
    } else {
        Err(StoreError::InvalidUploadId)
    }
}

/// Relative key of a blob: `blobs/sha256/ab/abcdef…`.
pub(crate) fn blob_key(digest: &Digest) -> String {
    let hex = digest.hex();
    format!("blobs/{}/{}/{}", digest.algorithm().name(), &hex[..2], hex)
}
