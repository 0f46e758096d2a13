//! `HEAD|GET|PUT|DELETE /v2/<name>/manifests/<reference>`: media types, exact bytes,
//! reference checks, schema 1 refusal, size limit, deletes, concurrent pushes.

mod common;

use common::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn push_and_pull_by_tag_and_digest() {
    for reg in registries().await {
        let l = &reg.label;
        let t = reg.full_token(&["g/p/img"]);
        let img = reg.push_image("g/p/img", "v1", &t, "one").await;
        for reference in ["v1", img.digest.as_str()] {
            let r = reg
                .req(Method::GET, &format!("/v2/g/p/img/manifests/{reference}"), &t)
                .header("accept", OCI_MANIFEST)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "[{l}] GET {reference}");
            assert_eq!(header(&r, "docker-content-digest").as_deref(), Some(img.digest.as_str()));
            assert_eq!(header(&r, "content-type").as_deref(), Some(OCI_MANIFEST));
            assert_eq!(header(&r, "content-length"), Some(img.manifest.len().to_string()));
            assert_eq!(r.bytes().await.unwrap().as_ref(), img.manifest.as_slice(), "[{l}] exact bytes");

            let r = reg.req(Method::HEAD, &format!("/v2/g/p/img/manifests/{reference}"), &t).send().await.unwrap();
            assert_eq!(r.status(), 200, "[{l}] HEAD {reference}");
            assert_eq!(header(&r, "docker-content-digest").as_deref(), Some(img.digest.as_str()));
            assert_eq!(header(&r, "content-length"), Some(img.manifest.len().to_string()));
            assert_eq!(header(&r, "content-type").as_deref(), Some(OCI_MANIFEST));
        }
        // PUT by digest answers with Location and digest
        let r = reg.put_manifest("g/p/img", &img.digest, &t, OCI_MANIFEST, &img.manifest).await;
        assert_eq!(r.status(), 201, "[{l}] PUT by digest");
        assert_eq!(header(&r, "location").as_deref(), Some(format!("/v2/g/p/img/manifests/{}", img.digest).as_str()));
        assert_eq!(header(&r, "docker-content-digest").as_deref(), Some(img.digest.as_str()));

        // unknown references
        let r = reg.req(Method::GET, "/v2/g/p/img/manifests/nope", &t).send().await.unwrap();
        assert_eq!(r.status(), 404);
        assert_eq!(error_code(r).await, "MANIFEST_UNKNOWN");
        let r = reg.req(Method::GET, &format!("/v2/g/p/img/manifests/{}", sha256(b"x")), &t).send().await.unwrap();
        assert_eq!(r.status(), 404);
        let t2 = reg.full_token(&["no/such"]);
        let r = reg.req(Method::GET, "/v2/no/such/manifests/latest", &t2).send().await.unwrap();
        assert_eq!(r.status(), 404);
        assert_eq!(error_code(r).await, "NAME_UNKNOWN");
    }
}

#[tokio::test]
async fn docker_schema2_and_manifest_list() {
    for reg in registries().await {
        let l = &reg.label;
        let t = reg.full_token(&["d/img"]);
        let config = b"{\"architecture\":\"arm64\"}".to_vec();
        let layer = b"docker layer".to_vec();
        let cd = reg.push_blob("d/img", &t, &config).await;
        let ld = reg.push_blob("d/img", &t, &layer).await;
        let m = serde_json::to_vec(&json!({
            "schemaVersion": 2, "mediaType": DOCKER_MANIFEST,
            "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": config.len(), "digest": cd},
            "layers": [
                {"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": layer.len(), "digest": ld},
                {"mediaType": "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", "size": 10,
                 "digest": sha256(b"foreign, never uploaded"), "urls": ["https://example.com/layer"]}
            ]
        }))
        .unwrap();
        let r = reg.put_manifest("d/img", "arm64", &t, DOCKER_MANIFEST, &m).await;
        assert_eq!(r.status(), 201, "[{l}] schema 2 with a foreign layer: {}", r.text().await.unwrap());
        let md = sha256(&m);

        let list = serde_json::to_vec(&json!({
            "schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
            "manifests": [{"mediaType": DOCKER_MANIFEST, "size": m.len(), "digest": md,
                           "platform": {"architecture": "arm64", "os": "linux"}}]
        }))
        .unwrap();
        let r = reg.put_manifest("d/img", "latest", &t, "application/vnd.docker.distribution.manifest.list.v2+json", &list).await;
        assert_eq!(r.status(), 201, "[{l}] manifest list");
        let r = reg.req(Method::GET, "/v2/d/img/manifests/latest", &t).send().await.unwrap();
        assert_eq!(header(&r, "content-type").as_deref(), Some("application/vnd.docker.distribution.manifest.list.v2+json"));
        assert_eq!(r.bytes().await.unwrap().as_ref(), list.as_slice());

        // an OCI index whose child lives in another repository is refused, naming it
        let t2 = reg.full_token(&["d/other"]);
        let r = reg
            .put_manifest(
                "d/other",
                "latest",
                &t2,
                OCI_INDEX,
                &serde_json::to_vec(&json!({
                    "schemaVersion": 2, "mediaType": OCI_INDEX,
                    "manifests": [{"mediaType": DOCKER_MANIFEST, "size": m.len(), "digest": md}]
                }))
                .unwrap(),
            )
            .await;
        assert_eq!(r.status(), 404, "[{l}] index with unknown child");
        let e = error_json(r).await;
        assert_eq!(e["errors"][0]["code"], "MANIFEST_UNKNOWN");
        assert!(e.to_string().contains(&md), "[{l}] the error names the missing manifest: {e}");
    }
}

