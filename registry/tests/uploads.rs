//! Blob uploads: monolithic, POST+PUT, chunked PATCH (with and without Content-Range),
//! status/resume, cancel, digest verification, cross-repository mount, stale purge; plus the
//! key push/pull flow against S3 when configured.

mod common;

use std::time::Duration;

use berth_registry::auth::Access;
use common::*;
use reqwest::Method;

fn location(r: &reqwest::Response) -> String {
    header(r, "location").expect("Location header")
}

async fn start_upload(reg: &TestRegistry, name: &str, t: &str) -> String {
    let r = reg.req(Method::POST, &format!("/v2/{name}/blobs/uploads/"), t).send().await.unwrap();
    assert_eq!(r.status(), 202, "[{}] start upload", reg.label);
    assert!(header(&r, "docker-upload-uuid").is_some());
    location(&r)
}

/// Chunked upload with Content-Range, status, out-of-order 416, final PUT; then pull.
async fn chunked_flow(reg: &TestRegistry) {
    let l = &reg.label;
    let t = reg.full_token(&["g/p"]);
    let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 241) as u8).collect();
    let digest = sha256(&data);
    let loc = start_upload(reg, "g/p", &t).await;

    let chunk1 = &data[..1_000_000];
    let r = reg
        .req(Method::PATCH, &loc, &t)
        .header("content-type", "application/octet-stream")
        .header("content-range", "0-999999")
        .body(chunk1.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202, "[{l}] first chunk");
    assert_eq!(header(&r, "range").as_deref(), Some("0-999999"));
    let loc = location(&r);

    // out of order: starts at 5 instead of 1_000_000
    let r = reg.req(Method::PATCH, &loc, &t).header("content-range", "5-10").body(vec![0u8; 6]).send().await.unwrap();
    assert_eq!(r.status(), 416, "[{l}] out-of-order chunk");
    assert_eq!(header(&r, "range").as_deref(), Some("0-999999"), "[{l}] 416 tells the current range");

    // resume: ask for the status
    let r = reg.req(Method::GET, &loc, &t).send().await.unwrap();
    assert_eq!(r.status(), 204, "[{l}] status");
    assert_eq!(header(&r, "range").as_deref(), Some("0-999999"));
    assert!(header(&r, "docker-upload-uuid").is_some());
    let loc = location(&r);

    // streamed chunk without Content-Range
    let r = reg.req(Method::PATCH, &loc, &t).body(data[1_000_000..2_000_000].to_vec()).send().await.unwrap();
    assert_eq!(r.status(), 202, "[{l}] streamed chunk");
    assert_eq!(header(&r, "range").as_deref(), Some("0-1999999"));
    let loc = location(&r);

    // final chunk in the PUT
    let r = reg
        .req(Method::PUT, &format!("{loc}?digest={digest}"), &t)
        .header("content-range", "2000000-2999999")
        .body(data[2_000_000..].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "[{l}] complete");
    assert_eq!(header(&r, "docker-content-digest").as_deref(), Some(digest.as_str()));
    assert_eq!(location(&r), format!("/v2/g/p/blobs/{digest}"));

    let r = reg.req(Method::GET, &format!("/v2/g/p/blobs/{digest}"), &t).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), data.as_slice(), "[{l}] round-trip");

    // the finished upload is gone
    let r = reg.req(Method::GET, &loc, &t).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(error_code(r).await, "BLOB_UPLOAD_UNKNOWN");
}

#[tokio::test]
async fn chunked_upload_with_resume() {
    for reg in registries().await {
        chunked_flow(&reg).await;
    }
}

#[tokio::test]
async fn post_then_put_and_monolithic() {
    for reg in registries().await {
        let l = &reg.label;
        let t = reg.full_token(&["a/b"]);
        let data = b"hello registry".to_vec();
        let digest = sha256(&data);
        let loc = start_upload(&reg, "a/b", &t).await;
        let r = reg.req(Method::PUT, &format!("{loc}?digest={digest}"), &t).body(data.clone()).send().await.unwrap();
        assert_eq!(r.status(), 201, "[{l}]");
        let r = reg.req(Method::HEAD, &format!("/v2/a/b/blobs/{digest}"), &t).send().await.unwrap();
        assert_eq!(r.status(), 200);

        // sha512 digests are verified too
        let data512 = b"sha512 content".to_vec();
        let d512 = {
            use sha2::Digest as _;
            format!("sha512:{}", hex::encode(sha2::Sha512::digest(&data512)))
        };
        let r = reg.req(Method::POST, &format!("/v2/a/b/blobs/uploads/?digest={d512}"), &t).body(data512.clone()).send().await.unwrap();
        assert_eq!(r.status(), 201, "[{l}] sha512 monolithic");
        let r = reg.req(Method::GET, &format!("/v2/a/b/blobs/{d512}"), &t).send().await.unwrap();
        assert_eq!(r.bytes().await.unwrap().as_ref(), data512.as_slice());
    }
}

