//! Error envelope, names, tags and unknown endpoints.

mod common;

use common::*;
use reqwest::Method;

#[tokio::test]
async fn invalid_names_are_name_invalid() {
    for reg in registries().await {
        let l = &reg.label;
        let long = "a".repeat(256);
        for name in ["Upper/case", "a//b", "-a/b", "a_-b/c", long.as_str()] {
            let t = reg.full_token(&[]);
            let r = reg.req(Method::GET, &format!("/v2/{name}/tags/list"), &t).send().await.unwrap();
            assert_eq!(r.status(), 400, "[{l}] {name}");
            assert_eq!(header(&r, "docker-distribution-api-version").as_deref(), Some("registry/2.0"));
            assert_eq!(header(&r, "content-type").as_deref(), Some("application/json"));
            let v = error_json(r).await;
            assert_eq!(v["errors"][0]["code"], "NAME_INVALID", "[{l}] {name}");
            assert!(v["errors"][0]["message"].is_string());
            assert!(v["errors"][0].get("detail").is_some());
        }
        // valid multi-level names work
        let t = reg.full_token(&["group/sub/project/image"]);
        reg.push_image("group/sub/project/image", "v1", &t, "deep").await;
        let long_ok = format!("{}/{}", "a".repeat(127), "b".repeat(127));
        let t = reg.full_token(&[long_ok.as_str()]);
        reg.push_blob(&long_ok, &t, b"x").await;
    }
}

#[tokio::test]
async fn tags_follow_the_spec_pattern() {
    for reg in registries().await {
        let l = &reg.label;
        let t = reg.full_token(&["tag/rules"]);
        let img = reg.push_image("tag/rules", "ok", &t, "tagrules").await;
        let longest = "t".repeat(128);
        for good in ["_under", "A.b-c_d", longest.as_str()] {
            assert_eq!(reg.put_manifest("tag/rules", good, &t, OCI_MANIFEST, &img.manifest).await.status(), 201, "[{l}] {good}");
        }
        let too_long = "t".repeat(129);
        for bad in ["-dash", ".dot", too_long.as_str()] {
            let r = reg.put_manifest("tag/rules", bad, &t, OCI_MANIFEST, &img.manifest).await;
            assert_eq!(r.status(), 400, "[{l}] {bad}");
            assert_eq!(error_code(r).await, "MANIFEST_INVALID");
        }
    }
}

#[tokio::test]
async fn unknown_endpoints_and_methods() {
    for reg in registries().await {
        let l = &reg.label;
        let t = reg.full_token(&["a/b"]);
        let r = reg.req(Method::GET, "/v2/a/b/nothing/here", &t).send().await.unwrap();
        assert_eq!(r.status(), 404, "[{l}]");
        assert_eq!(header(&r, "docker-distribution-api-version").as_deref(), Some("registry/2.0"));
        assert!(error_json(r).await["errors"].is_array());
        let r = reg.req(Method::POST, "/v2/a/b/manifests/latest", &t).send().await.unwrap();
        assert_eq!(r.status(), 405, "[{l}]");
        assert_eq!(error_code(r).await, "UNSUPPORTED");
        let r = reg.req(Method::PUT, &format!("/v2/a/b/blobs/{}", sha256(b"")), &t).send().await.unwrap();
        assert_eq!(r.status(), 405);
        let r = reg.req(Method::GET, "/v2/a/b/tags/list?n=abc", &t).send().await.unwrap();
        assert_eq!(r.status(), 400, "[{l}] bad n is a client error, not a 500");
    }
}