#[tokio::test]
async fn references_must_exist_in_the_same_repository() {
    for reg in registries().await {
        let l = &reg.label;
        let t = reg.full_token(&["r/one", "r/two"]);
        let cd = reg.push_blob("r/one", &t, b"{}").await;
        let ld = reg.push_blob("r/one", &t, b"layer in r/one").await;
        let m = image_manifest(&cd, 2, &[(ld.clone(), 14)], None);
        // blobs exist in r/one, not in r/two
        let r = reg.put_manifest("r/two", "v1", &t, OCI_MANIFEST, &m).await;
        assert_eq!(r.status(), 400, "[{l}]");
        let e = error_json(r).await;
        assert_eq!(e["errors"][0]["code"], "MANIFEST_BLOB_UNKNOWN");
        assert!(e.to_string().contains(&cd), "[{l}] names the missing digest: {e}");
        // nothing was created by the failed push
        let r = reg.req(Method::GET, "/v2/r/two/tags/list", &t).send().await.unwrap();
        assert_eq!(r.status(), 404, "[{l}] failed push leaves no repository");

        let missing = sha256(b"never pushed");
        let m2 = image_manifest(&cd, 2, &[(missing.clone(), 5)], None);
        let r = reg.put_manifest("r/one", "v2", &t, OCI_MANIFEST, &m2).await;
        let e = error_json(r).await;
        assert_eq!(e["errors"][0]["code"], "MANIFEST_BLOB_UNKNOWN");
        assert!(e.to_string().contains(&missing));
        assert_eq!(reg.put_manifest("r/one", "v1", &t, OCI_MANIFEST, &m).await.status(), 201);
    }
}

#[tokio::test]
async fn invalid_manifests_are_refused() {
    for reg in registries().await {
        let l = &reg.label;
        let t = reg.full_token(&["x/y"]);
        let img = reg.push_image("x/y", "ok", &t, "inv").await;

        let schema1 = serde_json::to_vec(&json!({"schemaVersion": 1, "name": "x/y", "tag": "old", "architecture": "amd64",
            "fsLayers": [{"blobSum": img.layer_digest}], "history": [{"v1Compatibility": "{}"}]}))
        .unwrap();
        let r = reg.put_manifest("x/y", "old", &t, "application/vnd.docker.distribution.manifest.v1+prettyjws", &schema1).await;
        assert_eq!(r.status(), 400, "[{l}] schema 1");
        let e = error_json(r).await;
        assert_eq!(e["errors"][0]["code"], "MANIFEST_INVALID");
        assert!(e["errors"][0]["message"].as_str().unwrap().contains("newer client"), "{e}");

        let r = reg.put_manifest("x/y", "bad", &t, OCI_MANIFEST, b"{not json").await;
        assert_eq!(r.status(), 400);
        assert_eq!(error_code(r).await, "MANIFEST_INVALID");

        // digest in the URL must match the body
        let r = reg.put_manifest("x/y", &sha256(b"other"), &t, OCI_MANIFEST, &img.manifest).await;
        assert_eq!(r.status(), 400, "[{l}]");
        assert_eq!(error_code(r).await, "DIGEST_INVALID");

        // invalid tag
        let r = reg.put_manifest("x/y", ".bad", &t, OCI_MANIFEST, &img.manifest).await;
        assert_eq!(r.status(), 400);
        assert_eq!(error_code(r).await, "MANIFEST_INVALID");

        // larger than 4 MiB
        let mut big = serde_json::from_slice::<serde_json::Value>(&img.manifest).unwrap();
        big["annotations"] = json!({"pad": "x".repeat(4 * 1024 * 1024)});
        let r = reg.put_manifest("x/y", "big", &t, OCI_MANIFEST, &serde_json::to_vec(&big).unwrap()).await;
        assert_eq!(r.status(), 413, "[{l}] oversized manifest");
        assert_eq!(error_code(r).await, "MANIFEST_INVALID");
    }
}

