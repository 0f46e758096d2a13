//! S3 driver over `object_store`. Blobs live at `<prefix>blobs/<alg>/<ab>/<hex>`. S3 objects
//! cannot be appended to, so each upload chunk is its own object
//! `uploads/<id>/<offset, 20 digits>` (written with a multipart upload when large); commit
//! copies a single chunk server-side or streams the chunks into one multipart upload at the
//! blob's key, then removes the chunks.

use std::ops::Range;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use futures::stream::{self, BoxStream};
use futures::{StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::path::Path;
use object_store::{GetOptions, GetRange, ObjectStore, PutPayload, WriteMultipart};

use super::{blob_key, check_upload_id, BlobStore, ByteStream, StoreError, StoreResult, UploadEntry};
use crate::digest::Digest;

/// Part size of multipart uploads (S3 requires ≥ 5 MiB for all but the last part).
const PART_SIZE: usize = 8 * 1024 * 1024;
/// Parts in flight per upload; bounds memory at about `PART_SIZE * (MAX_IN_FLIGHT + 1)`.
const MAX_IN_FLIGHT: usize = 2;
/// Largest object S3's CopyObject handles in one request.
const MAX_COPY: u64 = 5 * 1024 * 1024 * 1024;
const STARTED_MARKER: &str = "started";

#[derive(Debug, Clone)]
pub struct S3Config {
    /// e.g. `https://s3.eu-west-1.amazonaws.com` or `http://127.0.0.1:9000`
    pub endpoint: String,
    pub bucket: String,
    pub region: String,
    pub access_key: String,
    pub secret_key: String,
    /// Allow plain-HTTP endpoints (local S3-compatible servers).
    pub allow_http: bool,
}

pub struct S3Store {
    store: Arc<dyn ObjectStore>,
}

impl S3Store {
    /// Builds the client (no request is made until first use). Uses path-style requests so
    /// that S3-compatible servers work without DNS tricks.
    pub fn new(config: S3Config) -> Result<S3Store, StoreError> {
        let store = AmazonS3Builder::new()
            .with_endpoint(config.endpoint)
            .with_bucket_name(config.bucket)
            .with_region(config.region)
            .with_access_key_id(config.access_key)
            .with_secret_access_key(config.secret_key)
            .with_allow_http(config.allow_http)
            .with_virtual_hosted_style_request(false)
            .build()
            .map_err(backend)?;
        Ok(S3Store { store: Arc::new(store) })
    }

    fn upload_prefix(id: &str) -> StoreResult<Path> {
        check_upload_id(id)?;
        Ok(Path::from(format!("uploads/{id}")))
    }

    /// The chunk objects of an upload in offset order, with their sizes; `None` when the
    /// upload does not exist.
    async fn parts(&self, id: &str) -> StoreResult<Option<Vec<(Path, u64)>>> {
        let prefix = Self::upload_prefix(id)?;
        let mut metas: Vec<_> = self.store.list(Some(&prefix)).try_collect().await.map_err(backend)?;
        if metas.is_empty() {
            return Ok(None);
        }
        metas.sort_by(|a, b| a.location.as_ref().cmp(b.location.as_ref()));
        Ok(Some(metas.into_iter().filter(|m| m.location.filename() != Some(STARTED_MARKER)).map(|m| (m.location, m.size)).collect()))
    }

    fn concat(&self, parts: Vec<(Path, u64)>) -> ByteStream {
        let store = self.store.clone();
        let s = stream::iter(parts)
            .then(move |(p, _)| {
                let store = store.clone();
                async move { store.get(&p).await.map(|r| r.into_stream().map_err(to_io)) }
            })
            .map_err(to_io)
            .try_flatten();
        Box::pin(s)
    }

    /// Writes a stream to `key`: one PUT when it fits in a part, else a multipart upload.
    async fn write_stream(&self, key: &Path, mut data: ByteStream) -> StoreResult<u64> {
        let mut buf = BytesMut::new();
        let mut total = 0u64;
        while buf.len() < PART_SIZE {
            match data.next().await {
                Some(chunk) => {
                    let chunk = chunk?;
                    total += chunk.len() as u64;
                    buf.extend_from_slice(&chunk);
                }
                None => {
                    self.store.put(key, PutPayload::from(buf.freeze())).await.map_err(backend)?;
                    return Ok(total);
                }
            }
        }
        let upload = self.store.put_multipart(key).await.map_err(backend)?;
        let mut w = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
        w.put(buf.freeze());
        let result: StoreResult<()> = async {
            while let Some(chunk) = data.next().await {
                let chunk: Bytes = chunk?;
                total += chunk.len() as u64;
                w.wait_for_capacity(MAX_IN_FLIGHT).await.map_err(backend)?;
                w.put(chunk);
            }
            Ok(())
        }
        .await;
        match result {
            Ok(()) => {
                w.finish().await.map_err(backend)?;
                Ok(total)
            }
            Err(e) => {
                let _ = w.abort().await;
                Err(e)
            }
        }
    }
}

fn backend(e: object_store::Error) -> StoreError {
    match e {
        object_store::Error::NotFound { .. } => StoreError::NotFound,
        e => StoreError::Backend(e.to_string()),
    }
}

fn to_io(e: object_store::Error) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

#[async_trait::async_trait]
impl BlobStore for S3Store {
    async fn stat(&self, digest: &Digest) -> StoreResult<Option<u64>> {
        match self.store.head(&Path::from(blob_key(digest))).await {
            Ok(m) => Ok(Some(m.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(backend(e)),
        }
    }

    async fn open(&self, digest: &Digest, range: Option<Range<u64>>) -> StoreResult<ByteStream> {
        let key = Path::from(blob_key(digest));
        if let Some(r) = &range {
            let size = self.stat(digest).await?.ok_or(StoreError::NotFound)?;
            if r.start > r.end || r.end > size {
                return Err(StoreError::InvalidRange);
            }
            if r.start == r.end {
                return Ok(Box::pin(stream::empty()));
            }
        }
        let opts = GetOptions { range: range.map(GetRange::Bounded), ..Default::default() };
        let res = self.store.get_opts(&key, opts).await.map_err(backend)?;
        Ok(Box::pin(res.into_stream().map_err(to_io)))
    }

    async fn delete(&self, digest: &Digest) -> StoreResult<()> {
        match self.store.delete(&Path::from(blob_key(digest))).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(backend(e)),
        }
    }

    async fn list(&self) -> StoreResult<BoxStream<'static, StoreResult<Digest>>> {
        let s = self.store.list(Some(&Path::from("blobs"))).map_err(backend).try_filter_map(|m| async move {
            let parts: Vec<_> = m.location.parts().collect();
            // blobs / alg / ab / hex
            if parts.len() == 4 {
                let d = format!("{}:{}", parts[1].as_ref(), parts[3].as_ref());
                Ok(d.parse::<Digest>().ok())
            } else {
                Ok(None)
            }
        });
        Ok(s.boxed())
    }

    async fn upload_create(&self, id: &str) -> StoreResult<()> {
        let marker = Self::upload_prefix(id)?.child(STARTED_MARKER);
        self.store.put(&marker, PutPayload::new()).await.map_err(backend)?;
        Ok(())
    }

    async fn upload_append(&self, id: &str, offset: u64, data: ByteStream) -> StoreResult<u64> {
        let current = self.upload_size(id).await?;
        if current != offset {
            return Err(StoreError::OffsetMismatch { expected: current, got: offset });
        }
        let key = Self::upload_prefix(id)?.child(format!("{offset:020}"));
        let written = self.write_stream(&key, data).await?;
        if written == 0 {
            // An empty chunk adds nothing; don't leave an empty object that would collide
            // with the next chunk's offset.
            let _ = self.store.delete(&key).await;
        }
        Ok(offset + written)
    }

    async fn upload_size(&self, id: &str) -> StoreResult<u64> {
        let parts = self.parts(id).await?.ok_or(StoreError::UploadNotFound)?;
        Ok(parts.iter().map(|(_, s)| s).sum())
    }

    async fn upload_read(&self, id: &str) -> StoreResult<ByteStream> {
        let parts = self.parts(id).await?.ok_or(StoreError::UploadNotFound)?;
        Ok(self.concat(parts))
    }

    async fn upload_commit(&self, id: &str, digest: &Digest) -> StoreResult<u64> {
        let parts = self.parts(id).await?.ok_or(StoreError::UploadNotFound)?;
        let size: u64 = parts.iter().map(|(_, s)| s).sum();
        let to = Path::from(blob_key(digest));
        if self.stat(digest).await?.is_none() {
            match parts.as_slice() {
                [] => {
                    self.store.put(&to, PutPayload::new()).await.map_err(backend)?;
                }
                [(only, s)] if *s <= MAX_COPY => {
                    self.store.copy(only, &to).await.map_err(backend)?;
                }
                _ => {
                    let stream = self.concat(parts);
                    self.write_stream(&to, stream).await?;
                }
            }
        }
        self.upload_abort(id).await?;
        Ok(size)
    }

    async fn upload_abort(&self, id: &str) -> StoreResult<()> {
        let prefix = Self::upload_prefix(id)?;
        let keys: Vec<_> = self.store.list(Some(&prefix)).map_ok(|m| m.location).try_collect().await.map_err(backend)?;
        for k in keys {
            match self.store.delete(&k).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(backend(e)),
            }
        }
        Ok(())
    }

    async fn upload_list(&self) -> StoreResult<Vec<UploadEntry>> {
        // uploads/<id>/<offset> and uploads/<id>/started: one session per <id>.
        let metas: Vec<_> = self.store.list(Some(&Path::from("uploads"))).try_collect().await.map_err(backend)?;
        let mut sizes: std::collections::BTreeMap<String, u64> = std::collections::BTreeMap::new();
        for m in metas {
            let parts: Vec<_> = m.location.parts().collect();
            if parts.len() == 3 && check_upload_id(parts[1].as_ref()).is_ok() {
                *sizes.entry(parts[1].as_ref().to_string()).or_default() += m.size;
            }
        }
        Ok(sizes.into_iter().map(|(id, size)| UploadEntry { id, size }).collect())
    }
}
