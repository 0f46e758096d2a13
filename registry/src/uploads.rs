//! Blob uploads (monolithic, chunked, resumable, mounts), blob reads and unlinks.
//! Bytes stream from the request into the store while a running SHA-256 is kept; the digest
//! is verified before the upload is moved to its content address. Progress and the hash
//! state are kept in the database between requests, never in the process.

use std::ops::Range;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};

use crate::digest::{Algorithm, Digest, Hasher};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::meta::UploadRecord;
use crate::storage::{ByteStream, StoreError};

/// A blob as seen by one repository.
pub(crate) struct BlobInfo {
    pub size: u64,
}

impl Engine {
    /// Repository id, or NAME_UNKNOWN.
    pub(crate) async fn repository_id_or_unknown(&self, name: &str) -> Result<i64> {
        self.meta().repository_id(name).await?.ok_or_else(|| Error::name_unknown(name))
    }

    pub(crate) async fn blob_info(&self, name: &str, digest: &Digest) -> Result<BlobInfo> {
        let repo = self.repository_id_or_unknown(name).await?;
        let size = self.meta().repository_blob(repo, &digest.to_string()).await?;
        let size = size.ok_or_else(|| Error::blob_unknown(&digest.to_string()))?;
        Ok(BlobInfo { size: size as u64 })
    }