#[tokio::test]
async fn wrong_digest_stores_nothing() {
    for reg in registries().await {
        let l = &reg.label;
        let t = reg.full_token(&["a/b"]);
        let claimed = sha256(b"what the client claims");
        let r = reg
            .req(Method::POST, &format!("/v2/a/b/blobs/uploads/?digest={claimed}"), &t)
            .body(b"something else".to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "[{l}]");
        assert_eq!(error_code(r).await, "DIGEST_INVALID");
        let r = reg.req(Method::HEAD, &format!("/v2/a/b/blobs/{claimed}"), &t).send().await.unwrap();
        assert_eq!(r.status(), 404, "[{l}] nothing stored under the claimed digest");
        let real = sha256(b"something else");
        let r = reg.req(Method::HEAD, &format!("/v2/a/b/blobs/{real}"), &t).send().await.unwrap();
        assert_eq!(r.status(), 404, "[{l}] nothing stored under the real digest");

        // via PUT: the upload is discarded
        let loc = start_upload(&reg, "a/b", &t).await;
        let r = reg.req(Method::PUT, &format!("{loc}?digest={claimed}"), &t).body(b"nope".to_vec()).send().await.unwrap();
        assert_eq!(r.status(), 400);
        assert_eq!(error_code(r).await, "DIGEST_INVALID");
        let r = reg.req(Method::GET, &loc, &t).send().await.unwrap();
        assert_eq!(r.status(), 404);

        // PUT without digest / with a malformed one
        let loc = start_upload(&reg, "a/b", &t).await;
        let r = reg.req(Method::PUT, &loc, &t).body(b"x".to_vec()).send().await.unwrap();
        assert_eq!(r.status(), 400, "[{l}] digest is required");
        assert_eq!(error_code(r).await, "DIGEST_INVALID");
        let r = reg.req(Method::PUT, &format!("{loc}?digest=md5:abc"), &t).body(b"x".to_vec()).send().await.unwrap();
        assert_eq!(r.status(), 400);
        assert_eq!(error_code(r).await, "DIGEST_INVALID");
    }
}

#[tokio::test]
async fn cancel_and_unknown_uploads() {
    for reg in registries().await {
        let l = &reg.label;
        let t = reg.full_token(&["a/b", "a/c"]);
        let loc = start_upload(&reg, "a/b", &t).await;
        reg.req(Method::PATCH, &loc, &t).body(b"partial".to_vec()).send().await.unwrap();
        let r = reg.req(Method::DELETE, &loc, &t).send().await.unwrap();
        assert_eq!(r.status(), 204, "[{l}] cancel");
        let r = reg.req(Method::GET, &loc, &t).send().await.unwrap();
        assert_eq!(r.status(), 404);
        assert_eq!(error_code(r).await, "BLOB_UPLOAD_UNKNOWN");
        let r = reg.req(Method::DELETE, &loc, &t).send().await.unwrap();
        assert_eq!(r.status(), 404);

        // an upload of one repository cannot be used through another
        let loc = start_upload(&reg, "a/b", &t).await;
        let id = loc.rsplit('/').next().unwrap();
        let r = reg.req(Method::PATCH, &format!("/v2/a/c/blobs/uploads/{id}"), &t).body(b"x".to_vec()).send().await.unwrap();
        assert_eq!(r.status(), 404, "[{l}]");
        assert_eq!(error_code(r).await, "BLOB_UPLOAD_UNKNOWN");
        let r = reg.req(Method::GET, "/v2/a/b/blobs/uploads/does-not-exist", &t).send().await.unwrap();
        assert_eq!(r.status(), 404);
        let r = reg.req(Method::GET, "/v2/a/b/blobs/uploads/..%2F..%2Fetc", &t).send().await.unwrap();
        assert_eq!(r.status(), 404, "[{l}] hostile ids are just unknown");
    }
}

