//! In-memory driver for tests and throwaway instances (holds everything in RAM).

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Mutex;

use bytes::{Bytes, BytesMut};
use futures::stream::{self, BoxStream};
use futures::StreamExt;

use super::{check_upload_id, BlobStore, ByteStream, StoreError, StoreResult, UploadEntry};
use crate::digest::Digest;

#[derive(Default)]
pub struct MemoryStore {
    blobs: Mutex<HashMap<Digest, Bytes>>,
    uploads: Mutex<HashMap<String, BytesMut>>,
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }
}

#[async_trait::async_trait]
impl BlobStore for MemoryStore {
    async fn stat(&self, digest: &Digest) -> StoreResult<Option<u64>> {
        Ok(self.blobs.lock().unwrap().get(digest).map(|b| b.len() as u64))
    }

    async fn open(&self, digest: &Digest, range: Option<Range<u64>>) -> StoreResult<ByteStream> {
        let data = self.blobs.lock().unwrap().get(digest).cloned().ok_or(StoreError::NotFound)?;
        let data = match range {
            None => data,
            Some(r) => {
                if r.start > r.end || r.end > data.len() as u64 {
                    return Err(StoreError::InvalidRange);
                }
                data.slice(r.start as usize..r.end as usize)
            }
        };
        Ok(Box::pin(stream::once(async move { Ok(data) })))
    }

    async fn delete(&self, digest: &Digest) -> StoreResult<()> {
        self.blobs.lock().unwrap().remove(digest);
        Ok(())
    }

    async fn list(&self) -> StoreResult<BoxStream<'static, StoreResult<Digest>>> {
        let all: Vec<_> = self.blobs.lock().unwrap().keys().cloned().map(Ok).collect();
        Ok(stream::iter(all).boxed())
    }

    async fn upload_create(&self, id: &str) -> StoreResult<()> {
        check_upload_id(id)?;
        self.uploads.lock().unwrap().insert(id.to_string(), BytesMut::new());
        Ok(())
    }

    async fn upload_append(&self, id: &str, offset: u64, mut data: ByteStream) -> StoreResult<u64> {
        check_upload_id(id)?;
        {
            let uploads = self.uploads.lock().unwrap();
            let cur = uploads.get(id).ok_or(StoreError::UploadNotFound)?;
            if cur.len() as u64 != offset {
                return Err(StoreError::OffsetMismatch { expected: cur.len() as u64, got: offset });
            }
        }
        while let Some(chunk) = data.next().await {
            let chunk = chunk?;
            let mut uploads = self.uploads.lock().unwrap();
            uploads.get_mut(id).ok_or(StoreError::UploadNotFound)?.extend_from_slice(&chunk);
        }
        self.upload_size(id).await
    }

    async fn upload_size(&self, id: &str) -> StoreResult<u64> {
        check_upload_id(id)?;
        self.uploads.lock().unwrap().get(id).map(|b| b.len() as u64).ok_or(StoreError::UploadNotFound)
    }

    async fn upload_read(&self, id: &str) -> StoreResult<ByteStream> {
        check_upload_id(id)?;
        let data = self.uploads.lock().unwrap().get(id).cloned().ok_or(StoreError::UploadNotFound)?.freeze();
        Ok(Box::pin(stream::once(async move { Ok(data) })))
    }

    async fn upload_commit(&self, id: &str, digest: &Digest) -> StoreResult<u64> {
        check_upload_id(id)?;
        let data = self.uploads.lock().unwrap().remove(id).ok_or(StoreError::UploadNotFound)?.freeze();
        let size = data.len() as u64;
        self.blobs.lock().unwrap().entry(digest.clone()).or_insert(data);
        Ok(size)
    }

    async fn upload_abort(&self, id: &str) -> StoreResult<()> {
        check_upload_id(id)?;
        self.uploads.lock().unwrap().remove(id);
        Ok(())
    }

    async fn upload_list(&self) -> StoreResult<Vec<UploadEntry>> {
        Ok(self.uploads.lock().unwrap().iter().map(|(id, b)| UploadEntry { id: id.clone(), size: b.len() as u64 }).collect())
    }
}
