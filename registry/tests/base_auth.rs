//! `GET /v2/` and token authentication: challenges, signature, audience, expiry, scopes.

mod common;

use berth_registry::auth::{Access, SigningKey, TokenIssuer};
use common::*;
use reqwest::Method;

#[tokio::test]
async fn base_requires_a_valid_token() {
    for reg in registries().await {
        let l = &reg.label;
        let r = reg.client.get(reg.url("/v2/")).send().await.unwrap();
        assert_eq!(r.status(), 401, "[{l}]");
        assert_eq!(header(&r, "docker-distribution-api-version").as_deref(), Some("registry/2.0"));
        let challenge = header(&r, "www-authenticate").unwrap();
        assert!(challenge.starts_with(&format!("Bearer realm=\"{REALM}\",service=\"container_registry\"")), "{challenge}");
        assert_eq!(error_code(r).await, "UNAUTHORIZED");

        let token = reg.token(vec![]);
        let r = reg.req(Method::GET, "/v2/", &token).send().await.unwrap();
        assert_eq!(r.status(), 200, "[{l}]");
        assert_eq!(header(&r, "docker-distribution-api-version").as_deref(), Some("registry/2.0"));
        // without the trailing slash too
        assert_eq!(reg.req(Method::GET, "/v2", &token).send().await.unwrap().status(), 200);
    }
}

#[tokio::test]
async fn bad_tokens_are_refused() {
    for reg in registries().await {
        let l = &reg.label;
        let other_key = TokenIssuer::new(SigningKey::generate(), "berth-test", "container_registry");
        let forged = other_key.issue("x", vec![Access::repository("a/b", &["pull"])]).token;
        assert_eq!(reg.req(Method::GET, "/v2/", &forged).send().await.unwrap().status(), 401, "[{l}] other key");

        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        let expired = reg.issuer.issue_at("x", vec![], now - 3600).token;
        let r = reg.req(Method::GET, "/v2/", &expired).send().await.unwrap();
        assert_eq!(r.status(), 401, "[{l}] expired");
        assert!(header(&r, "www-authenticate").unwrap().contains("error=\"invalid_token\""));

        let future = reg.issuer.issue_at("x", vec![], now + 3600).token;
        assert_eq!(reg.req(Method::GET, "/v2/", &future).send().await.unwrap().status(), 401, "[{l}] nbf");

        let key_pem = SigningKey::generate();
        let wrong_aud = TokenIssuer::new(key_pem, "berth-test", "other_service").issue("x", vec![]).token;
        assert_eq!(reg.req(Method::GET, "/v2/", &wrong_aud).send().await.unwrap().status(), 401, "[{l}] aud");

        assert_eq!(reg.req(Method::GET, "/v2/", "not.a.jwt").send().await.unwrap().status(), 401);
        let basic = reg.client.get(reg.url("/v2/")).basic_auth("u", Some("p")).send().await.unwrap();
        assert_eq!(basic.status(), 401, "[{l}] basic auth is not accepted on /v2/");
    }
}