#[tokio::test]
async fn cross_repository_mount() {
    for reg in registries().await {
        let l = &reg.label;
        let t = reg.full_token(&["src/img"]);
        let d = reg.push_blob("src/img", &t, b"mount me").await;

        // allowed: pull on the source, push on the target
        let t2 = reg.token(vec![Access::repository("src/img", &["pull"]), Access::repository("dst/img", &["pull", "push"])]);
        let r = reg.req(Method::POST, &format!("/v2/dst/img/blobs/uploads/?mount={d}&from=src/img"), &t2).send().await.unwrap();
        assert_eq!(r.status(), 201, "[{l}] mount");
        assert_eq!(header(&r, "location").as_deref(), Some(format!("/v2/dst/img/blobs/{d}").as_str()));
        assert_eq!(header(&r, "docker-content-digest").as_deref(), Some(d.as_str()));
        let r = reg.req(Method::GET, &format!("/v2/dst/img/blobs/{d}"), &t2).send().await.unwrap();
        assert_eq!(r.bytes().await.unwrap().as_ref(), b"mount me");

        // no pull on the source: falls back to a new upload
        let t3 = reg.token(vec![Access::repository("other/img", &["pull", "push"])]);
        let r = reg.req(Method::POST, &format!("/v2/other/img/blobs/uploads/?mount={d}&from=src/img"), &t3).send().await.unwrap();
        assert_eq!(r.status(), 202, "[{l}] mount refused → upload");
        assert!(header(&r, "location").unwrap().starts_with("/v2/other/img/blobs/uploads/"));
        let r = reg.req(Method::HEAD, &format!("/v2/other/img/blobs/{d}"), &t3).send().await.unwrap();
        assert_eq!(r.status(), 404, "[{l}] nothing was mounted");

        // source lacks the blob: new upload too
        let missing = sha256(b"absent");
        let r = reg.req(Method::POST, &format!("/v2/dst/img/blobs/uploads/?mount={missing}&from=src/img"), &t2).send().await.unwrap();
        assert_eq!(r.status(), 202);
    }
}

#[tokio::test]
async fn stale_uploads_are_purged() {
    for reg in registries().await {
        let l = &reg.label;
        let t = reg.full_token(&["a/b"]);
        let loc = start_upload(&reg, "a/b", &t).await;
        reg.req(Method::PATCH, &loc, &t).body(b"abc".to_vec()).send().await.unwrap();
        assert_eq!(reg.registry.purge_stale_uploads(Duration::from_secs(3600)).await.unwrap(), 0, "[{l}] fresh upload kept");
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(reg.registry.purge_stale_uploads(Duration::from_millis(1)).await.unwrap(), 1, "[{l}]");
        let r = reg.req(Method::GET, &loc, &t).send().await.unwrap();
        assert_eq!(r.status(), 404, "[{l}] purged upload is unknown");
        assert_eq!(reg.registry.config().upload_stale_after, Duration::from_secs(24 * 3600));
    }
}

/// The key flows against S3 (skipped without BERTH_TEST_S3_ENDPOINT).
#[tokio::test]
async fn s3_push_and_pull() {
    let Some(reg) = s3_registry().await else {
        return;
    };
    chunked_flow(&reg).await;
    let t = reg.full_token(&["s3/img"]);
    let img = reg.push_image("s3/img", "latest", &t, "s3").await;
    let r = reg.req(Method::GET, "/v2/s3/img/manifests/latest", &t).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), img.manifest.as_slice());
    let r = reg.req(Method::GET, &format!("/v2/s3/img/blobs/{}", img.layer_digest), &t).header("range", "bytes=5-9").send().await.unwrap();
    assert_eq!(r.status(), 206);
    assert_eq!(r.bytes().await.unwrap().as_ref(), &img.layer[5..10]);
    let r = reg.req(Method::GET, &format!("/v2/s3/img/blobs/{}", img.config_digest), &t).send().await.unwrap();
    assert_eq!(r.bytes().await.unwrap().as_ref(), img.config.as_slice());
}
