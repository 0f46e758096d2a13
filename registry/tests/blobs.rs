//! `HEAD|GET|DELETE /v2/<name>/blobs/<digest>` including ranges.

mod common;

use common::*;
use reqwest::Method;

#[tokio::test]
async fn blob_head_get_range_delete() {
    for reg in registries().await {
        let l = &reg.label;
        let t = reg.full_token(&["g/p", "g/q"]);
        let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 256) as u8).collect();
        let d = reg.push_blob("g/p", &t, &data).await;

        let r = reg.req(Method::HEAD, &format!("/v2/g/p/blobs/{d}"), &t).send().await.unwrap();
        assert_eq!(r.status(), 200, "[{l}]");
        assert_eq!(header(&r, "content-length").as_deref(), Some("100000"));
        assert_eq!(header(&r, "docker-content-digest").as_deref(), Some(d.as_str()));

        let r = reg.req(Method::GET, &format!("/v2/g/p/blobs/{d}"), &t).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(header(&r, "docker-content-digest").as_deref(), Some(d.as_str()));
        assert_eq!(header(&r, "accept-ranges").as_deref(), Some("bytes"));
        assert_eq!(r.bytes().await.unwrap().as_ref(), data.as_slice(), "[{l}] bytes round-trip");

        let r = reg.req(Method::GET, &format!("/v2/g/p/blobs/{d}"), &t).header("range", "bytes=10-19").send().await.unwrap();
        assert_eq!(r.status(), 206, "[{l}]");
        assert_eq!(header(&r, "content-range").as_deref(), Some("bytes 10-19/100000"));
        assert_eq!(r.bytes().await.unwrap().as_ref(), &data[10..20]);

        let r = reg.req(Method::GET, &format!("/v2/g/p/blobs/{d}"), &t).header("range", "bytes=99990-").send().await.unwrap();
        assert_eq!(r.status(), 206);
        assert_eq!(r.bytes().await.unwrap().as_ref(), &data[99_990..]);

        let r = reg.req(Method::GET, &format!("/v2/g/p/blobs/{d}"), &t).header("range", "bytes=-4").send().await.unwrap();
        assert_eq!(r.status(), 206);
        assert_eq!(r.bytes().await.unwrap().as_ref(), &data[99_996..]);

        let r = reg.req(Method::GET, &format!("/v2/g/p/blobs/{d}"), &t).header("range", "bytes=100000-").send().await.unwrap();
        assert_eq!(r.status(), 416, "[{l}]");
        assert_eq!(header(&r, "content-range").as_deref(), Some("bytes */100000"));

        // the blob is not visible from another repository
        let r = reg.req(Method::GET, &format!("/v2/g/q/blobs/{d}"), &t).send().await.unwrap();
        assert_eq!(r.status(), 404, "[{l}]");

        // unknown blob
        let unknown = sha256(b"nothing");
        let r = reg.req(Method::GET, &format!("/v2/g/p/blobs/{unknown}"), &t).send().await.unwrap();
        assert_eq!(r.status(), 404);
        assert_eq!(error_code(r).await, "BLOB_UNKNOWN");
        let r = reg.req(Method::HEAD, &format!("/v2/g/p/blobs/{unknown}"), &t).send().await.unwrap();
        assert_eq!(r.status(), 404);

        // invalid digest
        let r = reg.req(Method::GET, "/v2/g/p/blobs/sha256:xyz", &t).send().await.unwrap();
        assert_eq!(r.status(), 400);
        assert_eq!(error_code(r).await, "DIGEST_INVALID");

        // delete unlinks from the repository
        let r = reg.req(Method::DELETE, &format!("/v2/g/p/blobs/{d}"), &t).send().await.unwrap();
        assert_eq!(r.status(), 202, "[{l}]");
        let r = reg.req(Method::HEAD, &format!("/v2/g/p/blobs/{d}"), &t).send().await.unwrap();
        assert_eq!(r.status(), 404);
        let r = reg.req(Method::DELETE, &format!("/v2/g/p/blobs/{d}"), &t).send().await.unwrap();
        assert_eq!(r.status(), 404);
        assert_eq!(error_code(r).await, "BLOB_UNKNOWN");
    }
}

#[tokio::test]
async fn empty_blob() {
    for reg in registries().await {
        let t = reg.full_token(&["e/mpty"]);
        let d = reg.push_blob("e/mpty", &t, b"").await;
        let r = reg.req(Method::GET, &format!("/v2/e/mpty/blobs/{d}"), &t).send().await.unwrap();
        assert_eq!(r.status(), 200, "[{}]", reg.label);
        assert!(r.bytes().await.unwrap().is_empty());
    }
}