#[tokio::test]
async fn actions_are_checked_per_repository() {
    for reg in registries().await {
        let l = &reg.label;
        let full = reg.full_token(&["g/p"]);
        let img = reg.push_image("g/p", "v1", &full, "auth").await;

        // pull-only token: can read, cannot push or delete
        let pull = reg.token(vec![Access::repository("g/p", &["pull"])]);
        assert_eq!(reg.req(Method::GET, "/v2/g/p/manifests/v1", &pull).send().await.unwrap().status(), 200, "[{l}]");
        let r = reg.req(Method::POST, "/v2/g/p/blobs/uploads/", &pull).send().await.unwrap();
        assert_eq!(r.status(), 401, "[{l}] push with pull-only token");
        let c = header(&r, "www-authenticate").unwrap();
        assert!(c.contains("scope=\"repository:g/p:pull,push\""), "{c}");
        assert!(c.contains("error=\"insufficient_scope\""), "{c}");
        let r = reg.req(Method::DELETE, &format!("/v2/g/p/manifests/{}", img.digest), &pull).send().await.unwrap();
        assert_eq!(r.status(), 401, "[{l}] delete needs the delete action");
        assert!(header(&r, "www-authenticate").unwrap().contains("scope=\"repository:g/p:delete\""));

        // a token for another repository grants nothing here
        let other = reg.token(vec![Access::repository("g/other", &["pull", "push"])]);
        let r = reg.req(Method::GET, "/v2/g/p/manifests/v1", &other).send().await.unwrap();
        assert_eq!(r.status(), 401, "[{l}]");
        assert!(header(&r, "www-authenticate").unwrap().contains("scope=\"repository:g/p:pull\""));

        // "*" grants every action
        let star = reg.token(vec![Access::repository("g/p", &["*"])]);
        assert_eq!(reg.req(Method::GET, "/v2/g/p/tags/list", &star).send().await.unwrap().status(), 200);
        assert_eq!(reg.req(Method::DELETE, "/v2/g/p/manifests/v1", &star).send().await.unwrap().status(), 202, "[{l}]");

        // no token at all on a repository endpoint: challenge with the scope to request
        let r = reg.client.get(reg.url("/v2/g/p/tags/list")).send().await.unwrap();
        assert_eq!(r.status(), 401);
        assert!(header(&r, "www-authenticate").unwrap().contains("scope=\"repository:g/p:pull\""));
    }
}

/// The server's project check plugs in as a RepositoryPolicy: refused pushes get its error,
/// allowed ones record its project id.
#[tokio::test]
async fn repository_policy_hook() {
    use berth_registry::auth::Claims;
    use berth_registry::storage::MemoryStore;
    use berth_registry::{Code, Error, Registry, RegistryConfig, RepositoryPolicy};
    use std::sync::Arc;

    struct ProjectsOnly;
    #[async_trait::async_trait]
    impl RepositoryPolicy for ProjectsOnly {
        async fn authorize_push(&self, path: &str, _claims: &Claims) -> Result<Option<i64>, Error> {
            if path.starts_with("grp/proj") {
                Ok(Some(42))
            } else {
                Err(Error::oci(Code::Denied, "no project at this path"))
            }
        }
    }

    let dir = tempfile::tempdir().unwrap();
    for (backend, url) in berth_db::testing::test_database_urls(dir.path()).await {
        let db = berth_db::Db::connect(&url).await.unwrap();
        let issuer = TokenIssuer::new(SigningKey::generate(), "t", "container_registry");
        let registry = Registry::new(db, Arc::new(MemoryStore::new()), issuer.verifier(), RegistryConfig::new(REALM))
            .with_policy(Arc::new(ProjectsOnly));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = registry.router();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let token = issuer
            .issue("t", vec![Access::repository("grp/proj/img", &["pull", "push"]), Access::repository("stray/img", &["pull", "push"])])
            .token;
        let client = reqwest::Client::new();
        let r = client.post(format!("{base}/v2/stray/img/blobs/uploads/")).bearer_auth(&token).send().await.unwrap();
        assert_eq!(r.status(), 403, "[{backend}]");
        assert_eq!(error_code(r).await, "DENIED");
        let r = client
            .put(format!("{base}/v2/stray/img/manifests/v1"))
            .bearer_auth(&token)
            .header("content-type", OCI_MANIFEST)
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "[{backend}] manifest push refused too");

        let r = client
            .post(format!("{base}/v2/grp/proj/img/blobs/uploads/?digest={}", sha256(b"ok")))
            .bearer_auth(&token)
            .body("ok")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "[{backend}]");
        let repo = registry.service().repository("grp/proj/img").await.unwrap().expect("repository row");
        assert_eq!(repo.project_id, Some(42), "[{backend}]");
    }
}