#[tokio::test]
async fn delete_by_tag_and_by_digest() {
    for reg in registries().await {
        let l = &reg.label;
        let t = reg.full_token(&["del/img"]);
        let img = reg.push_image("del/img", "a", &t, "del").await;
        assert_eq!(reg.put_manifest("del/img", "b", &t, OCI_MANIFEST, &img.manifest).await.status(), 201);

        // by tag: only the tag goes
        let r = reg.req(Method::DELETE, "/v2/del/img/manifests/a", &t).send().await.unwrap();
        assert_eq!(r.status(), 202, "[{l}]");
        assert_eq!(reg.req(Method::GET, "/v2/del/img/manifests/a", &t).send().await.unwrap().status(), 404);
        assert_eq!(reg.req(Method::GET, "/v2/del/img/manifests/b", &t).send().await.unwrap().status(), 200);
        assert_eq!(reg.req(Method::GET, &format!("/v2/del/img/manifests/{}", img.digest), &t).send().await.unwrap().status(), 200);

        // by digest: manifest and every tag
        let r = reg.req(Method::DELETE, &format!("/v2/del/img/manifests/{}", img.digest), &t).send().await.unwrap();
        assert_eq!(r.status(), 202, "[{l}]");
        assert_eq!(reg.req(Method::GET, "/v2/del/img/manifests/b", &t).send().await.unwrap().status(), 404);
        let r = reg.req(Method::GET, &format!("/v2/del/img/manifests/{}", img.digest), &t).send().await.unwrap();
        assert_eq!(r.status(), 404);
        assert_eq!(error_code(r).await, "MANIFEST_UNKNOWN");
        let r = reg.req(Method::GET, "/v2/del/img/tags/list", &t).send().await.unwrap();
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["tags"], json!([]));

        let r = reg.req(Method::DELETE, &format!("/v2/del/img/manifests/{}", img.digest), &t).send().await.unwrap();
        assert_eq!(r.status(), 404);
        assert_eq!(error_code(r).await, "MANIFEST_UNKNOWN");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_manifest_pushes_all_succeed() {
    for reg in registries().await {
        let l = reg.label.clone();
        let names: Vec<String> = (0..4).map(|i| format!("conc/img{i}")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let t = reg.full_token(&refs);
        // shared blobs in each repository
        let mut manifests = Vec::new();
        for n in &names {
            let cd = reg.push_blob(n, &t, b"{\"c\":1}").await;
            let ld = reg.push_blob(n, &t, b"shared layer").await;
            manifests.push((n.clone(), image_manifest(&cd, 7, &[(ld, 12)], None)));
        }
        let reg = std::sync::Arc::new(reg);
        let mut tasks = Vec::new();
        for i in 0..32 {
            let reg = reg.clone();
            let t = t.clone();
            let (name, m) = manifests[i % manifests.len()].clone();
            tasks
                .push(tokio::spawn(async move { reg.put_manifest(&name, &format!("t{i}"), &t, OCI_MANIFEST, &m).await.status().as_u16() }));
        }
        for task in tasks {
            assert_eq!(task.await.unwrap(), 201, "[{l}] every concurrent push succeeds");
        }
        let tags = reg.registry.service().tags("conc/img0").await.unwrap();
        assert_eq!(tags.len(), 8, "[{l}]");
    }
}

/// Two engines (two "nodes") on one SQLite file push concurrently: SQLite's single-writer
/// lock must queue them, never fail them with SQLITE_BUSY.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_on_one_sqlite_file() {
    use berth_registry::auth::{SigningKey, TokenIssuer};
    use berth_registry::storage::FilesystemStore;
    use berth_registry::{Registry, RegistryConfig};
    use std::sync::Arc;

    let dir = tempfile::tempdir().unwrap();
    let url = berth_db::Db::sqlite_url(&dir.path().join("shared.db"));
    let issuer = TokenIssuer::new(SigningKey::generate(), "t", "container_registry");
    let mut nodes = Vec::new();
    for _ in 0..2 {
        let db = berth_db::Db::connect(&url).await.unwrap();
        let store = Arc::new(FilesystemStore::new(dir.path().join("storage")));
        let registry = Registry::new(db, store, issuer.verifier(), RegistryConfig::new(REALM));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = registry.router();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        nodes.push(base);
    }
    let token = issuer.issue("t", vec![berth_registry::auth::Access::repository("two/nodes", &["pull", "push"])]).token;
    let client = reqwest::Client::new();
    let cfg = b"{}".to_vec();
    let layer = b"two nodes layer".to_vec();
    for (data, base) in [(&cfg, &nodes[0]), (&layer, &nodes[1])] {
        let r = client
            .post(format!("{base}/v2/two/nodes/blobs/uploads/?digest={}", sha256(data)))
            .bearer_auth(&token)
            .body(data.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    let m = image_manifest(&sha256(&cfg), 2, &[(sha256(&layer), layer.len())], None);
    let mut tasks = Vec::new();
    for i in 0..40 {
        let (client, token, m) = (client.clone(), token.clone(), m.clone());
        let base = nodes[i % 2].clone();
        tasks.push(tokio::spawn(async move {
            // each task also starts an upload: several kinds of writes interleave
            let r = client.post(format!("{base}/v2/two/nodes/blobs/uploads/")).bearer_auth(&token).send().await.unwrap();
            assert_eq!(r.status(), 202);
            client
                .put(format!("{base}/v2/two/nodes/manifests/t{i}"))
                .bearer_auth(&token)
                .header("content-type", OCI_MANIFEST)
                .body(m)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 201);
    }
    let r = client.get(format!("{}/v2/two/nodes/tags/list", nodes[0])).bearer_auth(&token).send().await.unwrap();
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["tags"].as_array().unwrap().len(), 40);
}
