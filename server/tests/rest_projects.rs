//! `/api/v4/` projects, groups, members, users and tokens against the real server (SQLite,
//! and PostgreSQL when `BERTH_TEST_POSTGRES_URL` is set): what python-gitlab needs to set up a
//! scenario, the registry settings on the project object, pagination headers and refusals.

mod common;
mod rest_support;

use rest_support::{expect, group_and_project, servers, user_with_token};
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn projects_groups_and_registry_settings() {
    let dir = tempfile::tempdir().unwrap();
    for server in servers(dir.path()).await {
        let b = server.backend;
        let root = server.root();
        let project = group_and_project(&server, "team", "web", "private").await;
        let pid = project["id"].as_i64().unwrap();
        assert_eq!(project["path_with_namespace"], "team/web", "{b}");
        assert_eq!(project["container_registry_access_level"], "enabled", "{b}");
        assert_eq!(project["container_registry_enabled"], true, "{b}");
        assert_eq!(project["container_registry_image_prefix"], format!("{}/team/web", server.host()), "{b}");
        let policy = &project["container_expiration_policy"];
        assert_eq!(
            (
                policy["enabled"].clone(),
                policy["cadence"].clone(),
                policy["keep_n"].clone(),
                policy["older_than"].clone(),
                policy["name_regex"].clone()
            ),
            (json!(false), json!("1d"), json!(10), json!("90d"), json!(".*")),
            "{b}: defaults"
        );
        assert_eq!(expect(root.get("/projects/team%2Fweb").await, 200, b)["id"], pid, "{b}");
        expect(root.get("/projects/team%2Fnope").await, 404, b);
        let group = expect(root.get("/groups/team").await, 200, b);
        assert_eq!(group["full_path"], "team", "{b}");
        expect(root.post("/groups", json!({"name": "team", "path": "team"})).await, 409, b);
        let sub = expect(root.post("/groups", json!({"name": "Sub", "path": "sub", "parent_id": group["id"]})).await, 201, b);
        assert_eq!(sub["full_path"], "team/sub", "{b}");
        expect(root.post("/projects", json!({"name": "x", "visibility": "galactic"})).await, 400, b);

        // Registry settings through PUT.
        let p = expect(root.put(&format!("/projects/{pid}"), json!({"container_registry_access_level": "private"})).await, 200, b);
        assert_eq!(p["container_registry_access_level"], "private", "{b}");
        let p = expect(root.put(&format!("/projects/{pid}"), json!({"container_registry_enabled": false})).await, 200, b);
        assert_eq!(
            (p["container_registry_access_level"].clone(), p["container_registry_enabled"].clone()),
            (json!("disabled"), json!(false)),
            "{b}"
        );
        let p = expect(root.put(&format!("/projects/{pid}"), json!({"container_registry_enabled": true})).await, 200, b);
        assert_eq!(p["container_registry_access_level"], "enabled", "{b}");
        let e = expect(root.put(&format!("/projects/{pid}"), json!({"container_registry_access_level": "open"})).await, 400, b);
        assert!(e["error"].is_string(), "{b}");

        // The expiration policy: saved, validated, with next_run_at when enabled.
        let attrs = json!({"container_expiration_policy_attributes": {
            "enabled": true, "cadence": "7d", "keep_n": 5, "older_than": "14d", "name_regex": "v.*", "name_regex_keep": "stable"}});
        let p = expect(root.put(&format!("/projects/{pid}"), attrs).await, 200, b);
        let policy = &p["container_expiration_policy"];
        assert_eq!(
            (policy["cadence"].clone(), policy["keep_n"].clone(), policy["name_regex_keep"].clone()),
            (json!("7d"), json!(5), json!("stable")),
            "{b}"
        );
        assert!(policy["next_run_at"].is_string(), "{b}: {policy}");
        let p = expect(
            root.put(&format!("/projects/{pid}"), json!({"container_expiration_policy_attributes": {"keep_n": null, "older_than": null}}))
                .await,
            200,
            b,
        );
        assert_eq!(
            (p["container_expiration_policy"]["keep_n"].clone(), p["container_expiration_policy"]["cadence"].clone()),
            (Value::Null, json!("7d")),
            "{b}"
        );
        for (attrs, needle) in [
            (json!({"cadence": "2d"}), "cadence"),
            (json!({"keep_n": 3}), "keep_n"),
            (json!({"older_than": "1d"}), "older_than"),
            (json!({"name_regex": "v(1"}), "position"),
            (json!({"name_regex_keep": "a".repeat(256)}), "255"),
        ] {
            let e = expect(root.put(&format!("/projects/{pid}"), json!({"container_expiration_policy_attributes": attrs})).await, 400, b);
            assert!(e.to_string().contains(needle), "{b}: {e}");
        }
        let p = expect(
            root.put(&format!("/projects/{pid}"), json!({"container_expiration_policy_attributes": {"enabled": false}})).await,
            200,
            b,
        );
        assert_eq!(p["container_expiration_policy"]["next_run_at"], Value::Null, "{b}");

        // Who may change what.
        let (dev_id, dev) = user_with_token(&server, "dev", &["api"]).await;
        let (maint_id, maint) = user_with_token(&server, "maint", &["api"]).await;
        let (_, outsider) = user_with_token(&server, "outsider", &["api"]).await;
        expect(root.post(&format!("/projects/{pid}/members"), json!({"user_id": dev_id, "access_level": 30})).await, 201, b);
        expect(root.post(&format!("/projects/{pid}/members"), json!({"user_id": maint_id, "access_level": 40})).await, 201, b);
        expect(
            server.api(Some(&dev)).put(&format!("/projects/{pid}"), json!({"container_registry_access_level": "private"})).await,
            403,
            b,
        );
        expect(
            server
                .api(Some(&dev))
                .put(&format!("/projects/{pid}"), json!({"container_expiration_policy_attributes": {"enabled": true}}))
                .await,
            403,
            b,
        );
        expect(
            server.api(Some(&maint)).put(&format!("/projects/{pid}"), json!({"container_registry_access_level": "private"})).await,
            200,
            b,
        );
        expect(server.api(Some(&outsider)).get(&format!("/projects/{pid}")).await, 404, b);
        expect(server.api(Some(&outsider)).put(&format!("/projects/{pid}"), json!({"visibility": "private"})).await, 404, b);
        expect(server.api(None).post("/projects", json!({"name": "anon"})).await, 401, b);
        // Outsiders may create projects in their own namespace, not in someone's group.
        let own = expect(server.api(Some(&outsider)).post("/projects", json!({"name": "Mine"})).await, 201, b);
        assert_eq!(own["path_with_namespace"], "outsider/mine", "{b}");
        expect(server.api(Some(&outsider)).post("/projects", json!({"name": "x", "namespace_id": group["id"]})).await, 403, b);

        // Listing is filtered by visibility and paginated.
        let mine = server.api(Some(&outsider)).get("/projects").await;
        assert_eq!(mine.json.as_array().unwrap().len(), 1, "{b}: {}", mine.json);
        for i in 0..3 {
            expect(root.post("/projects", json!({"name": format!("p{i}"), "namespace_id": group["id"]})).await, 201, b);
        }
        let page = root.get("/projects?per_page=2").await;
        assert_eq!(page.status, 200, "{b}");
        assert_eq!(page.json.as_array().unwrap().len(), 2, "{b}");
        assert_eq!(
            (page.header("x-total"), page.header("x-total-pages"), page.header("x-per-page")),
            ("5".into(), "3".into(), "2".into()),
            "{b}"
        );
        assert!(page.header("link").contains("rel=\"last\""), "{b}");
        let capped = root.get("/projects?per_page=1000").await;
        assert_eq!(capped.header("x-per-page"), "100", "{b}");
        server.running.stop().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_users_and_tokens() {
    let dir = tempfile::tempdir().unwrap();
    for server in servers(dir.path()).await {
        let b = server.backend;
        let root = server.root();
        let project = group_and_project(&server, "org", "api", "internal").await;
        let pid = project["id"].as_i64().unwrap();
        let gid = project["namespace"]["id"].as_i64().unwrap();

        // Users: administrators create; everyone signed in can look people up.
        let (alice_id, alice) = user_with_token(&server, "alice", &["api"]).await;
        let (bob_id, bob) = user_with_token(&server, "bob", &["api"]).await;
        let me = expect(server.api(Some(&alice)).get("/user").await, 200, b);
        assert_eq!((me["username"].clone(), me["email"].clone()), (json!("alice"), json!("alice@example.com")), "{b}");
        expect(server.api(None).get("/user").await, 401, b);
        expect(
            server.api(Some(&alice)).post("/users", json!({"username": "eve", "email": "e@x.org", "password": "password-1"})).await,
            403,
            b,
        );
        let found = expect(server.api(Some(&alice)).get("/users?username=bob").await, 200, b);
        assert_eq!(found.as_array().unwrap().len(), 1, "{b}");
        assert!(found[0].get("email").is_none(), "{b}: others' email is private");
        expect(root.post("/users", json!({"username": "bob", "email": "b2@x.org", "password": "password-1"})).await, 409, b);
        expect(root.post("/users", json!({"username": "carol", "email": "c@x.org", "password": "short"})).await, 400, b);

        // Group members are inherited; Maintainers manage members but cannot grant Owner.
        let m = expect(root.post(&format!("/groups/{gid}/members"), json!({"user_id": alice_id, "access_level": 40})).await, 201, b);
        assert_eq!((m["username"].clone(), m["access_level"].clone()), (json!("alice"), json!(40)), "{b}");
        expect(root.post(&format!("/groups/{gid}/members"), json!({"user_id": alice_id, "access_level": 40})).await, 409, b);
        let alice_api = server.api(Some(&alice));
        expect(alice_api.post(&format!("/projects/{pid}/members"), json!({"user_id": bob_id, "access_level": 50})).await, 403, b);
        expect(alice_api.post(&format!("/projects/{pid}/members"), json!({"user_id": bob_id, "access_level": 25})).await, 400, b);
        expect(alice_api.post(&format!("/projects/{pid}/members"), json!({"user_id": bob_id, "access_level": 20})).await, 201, b);
        let got = expect(alice_api.get(&format!("/projects/{pid}/members/{bob_id}")).await, 200, b);
        assert_eq!(got["access_level"], 20, "{b}");
        let up = expect(alice_api.put(&format!("/projects/{pid}/members/{bob_id}"), json!({"access_level": 30})).await, 200, b);
        assert_eq!(up["access_level"], 30, "{b}");
        let bob_api = server.api(Some(&bob));
        expect(bob_api.get(&format!("/projects/{pid}/members")).await, 200, b);
        expect(bob_api.delete(&format!("/projects/{pid}/members/{bob_id}")).await, 403, b);
        expect(alice_api.delete(&format!("/projects/{pid}/members/{bob_id}")).await, 204, b);
        expect(alice_api.get(&format!("/projects/{pid}/members/{bob_id}")).await, 404, b);
        let listed = expect(root.get(&format!("/groups/{gid}/members")).await, 200, b);
        let usernames: Vec<&str> = listed.as_array().unwrap().iter().map(|m| m["username"].as_str().unwrap()).collect();
        assert_eq!(usernames, vec!["alice", "root"], "{b}");

        // Deploy tokens: Maintainers; the secret is shown once.
        let dt = expect(
            alice_api.post(&format!("/projects/{pid}/deploy_tokens"), json!({"name": "ci", "scopes": ["read_registry"]})).await,
            201,
            b,
        );
        assert!(dt["token"].as_str().unwrap().starts_with("gldt-"), "{b}");
        assert_eq!(dt["username"], format!("gitlab+deploy-token-{}", dt["id"]), "{b}");
        let list = expect(alice_api.get(&format!("/projects/{pid}/deploy_tokens")).await, 200, b);
        assert!(list[0].get("token").is_none(), "{b}");
        expect(alice_api.post(&format!("/projects/{pid}/deploy_tokens"), json!({"name": "x", "scopes": ["api"]})).await, 400, b);
        expect(bob_api.get(&format!("/projects/{pid}/deploy_tokens")).await, 403, b);
        let gdt = expect(
            root.post(
                &format!("/groups/{gid}/deploy_tokens"),
                json!({"name": "g", "scopes": ["read_registry", "write_registry"], "username": "puller"}),
            )
            .await,
            201,
            b,
        );
        assert_eq!(gdt["username"], "puller", "{b}");
        expect(alice_api.delete(&format!("/projects/{pid}/deploy_tokens/{}", gdt["id"])).await, 404, b);
        expect(alice_api.delete(&format!("/projects/{pid}/deploy_tokens/{}", dt["id"])).await, 204, b);
        let list = expect(alice_api.get(&format!("/projects/{pid}/deploy_tokens")).await, 200, b);
        assert_eq!(list[0]["revoked"], true, "{b}");

        // Personal access tokens: listed (without secrets), revoked by their owner or an admin.
        let mine = expect(alice_api.get("/personal_access_tokens").await, 200, b);
        assert_eq!(mine.as_array().unwrap().len(), 1, "{b}");
        assert_eq!(mine[0]["scopes"], json!(["api"]), "{b}");
        assert!(mine[0].get("token").is_none(), "{b}");
        let bobs = expect(root.get(&format!("/personal_access_tokens?user_id={bob_id}")).await, 200, b);
        expect(alice_api.delete(&format!("/personal_access_tokens/{}", bobs[0]["id"])).await, 403, b);
        expect(alice_api.get(&format!("/personal_access_tokens?user_id={bob_id}")).await, 403, b);
        let t = expect(
            root.post(
                &format!("/users/{alice_id}/personal_access_tokens"),
                json!({"name": "short", "scopes": ["read_api"], "expires_at": "2999-01-01"}),
            )
            .await,
            201,
            b,
        );
        assert_eq!(t["expires_at"], "2999-01-01", "{b}");
        expect(root.post(&format!("/users/{alice_id}/personal_access_tokens"), json!({"name": "x", "scopes": ["sudo"]})).await, 400, b);
        expect(
            root.post(
                &format!("/users/{alice_id}/personal_access_tokens"),
                json!({"name": "x", "scopes": ["api"], "expires_at": "2001-01-01"}),
            )
            .await,
            400,
            b,
        );
        expect(alice_api.delete(&format!("/personal_access_tokens/{}", mine[0]["id"])).await, 204, b);
        expect(alice_api.get("/user").await, 401, b);

        // The OpenAPI document and unknown routes.
        let doc = expect(server.api(None).get("/openapi.json").await, 200, b);
        assert!(doc["paths"]["/projects/{id}/registry/repositories/{repository_id}/tags"]["delete"].is_object(), "{b}");
        let missing = expect(root.get("/nothing/here").await, 404, b);
        assert!(missing.is_object(), "{b}");
        server.running.stop().await.unwrap();
    }
}
