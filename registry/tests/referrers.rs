//! `GET /v2/<name>/referrers/<digest>` and the `OCI-Subject` header on manifest PUT.

mod common;

use common::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn referrers_index_and_filter() {
    for reg in registries().await {
        let l = &reg.label;
        let t = reg.full_token(&["ref/img"]);
        let img = reg.push_image("ref/img", "v1", &t, "subject").await;
        let empty = reg.push_blob("ref/img", &t, b"{}").await;
        let sig_layer = reg.push_blob("ref/img", &t, b"signature").await;

        // an artifact with artifactType and annotations, pointing at the image
        let sig = serde_json::to_vec(&json!({
            "schemaVersion": 2, "mediaType": OCI_MANIFEST,
            "artifactType": "application/vnd.example.signature",
            "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": empty, "size": 2},
            "layers": [{"mediaType": "application/octet-stream", "digest": sig_layer, "size": 9}],
            "subject": {"mediaType": OCI_MANIFEST, "digest": img.digest, "size": img.manifest.len()},
            "annotations": {"org.example.signed-by": "tester"}
        }))
        .unwrap();
        let sig_digest = sha256(&sig);
        let r = reg.put_manifest("ref/img", &sig_digest, &t, OCI_MANIFEST, &sig).await;
        assert_eq!(r.status(), 201, "[{l}]");
        assert_eq!(header(&r, "oci-subject").as_deref(), Some(img.digest.as_str()), "[{l}] OCI-Subject");

        // an SBOM whose artifact type comes from its config media type
        let sbom_cfg = reg.push_blob("ref/img", &t, b"{\"sbom\":true}").await;
        let sbom = serde_json::to_vec(&json!({
            "schemaVersion": 2, "mediaType": OCI_MANIFEST,
            "config": {"mediaType": "application/vnd.example.sbom", "digest": sbom_cfg, "size": 13},
            "layers": [],
            "subject": {"mediaType": OCI_MANIFEST, "digest": img.digest, "size": img.manifest.len()}
        }))
        .unwrap();
        let sbom_digest = sha256(&sbom);
        assert_eq!(reg.put_manifest("ref/img", &sbom_digest, &t, OCI_MANIFEST, &sbom).await.status(), 201);

        let r = reg.req(Method::GET, &format!("/v2/ref/img/referrers/{}", img.digest), &t).send().await.unwrap();
        assert_eq!(r.status(), 200, "[{l}]");
        assert_eq!(header(&r, "content-type").as_deref(), Some(OCI_INDEX));
        assert!(header(&r, "oci-filters-applied").is_none());
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["schemaVersion"], 2);
        assert_eq!(v["mediaType"], OCI_INDEX);
        let ms = v["manifests"].as_array().unwrap();
        assert_eq!(ms.len(), 2, "[{l}] {v}");
        let sig_desc = ms.iter().find(|m| m["digest"] == sig_digest.as_str()).expect("signature listed");
        assert_eq!(sig_desc["artifactType"], "application/vnd.example.signature");
        assert_eq!(sig_desc["mediaType"], OCI_MANIFEST);
        assert_eq!(sig_desc["size"], sig.len());
        assert_eq!(sig_desc["annotations"]["org.example.signed-by"], "tester");
        let sbom_desc = ms.iter().find(|m| m["digest"] == sbom_digest.as_str()).expect("sbom listed");
        assert_eq!(sbom_desc["artifactType"], "application/vnd.example.sbom");

        let r = reg
            .req(Method::GET, &format!("/v2/ref/img/referrers/{}?artifactType=application/vnd.example.sbom", img.digest), &t)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(header(&r, "oci-filters-applied").as_deref(), Some("artifactType"), "[{l}]");
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["manifests"].as_array().unwrap().len(), 1);
        assert_eq!(v["manifests"][0]["digest"], sbom_digest.as_str());

        // unknown subject: empty index, not 404
        let r = reg.req(Method::GET, &format!("/v2/ref/img/referrers/{}", sha256(b"none")), &t).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["manifests"], json!([]));

        let r = reg.req(Method::GET, "/v2/ref/img/referrers/sha256:nothex", &t).send().await.unwrap();
        assert_eq!(r.status(), 400);
        assert_eq!(error_code(r).await, "DIGEST_INVALID");

        // a referrer may be pushed before its subject exists
        let later = sha256(b"subject pushed later");
        let early = serde_json::to_vec(&json!({
            "schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": "application/vnd.example.early",
            "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": empty, "size": 2},
            "layers": [], "subject": {"mediaType": OCI_MANIFEST, "digest": later, "size": 1}
        }))
        .unwrap();
        let r = reg.put_manifest("ref/img", &sha256(&early), &t, OCI_MANIFEST, &early).await;
        assert_eq!(r.status(), 201, "[{l}]");
        let v: serde_json::Value =
            reg.req(Method::GET, &format!("/v2/ref/img/referrers/{later}"), &t).send().await.unwrap().json().await.unwrap();
        assert_eq!(v["manifests"].as_array().unwrap().len(), 1);
    }
}