    pub(crate) async fn open_blob(&self, digest: &Digest, range: Option<Range<u64>>) -> Result<ByteStream> {
        match self.store().open(digest, range).await {
            Ok(s) => Ok(s),
            Err(StoreError::NotFound) => {
                tracing::error!(%digest, "blob recorded in the database is missing from storage");
                Err(Error::blob_unknown(&digest.to_string()))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Unlinks a blob from a repository (bytes stay until GC).
    pub(crate) async fn delete_blob(&self, name: &str, digest: &Digest) -> Result<()> {
        let repo = self.repository_id_or_unknown(name).await?;
        if self.meta().unlink_blob(repo, &digest.to_string()).await? {
            Ok(())
        } else {
            Err(Error::blob_unknown(&digest.to_string()))
        }
    }

    /// Starts an upload session for `name`; returns its id.
    pub(crate) async fn start_upload(&self, name: &str) -> Result<String> {
        let id = uuid::Uuid::new_v4().to_string();
        self.store().upload_create(&id).await?;
        let empty = Hasher::new(Algorithm::Sha256).saved_state();
        self.meta().insert_upload(&id, name, empty.as_deref()).await?;
        Ok(id)
    }

    /// The upload's record, when it exists and belongs to `name`.
    async fn check_upload(&self, name: &str, id: &str) -> Result<UploadRecord> {
        if crate::storage::check_upload_id(id).is_err() {
            return Err(Error::upload_unknown());
        }
        match self.meta().upload(id).await? {
            Some(record) if record.repository_path == name => Ok(record),
            _ => Err(Error::upload_unknown()),
        }
    }

    /// The committed size: the database's, or the blob store's when the database has none.
    async fn committed_size(&self, id: &str, record: &UploadRecord) -> Result<u64> {
        match record.size {
            Some(size) => Ok(size),
            None => Ok(self.store().upload_size(id).await?),
        }
    }

    /// Current size of an upload.
    pub(crate) async fn upload_offset(&self, name: &str, id: &str) -> Result<u64> {
        let record = self.check_upload(name, id).await?;
        self.committed_size(id, &record).await
    }

    /// Appends a chunk. `start`, when given (Content-Range), must equal the current size.
    /// Returns the new size. Progress and hash state are read from and written to the
    /// database, so consecutive chunks may reach different nodes.
    pub(crate) async fn append_upload(&self, name: &str, id: &str, start: Option<u64>, body: ByteStream) -> Result<u64> {
        let record = self.check_upload(name, id).await?;
        self.append_to(id, &record, start, body).await
    }

    async fn append_to(&self, id: &str, record: &UploadRecord, start: Option<u64>, body: ByteStream) -> Result<u64> {
        let offset = self.committed_size(id, record).await?;
        if let Some(start) = start {
            if start != offset {
                return Err(Error::oci(
                    crate::Code::RangeInvalid,
                    format!("chunk out of order: the upload has {offset} bytes, the chunk starts at {start}"),
                )
                .with_detail(serde_json::json!({ "offset": offset })));
            }
        }
        // The saved hash is usable only if it covers exactly the committed bytes.
        let hasher = match (record.size, record.hash_state.as_deref()) {
            (Some(_), Some(saved)) => Hasher::restore_sha256(saved),
            _ => None,
        };
        let hasher = Arc::new(Mutex::new(hasher));
        let running = hasher.clone();
        let hashed: ByteStream = Box::pin(body.inspect_ok(move |b| {
            if let Some(h) = running.lock().unwrap().as_mut() {
                h.update(b);
            }
        }));
        match self.store().upload_append(id, offset, hashed).await {
            Ok(size) => {
                let saved = hasher.lock().unwrap().as_ref().and_then(Hasher::saved_state);
                if !self.meta().record_upload_progress(id, record.size, size, saved.as_deref()).await? {
                    tracing::warn!(upload = id, "upload changed by a concurrent request; its hash will be recomputed");
                }
                Ok(size)
            }
            Err(e) => {
                // Some bytes may have been written: only the blob store knows the size now.
                self.meta().forget_upload_progress(id).await?;
                match e {
                    StoreError::Io(io) => {
                        tracing::info!(upload = id, error = %io, "upload body ended early");
                        Err(Error::oci(crate::Code::BlobUploadInvalid, "the upload body could not be read completely"))
                    }
                    StoreError::OffsetMismatch { expected, .. } => {
                        Err(Error::oci(crate::Code::RangeInvalid, format!("chunk out of order: the upload has {expected} bytes"))
                            .with_detail(serde_json::json!({ "offset": expected })))
                    }
                    e => Err(e.into()),
                }
            }
        }
    }

    /// Completes an upload: appends `body` if any, verifies `digest`, stores and links the
    /// blob. A mismatching digest aborts the upload (nothing is stored).
    pub(crate) async fn finish_upload(
        &self,
        name: &str,
        id: &str,
        digest: &Digest,
        body: Option<ByteStream>,
        project_id: Option<i64>,
    ) -> Result<u64> {
        let mut record = self.check_upload(name, id).await?;
        if let Some(body) = body {
            self.append_to(id, &record, None, body).await?;
            record = self.check_upload(name, id).await?;
        }
        let saved = match (digest.algorithm(), record.size, record.hash_state.as_deref()) {
            (Algorithm::Sha256, Some(_), Some(saved)) => Hasher::restore_sha256(saved),
            _ => None,
        };
        let computed = match saved {
            Some(h) => h.finish(),
            None => {
                let mut h = Hasher::new(digest.algorithm());
                let mut s = self.store().upload_read(id).await?;
                while let Some(chunk) = s.next().await {
                    h.update(&chunk.map_err(StoreError::Io)?);
                }
                h.finish()
            }
        };
        if &computed != digest {
            self.abort_upload_quietly(id).await;
            return Err(Error::digest_invalid(format!("the uploaded content has digest {computed}, not {digest}"))
                .with_detail(serde_json::json!({ "digest": digest.to_string() })));
        }
        let size = self.store().upload_commit(id, digest).await?;
        if !self.meta().link_blob(name, project_id, &digest.to_string(), size as i64, &**self.store()).await? {
            self.abort_upload_quietly(id).await;
            return Err(Error::oci(
                crate::Code::BlobUploadInvalid,
                "the blob was removed by garbage collection while it was uploaded; upload it again",
            ));
        }
        self.meta().delete_upload(id).await?;
        Ok(size)
    }

    pub(crate) async fn cancel_upload(&self, name: &str, id: &str) -> Result<()> {
        self.check_upload(name, id).await?;
        self.store().upload_abort(id).await?;
        self.meta().delete_upload(id).await?;
        Ok(())
    }

    async fn abort_upload_quietly(&self, id: &str) {
        if let Err(e) = self.store().upload_abort(id).await {
            tracing::warn!(upload = id, error = %e, "cannot remove aborted upload from storage");
        }
        if let Err(e) = self.meta().delete_upload(id).await {
            tracing::warn!(upload = id, error = %e, "cannot remove aborted upload row");
        }
    }

    /// Links a blob of repository `from` into `name`; `false` when `from` lacks it.
    pub(crate) async fn mount_blob(&self, name: &str, from: &str, digest: &Digest, project_id: Option<i64>) -> Result<bool> {
        let Some(from_id) = self.meta().repository_id(from).await? else {
            return Ok(false);
        };
        let Some(size) = self.meta().repository_blob(from_id, &digest.to_string()).await? else {
            return Ok(false);
        };
        // `false` when GC removed the bytes meanwhile: the client then uploads them.
        self.meta().link_blob(name, project_id, &digest.to_string(), size, &**self.store()).await
    }

    pub(crate) async fn purge_stale_uploads(&self, older_than: Duration) -> Result<usize> {
        let before = berth_db::now_millis() - older_than.as_millis() as i64;
        let ids = self.meta().stale_uploads(before).await?;
        for id in &ids {
            self.store().upload_abort(id).await?;
            self.meta().delete_upload(id).await?;
        }
        Ok(ids.len())
    }
}
