//! No sequence of `/v2/` calls leaves a tag whose pull fails: a platform manifest listed by
//! an index, and a blob used by a manifest, stay while they are referenced; a manifest whose
//! descriptors disagree with the stored content is refused, naming the digest.

mod common;

use common::*;
use reqwest::Method;
use serde_json::json;

const NAME: &str = "g/p/integrity";

fn index_of(children: &[(&str, usize)]) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "schemaVersion": 2, "mediaType": OCI_INDEX,
        "manifests": children.iter().map(|(d, s)| json!({
            "mediaType": OCI_MANIFEST, "digest": d, "size": s,
            "platform": {"architecture": "amd64", "os": "linux"}})).collect::<Vec<_>>(),
    }))
    .unwrap()
}

#[tokio::test]
async fn a_platform_manifest_listed_by_an_index_cannot_be_deleted() {
    for reg in registries().await {
        let l = &reg.label;
        let t = reg.full_token(&[NAME]);
        let child = reg.push_image(NAME, "child", &t, "platform").await;
        let index = index_of(&[(&child.digest, child.manifest.len())]);
        let r = reg.put_manifest(NAME, "multi", &t, OCI_INDEX, &index).await;
        assert_eq!(r.status(), 201, "[{l}] index put");

        let r = reg.req(Method::DELETE, &format!("/v2/{NAME}/manifests/{}", child.digest), &t).send().await.unwrap();
        assert_eq!(r.status(), 409, "[{l}] delete of a referenced child");
        let body = error_json(r).await;
        assert_eq!(body["errors"][0]["code"], "MANIFEST_REFERENCED", "[{l}] {body}");
        assert_eq!(body["errors"][0]["message"], "manifest referenced by a manifest list", "[{l}]");

        // The multi-platform pull still works: the index and its child are there.
        let r = reg.req(Method::GET, &format!("/v2/{NAME}/manifests/multi"), &t).header("accept", OCI_INDEX).send().await.unwrap();
        assert_eq!(r.status(), 200, "[{l}]");
        let r = reg
            .req(Method::GET, &format!("/v2/{NAME}/manifests/{}", child.digest), &t)
            .header("accept", OCI_MANIFEST)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "[{l}] child still pullable");

        // Deleting the index first frees the child.
        let index_digest = sha256(&index);
        let r = reg.req(Method::DELETE, &format!("/v2/{NAME}/manifests/{index_digest}"), &t).send().await.unwrap();
        assert_eq!(r.status(), 202, "[{l}] index delete");
        let r = reg.req(Method::DELETE, &format!("/v2/{NAME}/manifests/{}", child.digest), &t).send().await.unwrap();
        assert_eq!(r.status(), 202, "[{l}] child delete after its index");
    }
}

#[tokio::test]
async fn a_blob_used_by_a_manifest_cannot_be_unlinked() {
    for reg in registries().await {
        let l = &reg.label;
        let t = reg.full_token(&[NAME]);
        let img = reg.push_image(NAME, "v1", &t, "layer user").await;
        for digest in [&img.layer_digest, &img.config_digest] {
            let r = reg.req(Method::DELETE, &format!("/v2/{NAME}/blobs/{digest}"), &t).send().await.unwrap();
            assert_eq!(r.status(), 409, "[{l}] unlink of a used blob");
            let body = error_json(r).await;
            assert_eq!(body["errors"][0]["code"], "DENIED", "[{l}] {body}");
            let message = body["errors"][0]["message"].as_str().unwrap();
            assert!(message.contains(digest.as_str()) && message.contains(&img.digest), "[{l}] names both: {message}");
        }
        let r = reg.req(Method::GET, &format!("/v2/{NAME}/blobs/{}", img.layer_digest), &t).send().await.unwrap();
        assert_eq!(r.status(), 200, "[{l}] the tag's layer still pulls");
        assert_eq!(r.bytes().await.unwrap().as_ref(), img.layer.as_slice(), "[{l}]");

        // Once the manifest is gone, the blob may be unlinked.
        let r = reg.req(Method::DELETE, &format!("/v2/{NAME}/manifests/{}", img.digest), &t).send().await.unwrap();
        assert_eq!(r.status(), 202, "[{l}]");
        let r = reg.req(Method::DELETE, &format!("/v2/{NAME}/blobs/{}", img.layer_digest), &t).send().await.unwrap();
        assert_eq!(r.status(), 202, "[{l}] unlink after the manifest went");
    }
}

