//! The one driver test suite every [`BlobStore`] must pass. Integration tests call
//! [`run`] with each driver; it panics on the first violated expectation.

use std::sync::Arc;

use bytes::Bytes;
use futures::{stream, StreamExt, TryStreamExt};

use super::{BlobStore, ByteStream, StoreError};
use crate::digest::{Algorithm, Digest};

fn chunks(data: &[u8], size: usize) -> ByteStream {
    let parts: Vec<std::io::Result<Bytes>> = data.chunks(size.max(1)).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
    Box::pin(stream::iter(parts))
}

async fn read_all(s: ByteStream) -> Vec<u8> {
    let parts: Vec<Bytes> = s.try_collect().await.expect("read stream");
    parts.concat()
}

fn uid() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Runs every driver expectation against `store`.
pub async fn run(store: Arc<dyn BlobStore>) {
    // A chunked upload, committed under its digest.
    let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let digest = Digest::of(Algorithm::Sha256, &data);
    let id = uid();
    store.upload_create(&id).await.unwrap();
    assert_eq!(store.upload_size(&id).await.unwrap(), 0);
    assert_eq!(store.upload_append(&id, 0, chunks(&data[..70_000], 4096)).await.unwrap(), 70_000);
    match store.upload_append(&id, 10, chunks(b"x", 1)).await {
        Err(StoreError::OffsetMismatch { expected: 70_000, got: 10 }) => {}
        other => panic!("out-of-order append must fail, got {:?}", other.map(|_| ())),
    }
    assert_eq!(store.upload_append(&id, 70_000, chunks(&[], 1)).await.unwrap(), 70_000, "empty append");
    assert_eq!(store.upload_append(&id, 70_000, chunks(&data[70_000..], 10_000)).await.unwrap(), 200_000);
    assert_eq!(store.upload_size(&id).await.unwrap(), 200_000);
    assert_eq!(read_all(store.upload_read(&id).await.unwrap()).await, data);
    assert_eq!(store.stat(&digest).await.unwrap(), None);
    assert_eq!(store.upload_commit(&id, &digest).await.unwrap(), 200_000);
    assert!(matches!(store.upload_size(&id).await, Err(StoreError::UploadNotFound)), "commit ends the upload");
    assert_eq!(store.stat(&digest).await.unwrap(), Some(200_000));

    // Reads: whole and ranges.
    assert_eq!(read_all(store.open(&digest, None).await.unwrap()).await, data);
    assert_eq!(read_all(store.open(&digest, Some(10..20)).await.unwrap()).await, &data[10..20]);
    assert_eq!(read_all(store.open(&digest, Some(199_990..200_000)).await.unwrap()).await, &data[199_990..]);
    assert!(read_all(store.open(&digest, Some(5..5)).await.unwrap()).await.is_empty());
    assert!(matches!(store.open(&digest, Some(0..200_001)).await, Err(StoreError::InvalidRange)));

    // Listing finds it.
    let listed: Vec<Digest> = store.list().await.unwrap().try_collect().await.unwrap();
    assert!(listed.contains(&digest), "list must include committed blob");

    // Committing the same content again is idempotent.
    let id2 = uid();
    store.upload_create(&id2).await.unwrap();
    store.upload_append(&id2, 0, chunks(&data, 65_536)).await.unwrap();
    assert_eq!(store.upload_commit(&id2, &digest).await.unwrap(), 200_000);
    assert_eq!(read_all(store.open(&digest, None).await.unwrap()).await, data);

    // An empty blob and a sha512 blob.
    let empty = Digest::of(Algorithm::Sha256, b"");
    let id3 = uid();
    store.upload_create(&id3).await.unwrap();
    assert_eq!(store.upload_commit(&id3, &empty).await.unwrap(), 0);
    assert_eq!(store.stat(&empty).await.unwrap(), Some(0));
    assert!(read_all(store.open(&empty, None).await.unwrap()).await.is_empty());
    let d512 = Digest::of(Algorithm::Sha512, b"hello");
    let id4 = uid();
    store.upload_create(&id4).await.unwrap();
    store.upload_append(&id4, 0, chunks(b"hello", 2)).await.unwrap();
    store.upload_commit(&id4, &d512).await.unwrap();
    assert_eq!(read_all(store.open(&d512, None).await.unwrap()).await, b"hello");

    // Abort discards; unknown uploads are reported.
    let id5 = uid();
    store.upload_create(&id5).await.unwrap();
    store.upload_append(&id5, 0, chunks(b"abc", 1)).await.unwrap();
    store.upload_abort(&id5).await.unwrap();
    assert!(matches!(store.upload_size(&id5).await, Err(StoreError::UploadNotFound)));
    assert!(matches!(store.upload_append(&id5, 0, chunks(b"a", 1)).await, Err(StoreError::UploadNotFound)));
    store.upload_abort(&id5).await.expect("aborting twice is fine");
    // Listing upload sessions: sizes, and an aborted session is gone.
    let id7 = uid();
    store.upload_create(&id7).await.unwrap();
    store.upload_append(&id7, 0, chunks(b"abcd", 3)).await.unwrap();
    let sessions = store.upload_list().await.unwrap();
    assert!(
        sessions.contains(&super::UploadEntry { id: id7.clone(), size: 4 }),
        "upload_list must list a session with its size: {sessions:?}"
    );
    assert!(!sessions.iter().any(|u| u.id == id5), "an aborted session is not listed");
    store.upload_abort(&id7).await.unwrap();
    assert!(!store.upload_list().await.unwrap().iter().any(|u| u.id == id7));
    assert!(matches!(store.upload_size("../../etc").await, Err(StoreError::InvalidUploadId)));

    // Delete.
    store.delete(&digest).await.unwrap();
    assert_eq!(store.stat(&digest).await.unwrap(), None);
    assert!(matches!(store.open(&digest, None).await, Err(StoreError::NotFound)));
    store.delete(&digest).await.expect("deleting a missing blob is fine");
    let listed: Vec<Digest> = store.list().await.unwrap().try_collect().await.unwrap();
    assert!(!listed.contains(&digest));

    // A large streamed blob (exercises multipart paths in object stores).
    let big_len = 21 * 1024 * 1024 + 17;
    let big_stream = || -> ByteStream {
        Box::pin(stream::iter(0..(big_len / 65_536 + 1)).map(move |i| {
            let start = i * 65_536;
            let end = (start + 65_536).min(big_len);
            Ok(Bytes::from((start..end).map(|j| (j % 253) as u8).collect::<Vec<u8>>()))
        }))
    };
    let mut h = crate::digest::Hasher::new(Algorithm::Sha256);
    let mut s = big_stream();
    while let Some(c) = s.next().await {
        h.update(&c.unwrap());
    }
    let big_digest = h.finish();
    let id6 = uid();
    store.upload_create(&id6).await.unwrap();
    assert_eq!(store.upload_append(&id6, 0, big_stream()).await.unwrap(), big_len as u64);
    assert_eq!(store.upload_commit(&id6, &big_digest).await.unwrap(), big_len as u64);
    assert_eq!(store.stat(&big_digest).await.unwrap(), Some(big_len as u64));
    let tail = read_all(store.open(&big_digest, Some(big_len as u64 - 3..big_len as u64)).await.unwrap()).await;
    assert_eq!(tail, ((big_len - 3)..big_len).map(|j| (j % 253) as u8).collect::<Vec<u8>>());
    store.delete(&big_digest).await.unwrap();
}
