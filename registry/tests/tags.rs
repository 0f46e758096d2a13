//! `GET /v2/<name>/tags/list` (lexical order, `n`/`last`, `Link`) and GitLab's
//! `DELETE /v2/<name>/tags/reference/<tag>`; the service layer's tag view.

mod common;

use common::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn list_and_paginate() {
    for reg in registries().await {
        let l = &reg.label;
        let t = reg.full_token(&["tg/img"]);
        let img = reg.push_image("tg/img", "v2", &t, "tags").await;
        for tag in ["v10", "a", "B", "v1", "latest"] {
            assert_eq!(reg.put_manifest("tg/img", tag, &t, OCI_MANIFEST, &img.manifest).await.status(), 201);
        }
        let r = reg.req(Method::GET, "/v2/tg/img/tags/list", &t).send().await.unwrap();
        assert_eq!(r.status(), 200, "[{l}]");
        assert!(header(&r, "link").is_none());
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v, json!({"name": "tg/img", "tags": ["B", "a", "latest", "v1", "v10", "v2"]}), "[{l}] lexical order");

        let r = reg.req(Method::GET, "/v2/tg/img/tags/list?n=2", &t).send().await.unwrap();
        let link = header(&r, "link").expect("Link header on a partial page");
        assert_eq!(link, "</v2/tg/img/tags/list?n=2&last=a>; rel=\"next\"", "[{l}]");
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["tags"], json!(["B", "a"]));

        // follow the Link until exhausted
        let mut next = Some(link);
        let mut seen = vec!["B".to_string(), "a".to_string()];
        while let Some(link) = next {
            let path = link.trim_start_matches('<').split('>').next().unwrap().to_string();
            let r = reg.req(Method::GET, &path, &t).send().await.unwrap();
            next = header(&r, "link");
            let v: serde_json::Value = r.json().await.unwrap();
            seen.extend(v["tags"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()));
        }
        assert_eq!(seen, ["B", "a", "latest", "v1", "v10", "v2"], "[{l}]");

        let r = reg.req(Method::GET, "/v2/tg/img/tags/list?n=10&last=v1", &t).send().await.unwrap();
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["tags"], json!(["v10", "v2"]));
        assert!(v.get("name").is_some());

        let r = reg.req(Method::GET, "/v2/tg/img/tags/list?n=0", &t).send().await.unwrap();
        assert_eq!(r.status(), 200);

        let t2 = reg.full_token(&["tg/none"]);
        let r = reg.req(Method::GET, "/v2/tg/none/tags/list", &t2).send().await.unwrap();
        assert_eq!(r.status(), 404);
        assert_eq!(error_code(r).await, "NAME_UNKNOWN");
    }
}

#[tokio::test]
async fn tag_reference_delete() {
    for reg in registries().await {
        let l = &reg.label;
        let t = reg.full_token(&["tg/del"]);
        let img = reg.push_image("tg/del", "keep", &t, "tagdel").await;
        assert_eq!(reg.put_manifest("tg/del", "drop", &t, OCI_MANIFEST, &img.manifest).await.status(), 201);
        let r = reg.req(Method::DELETE, "/v2/tg/del/tags/reference/drop", &t).send().await.unwrap();
        assert_eq!(r.status(), 202, "[{l}]");
        let v: serde_json::Value = reg.req(Method::GET, "/v2/tg/del/tags/list", &t).send().await.unwrap().json().await.unwrap();
        assert_eq!(v["tags"], json!(["keep"]));
        // the manifest stays
        assert_eq!(reg.req(Method::GET, &format!("/v2/tg/del/manifests/{}", img.digest), &t).send().await.unwrap().status(), 200);
        let r = reg.req(Method::DELETE, "/v2/tg/del/tags/reference/drop", &t).send().await.unwrap();
        assert_eq!(r.status(), 404, "[{l}] already gone");
        // needs the delete action
        let pull_push = reg.token(vec![berth_registry::auth::Access::repository("tg/del", &["pull", "push"])]);
        let r = reg.req(Method::DELETE, "/v2/tg/del/tags/reference/keep", &pull_push).send().await.unwrap();
        assert_eq!(r.status(), 401);
    }
}

#[tokio::test]
async fn service_layer_lists_tags_and_repositories() {
    for reg in registries().await {
        let l = &reg.label;
        let t = reg.full_token(&["svc/p/one", "svc/p/two", "svc/q"]);
        let one = reg.push_image("svc/p/one", "v1", &t, "svc1").await;
        reg.push_image("svc/p/two", "v1", &t, "svc2").await;
        reg.push_image("svc/q", "v1", &t, "svc3").await;
        let svc = reg.registry.service();
        let tags = svc.tags("svc/p/one").await.unwrap();
        assert_eq!(tags.len(), 1, "[{l}]");
        assert_eq!(tags[0].name, "v1");
        assert_eq!(tags[0].digest, one.digest);
        assert_eq!(tags[0].media_type, OCI_MANIFEST);
        assert_eq!(tags[0].total_size as usize, one.manifest.len() + one.config.len() + one.layer.len(), "[{l}]");
        assert!(tags[0].created_at > 0 && tags[0].pushed_at > 0);

        let repos = svc.repositories(Some("svc/p"), None, 100).await.unwrap();
        let paths: Vec<_> = repos.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(paths, ["svc/p/one", "svc/p/two"], "[{l}] prefix filter");
        assert_eq!(repos[0].tag_count, 1);
        assert!(repos[0].project_id.is_none());

        assert!(svc.delete_tag("svc/p/one", "v1").await.unwrap());
        assert!(!svc.delete_tag("svc/p/one", "v1").await.unwrap());
        assert!(svc.tags("svc/p/one").await.unwrap().is_empty());
        assert!(svc.delete_manifest("svc/p/one", &one.digest).await.unwrap());
    }
}