#[tokio::test]
async fn descriptors_must_match_the_stored_content() {
    for reg in registries().await {
        let l = &reg.label;
        let t = reg.full_token(&[NAME]);
        let config = br#"{"architecture":"amd64","os":"linux"}"#.to_vec();
        let layer = b"layer whose size is declared wrong".to_vec();
        let config_digest = reg.push_blob(NAME, &t, &config).await;
        let layer_digest = reg.push_blob(NAME, &t, &layer).await;

        for (config_size, layer_size, wrong) in
            [(config.len(), layer.len() + 1, &layer_digest), (config.len() - 1, layer.len(), &config_digest)]
        {
            let m = image_manifest(&config_digest, config_size, &[(layer_digest.clone(), layer_size)], None);
            let r = reg.put_manifest(NAME, "bad-size", &t, OCI_MANIFEST, &m).await;
            assert_eq!(r.status(), 400, "[{l}] wrong size for {wrong}");
            let body = error_json(r).await;
            assert_eq!(body["errors"][0]["code"], "MANIFEST_INVALID", "[{l}] {body}");
            assert!(body["errors"][0]["message"].as_str().unwrap().contains(wrong.as_str()), "[{l}] names the digest: {body}");
            assert_eq!(body["errors"][0]["detail"]["digest"], wrong.as_str(), "[{l}]");
        }
        // A huge declared size (beyond i64) is refused as invalid, not a server error.
        let m = serde_json::to_vec(&json!({
            "schemaVersion": 2, "mediaType": OCI_MANIFEST,
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": u64::MAX},
            "layers": [],
        }))
        .unwrap();
        let r = reg.put_manifest(NAME, "huge", &t, OCI_MANIFEST, &m).await;
        assert_eq!(r.status(), 400, "[{l}] huge size");
        assert_eq!(error_code(r).await, "MANIFEST_INVALID", "[{l}]");

        // An index whose child descriptor has the wrong size or media type.
        let good = image_manifest(&config_digest, config.len(), &[(layer_digest.clone(), layer.len())], None);
        let r = reg.put_manifest(NAME, "good", &t, OCI_MANIFEST, &good).await;
        assert_eq!(r.status(), 201, "[{l}] the right sizes are accepted");
        let child = sha256(&good);
        let r = reg.put_manifest(NAME, "bad-index", &t, OCI_INDEX, &index_of(&[(&child, good.len() + 5)])).await;
        assert_eq!(r.status(), 400, "[{l}] index child size");
        assert_eq!(error_code(r).await, "MANIFEST_INVALID", "[{l}]");
        let wrong_type = serde_json::to_vec(&json!({
            "schemaVersion": 2, "mediaType": OCI_INDEX,
            "manifests": [{"mediaType": OCI_INDEX, "digest": child, "size": good.len()}],
        }))
        .unwrap();
        let r = reg.put_manifest(NAME, "bad-index", &t, OCI_INDEX, &wrong_type).await;
        assert_eq!(r.status(), 400, "[{l}] index child media type");
        let body = error_json(r).await;
        assert!(body["errors"][0]["message"].as_str().unwrap().contains("media type"), "[{l}] {body}");
        // Nothing was tagged by the refused pushes.
        for tag in ["bad-size", "huge", "bad-index"] {
            let r = reg.req(Method::HEAD, &format!("/v2/{NAME}/manifests/{tag}"), &t).send().await.unwrap();
            assert_eq!(r.status(), 404, "[{l}] {tag} left nothing");
        }
    }
}

#[tokio::test]
async fn a_mount_challenge_asks_for_pull_on_the_source() {
    for reg in registries().await {
        let l = &reg.label;
        let digest = "sha256:".to_string() + &"a".repeat(64);
        let r = reg.req(Method::POST, &format!("/v2/{NAME}/blobs/uploads/?mount={digest}&from=g/p/source"), "").send().await.unwrap();
        assert_eq!(r.status(), 401, "[{l}]");
        let challenge = header(&r, "www-authenticate").unwrap();
        assert!(challenge.contains(&format!("scope=\"repository:{NAME}:pull,push repository:g/p/source:pull\"")), "[{l}] {challenge}");
        // A plain upload start asks only for the target.
        let r = reg.req(Method::POST, &format!("/v2/{NAME}/blobs/uploads/"), "").send().await.unwrap();
        let challenge = header(&r, "www-authenticate").unwrap();
        assert!(challenge.contains(&format!("scope=\"repository:{NAME}:pull,push\"")), "[{l}] {challenge}");
    }
}
