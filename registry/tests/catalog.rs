//! `GET /v2/_catalog`: administrators only (`registry:catalog:*`), paginated.

mod common;

use berth_registry::auth::Access;
use common::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn catalog_for_administrators() {
    for reg in registries().await {
        let l = &reg.label;
        let t = reg.full_token(&["cat/b", "cat/a", "cat/c"]);
        for n in ["cat/b", "cat/a", "cat/c"] {
            reg.push_image(n, "v1", &t, n).await;
        }
        // a repository token is not enough
        let r = reg.req(Method::GET, "/v2/_catalog", &t).send().await.unwrap();
        assert_eq!(r.status(), 401, "[{l}]");
        let c = header(&r, "www-authenticate").unwrap();
        assert!(c.contains("scope=\"registry:catalog:*\""), "{c}");

        let admin = reg.token(vec![Access::catalog()]);
        let r = reg.req(Method::GET, "/v2/_catalog", &admin).send().await.unwrap();
        assert_eq!(r.status(), 200, "[{l}]");
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v, json!({"repositories": ["cat/a", "cat/b", "cat/c"]}));

        let r = reg.req(Method::GET, "/v2/_catalog?n=2", &admin).send().await.unwrap();
        assert_eq!(header(&r, "link").as_deref(), Some("</v2/_catalog?n=2&last=cat%2Fb>; rel=\"next\""), "[{l}]");
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["repositories"], json!(["cat/a", "cat/b"]));
        let r = reg.req(Method::GET, "/v2/_catalog?n=2&last=cat%2Fb", &admin).send().await.unwrap();
        assert!(header(&r, "link").is_none());
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["repositories"], json!(["cat/c"]));
    }
}
