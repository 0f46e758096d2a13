//! Filesystem driver: `<root>/blobs/<alg>/<ab>/<hex>` and `<root>/uploads/<id>`; uploads are
//! synced and renamed into place, so a blob path never holds partial bytes.

use std::io::SeekFrom;
use std::ops::Range;
use std::path::{Path, PathBuf};

use futures::stream::{self, BoxStream};
use futures::StreamExt;
use tokio::io::{AsyncSeekExt, AsyncWriteExt, BufWriter};
use tokio_util::io::ReaderStream;

use super::{blob_key, check_upload_id, BlobStore, ByteStream, StoreError, StoreResult, UploadEntry};
use crate::digest::Digest;

const READ_CHUNK: usize = 256 * 1024;

#[derive(Debug, Clone)]
pub struct FilesystemStore {
    root: PathBuf,
}

impl FilesystemStore {
    /// A store rooted at `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> FilesystemStore {
        FilesystemStore { root: root.into() }
    }

    fn blob_path(&self, digest: &Digest) -> PathBuf {
        self.root.join(blob_key(digest))
    }

    fn upload_path(&self, id: &str) -> StoreResult<PathBuf> {
        check_upload_id(id)?;
        Ok(self.root.join("uploads").join(id))
    }
}

fn not_found_as(e: std::io::Error, as_: StoreError) -> StoreError {
    if e.kind() == std::io::ErrorKind::NotFound {
        as_
    } else {
        StoreError::Io(e)
    }
}

async fn file_len(path: &Path) -> std::io::Result<Option<u64>> {
    match tokio::fs::metadata(path).await {
        Ok(m) => Ok(Some(m.len())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

#[async_trait::async_trait]
impl BlobStore for FilesystemStore {
    async fn stat(&self, digest: &Digest) -> StoreResult<Option<u64>> {
        Ok(file_len(&self.blob_path(digest)).await?)
    }

    async fn open(&self, digest: &Digest, range: Option<Range<u64>>) -> StoreResult<ByteStream> {
        let mut file = tokio::fs::File::open(self.blob_path(digest)).await.map_err(|e| not_found_as(e, StoreError::NotFound))?;
        match range {
            None => Ok(Box::pin(ReaderStream::with_capacity(file, READ_CHUNK))),
            Some(r) => {
                let len = file.metadata().await?.len();
                if r.start > r.end || r.end > len {
                    return Err(StoreError::InvalidRange);
                }
                file.seek(SeekFrom::Start(r.start)).await?;
                use tokio::io::AsyncReadExt;
                Ok(Box::pin(ReaderStream::with_capacity(file.take(r.end - r.start), READ_CHUNK)))
            }
        }
    }

    async fn delete(&self, digest: &Digest) -> StoreResult<()> {
        match tokio::fs::remove_file(self.blob_path(digest)).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    async fn list(&self) -> StoreResult<BoxStream<'static, StoreResult<Digest>>> {
        // Walks blobs/<alg>/<xx>/<hex>; names that are not digests are ignored.
        let mut out = Vec::new();
        let base = self.root.join("blobs");
        for alg in ["sha256", "sha512"] {
            let mut prefixes = match tokio::fs::read_dir(base.join(alg)).await {
                Ok(d) => d,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e.into()),
            };
            while let Some(p) = prefixes.next_entry().await? {
                if !p.file_type().await?.is_dir() {
                    continue;
                }
                let mut files = tokio::fs::read_dir(p.path()).await?;
                while let Some(f) = files.next_entry().await? {
                    if let Some(name) = f.file_name().to_str() {
                        if let Ok(d) = format!("{alg}:{name}").parse::<Digest>() {
                            out.push(Ok(d));
                        }
                    }
                }
            }
        }
        Ok(stream::iter(out).boxed())
    }

    async fn upload_create(&self, id: &str) -> StoreResult<()> {
        let path = self.upload_path(id)?;
        tokio::fs::create_dir_all(path.parent().expect("uploads dir")).await?;
        tokio::fs::OpenOptions::new().write(true).create_new(true).open(&path).await?;
        Ok(())
    }

    async fn upload_append(&self, id: &str, offset: u64, mut data: ByteStream) -> StoreResult<u64> {
        let path = self.upload_path(id)?;
        let file = tokio::fs::OpenOptions::new().append(true).open(&path).await.map_err(|e| not_found_as(e, StoreError::UploadNotFound))?;
        let len = file.metadata().await?.len();
        if len != offset {
            return Err(StoreError::OffsetMismatch { expected: len, got: offset });
        }
        let mut w = BufWriter::with_capacity(1 << 20, file);
        let mut written = len;
        while let Some(chunk) = data.next().await {
            let chunk = chunk?;
            w.write_all(&chunk).await?;
            written += chunk.len() as u64;
        }
        w.flush().await?;
        Ok(written)
    }

    async fn upload_size(&self, id: &str) -> StoreResult<u64> {
        file_len(&self.upload_path(id)?).await?.ok_or(StoreError::UploadNotFound)
    }

    async fn upload_read(&self, id: &str) -> StoreResult<ByteStream> {
        let file = tokio::fs::File::open(self.upload_path(id)?).await.map_err(|e| not_found_as(e, StoreError::UploadNotFound))?;
        Ok(Box::pin(ReaderStream::with_capacity(file, READ_CHUNK)))
    }

    async fn upload_commit(&self, id: &str, digest: &Digest) -> StoreResult<u64> {
        let from = self.upload_path(id)?;
        let file = tokio::fs::File::open(&from).await.map_err(|e| not_found_as(e, StoreError::UploadNotFound))?;
        file.sync_all().await?;
        let size = file.metadata().await?.len();
        drop(file);
        let to = self.blob_path(digest);
        tokio::fs::create_dir_all(to.parent().expect("blob dir")).await?;
        if file_len(&to).await?.is_some() {
            // Same digest, same bytes: keep the existing file.
            tokio::fs::remove_file(&from).await?;
        } else {
            tokio::fs::rename(&from, &to).await?;
        }
        Ok(size)
    }

    async fn upload_abort(&self, id: &str) -> StoreResult<()> {
        match tokio::fs::remove_file(self.upload_path(id)?).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    async fn upload_list(&self) -> StoreResult<Vec<UploadEntry>> {
        let mut dir = match tokio::fs::read_dir(self.root.join("uploads")).await {
            Ok(d) => d,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
        let mut out = Vec::new();
        while let Some(f) = dir.next_entry().await? {
            let Some(id) = f.file_name().to_str().map(str::to_string) else { continue };
            if check_upload_id(&id).is_err() {
                continue;
            }
            let meta = f.metadata().await?;
            if meta.is_file() {
                out.push(UploadEntry { id, size: meta.len() });
            }
        }
        Ok(out)
    }
}
