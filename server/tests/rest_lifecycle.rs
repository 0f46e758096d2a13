//! `/api/v4/` project and group lifecycle against the real server (SQLite, and PostgreSQL
//! when `BERTH_TEST_POSTGRES_URL` is set): renaming and transferring projects and moving
//! groups (refused while tags exist, with storage-lifecycle.md's messages), deleting projects
//! and groups, who may do which; and the API's credentials: 429 after repeated bad tokens,
//! the session cookie with its CSRF rule, and bulk deletes that survive in the database.

mod common;
mod rest_support;

use berth_platform::container_registry::bulk_delete::{pending_bulk_deletes, request_bulk_delete, BulkDeleteRequest};
use rest_support::{eventually, expect, group_and_project, push, servers, user_with_token, Server};
use serde_json::{json, Value};

const RENAME_REFUSED: &str = "Cannot rename project because it contains container registry tags!";
const TRANSFER_REFUSED: &str = "Project cannot be transferred, because tags are present in its container registry";
const MOVE_REFUSED: &str = "Namespace cannot be moved because at least one project has tags in container registry.";

fn paths(list: &Value) -> Vec<String> {
    list.as_array().unwrap().iter().map(|r| r["path"].as_str().unwrap().to_string()).collect()
}

async fn gone(server: &Server, url: String) {
    let api = server.root();
    eventually(&format!("{url} is gone"), || {
        let api = api.clone();
        let url = url.clone();
        async move { api.get(&url).await.status == 404 }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rename_transfer_and_group_moves_wait_for_an_empty_registry() {
    let dir = tempfile::tempdir().unwrap();
    for server in servers(dir.path()).await {
        let b = server.backend;
        let root = server.root();
        let project = group_and_project(&server, "life", "app", "private").await;
        let pid = project["id"].as_i64().unwrap();
        let gid = project["namespace"]["id"].as_i64().unwrap();
        let dest = expect(root.post("/groups", json!({"name": "dest", "path": "dest", "visibility": "private"})).await, 201, b);
        let dest_id = dest["id"].as_i64().unwrap();
        let work = dir.path().join(format!("{b}-images"));
        push(&server, &work, "life/app", "v1").await;
        push(&server, &work, "life/app/tools", "t1").await;

        // Refused while tags exist, with the exact messages.
        let e = expect(root.put(&format!("/projects/{pid}"), json!({"path": "renamed"})).await, 400, b);
        assert_eq!(e["message"], RENAME_REFUSED, "{b}");
        let e = expect(root.put(&format!("/projects/{pid}/transfer"), json!({"namespace": dest_id})).await, 400, b);
        assert_eq!(e["message"], TRANSFER_REFUSED, "{b}");
        let e = expect(root.put(&format!("/groups/{gid}"), json!({"path": "moved"})).await, 400, b);
        assert_eq!(e["message"], MOVE_REFUSED, "{b}");
        let e = expect(root.post(&format!("/groups/{gid}/transfer"), json!({"group_id": dest_id})).await, 400, b);
        assert_eq!(e["message"], MOVE_REFUSED, "{b}");
        let e = expect(root.put(&format!("/groups/{gid}"), json!({"parent_id": dest_id})).await, 400, b);
        assert_eq!(e["message"], MOVE_REFUSED, "{b}");
        assert_eq!(expect(root.get(&format!("/projects/{pid}")).await, 200, b)["path_with_namespace"], "life/app", "{b}: unchanged");

        // Who may: Developers cannot rename, Maintainers cannot transfer or change the group,
        // outsiders do not learn the project exists.
        let (dev_id, dev) = user_with_token(&server, "dev", &["api"]).await;
        let (maint_id, maint) = user_with_token(&server, "maint", &["api"]).await;
        let (_, outsider) = user_with_token(&server, "outsider", &["api"]).await;
        expect(root.post(&format!("/projects/{pid}/members"), json!({"user_id": dev_id, "access_level": 30})).await, 201, b);
        expect(root.post(&format!("/groups/{gid}/members"), json!({"user_id": maint_id, "access_level": 40})).await, 201, b);
        expect(server.api(Some(&dev)).put(&format!("/projects/{pid}"), json!({"path": "x"})).await, 403, b);
        expect(server.api(Some(&maint)).put(&format!("/projects/{pid}/transfer"), json!({"namespace": "dest"})).await, 403, b);
        expect(server.api(Some(&maint)).put(&format!("/groups/{gid}"), json!({"name": "Life"})).await, 403, b);
        expect(server.api(Some(&outsider)).put(&format!("/projects/{pid}"), json!({"path": "x"})).await, 404, b);
        expect(server.api(Some(&outsider)).put(&format!("/projects/{pid}/transfer"), json!({"namespace": "dest"})).await, 404, b);
        expect(server.api(Some(&outsider)).put(&format!("/groups/{gid}"), json!({"path": "x"})).await, 404, b);
        expect(server.api(None).delete(&format!("/projects/{pid}")).await, 404, b);

        // Empty the registry: deleting the tags is enough (tagless repositories move along).
        let repos = expect(root.get(&format!("/projects/{pid}/registry/repositories")).await, 200, b);
        for repo in repos.as_array().unwrap() {
            let tags = expect(root.get(&format!("/projects/{pid}/registry/repositories/{}/tags", repo["id"])).await, 200, b);
            for tag in tags.as_array().unwrap() {
                expect(
                    root.delete(&format!("/projects/{pid}/registry/repositories/{}/tags/{}", repo["id"], tag["name"].as_str().unwrap()))
                        .await,
                    200,
                    b,
                );
            }
        }

        // A Maintainer renames; the error for a bad path says why; a taken path is 409.
        let e = expect(server.api(Some(&maint)).put(&format!("/projects/{pid}"), json!({"path": "Bad Path"})).await, 400, b);
        assert!(e["message"].as_str().unwrap().contains("lowercase"), "{b}: {e}");
        let p =
            expect(server.api(Some(&maint)).put(&format!("/projects/{pid}"), json!({"path": "renamed", "name": "Renamed"})).await, 200, b);
        assert_eq!(
            (p["path"].clone(), p["path_with_namespace"].clone(), p["name"].clone()),
            (json!("renamed"), json!("life/renamed"), json!("Renamed")),
            "{b}"
        );
        let listed = expect(root.get(&format!("/projects/{pid}/registry/repositories")).await, 200, b);
        assert_eq!(paths(&listed), vec!["life/renamed", "life/renamed/tools"], "{b}");
        expect(root.get("/projects/life%2Fapp").await, 404, b);
        expect(root.post("/projects", json!({"name": "other", "namespace_id": gid})).await, 201, b);
        expect(root.put(&format!("/projects/{pid}"), json!({"path": "other"})).await, 409, b);

        // Transfer (Owner; namespace by path), then group moves.
        let p = expect(root.put(&format!("/projects/{pid}/transfer"), json!({"namespace": "dest"})).await, 200, b);
        assert_eq!(p["path_with_namespace"], "dest/renamed", "{b}");
        assert_eq!(p["namespace"]["id"], dest_id, "{b}");
        let listed = expect(root.get(&format!("/projects/{pid}/registry/repositories")).await, 200, b);
        assert_eq!(paths(&listed), vec!["dest/renamed", "dest/renamed/tools"], "{b}");
        let g = expect(root.put(&format!("/groups/{gid}"), json!({"parent_id": dest_id, "name": "Life"})).await, 200, b);
        assert_eq!(
            (g["full_path"].clone(), g["parent_id"].clone(), g["name"].clone()),
            (json!("dest/life"), json!(dest_id), json!("Life")),
            "{b}"
        );
        assert_eq!(expect(root.get(&format!("/projects/{pid}")).await, 200, b)["path_with_namespace"], "dest/renamed", "{b}");
        let e = expect(root.post(&format!("/groups/{dest_id}/transfer"), json!({"group_id": gid})).await, 400, b);
        assert!(e["message"].as_str().unwrap().contains("itself"), "{b}: {e}");
        let g = expect(root.post(&format!("/groups/{gid}/transfer"), json!({})).await, 201, b);
        assert_eq!((g["full_path"].clone(), g["parent_id"].clone()), (json!("life"), Value::Null), "{b}: top level again");
        expect(root.get("/projects/life%2Fother").await, 200, b);

        // The moved project takes pushes at its new path; then a move is refused again.
        push(&server, &work, "dest/renamed", "v2").await;
        let e = expect(root.put(&format!("/groups/{dest_id}"), json!({"path": "target"})).await, 400, b);
        assert_eq!(e["message"], MOVE_REFUSED, "{b}");
        server.running.stop().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_projects_and_groups_takes_their_images() {
    let dir = tempfile::tempdir().unwrap();
    for server in servers(dir.path()).await {
        let b = server.backend;
        let root = server.root();
        let project = group_and_project(&server, "gone", "app", "private").await;
        let pid = project["id"].as_i64().unwrap();
        let gid = project["namespace"]["id"].as_i64().unwrap();
        let work = dir.path().join(format!("{b}-images"));
        push(&server, &work, "gone/app", "v1").await;
        let repo_id = expect(root.get(&format!("/projects/{pid}/registry/repositories")).await, 200, b)[0]["id"].as_i64().unwrap();

        let (maint_id, maint) = user_with_token(&server, "maint", &["api"]).await;
        let (_, outsider) = user_with_token(&server, "outsider", &["api"]).await;
        expect(root.post(&format!("/projects/{pid}/members"), json!({"user_id": maint_id, "access_level": 40})).await, 201, b);
        expect(server.api(Some(&maint)).delete(&format!("/projects/{pid}")).await, 403, b);
        expect(server.api(Some(&outsider)).delete(&format!("/projects/{pid}")).await, 404, b);
        expect(server.api(Some(&outsider)).delete(&format!("/groups/{gid}")).await, 404, b);

        let r = expect(root.delete(&format!("/projects/{pid}")).await, 202, b);
        assert_eq!(r["message"], "202 Accepted", "{b}");
        gone(&server, format!("/projects/{pid}")).await;
        expect(root.get(&format!("/registry/repositories/{repo_id}")).await, 404, b);
        // The path is free again.
        expect(root.post("/projects", json!({"name": "app", "path": "app", "namespace_id": gid})).await, 201, b);

        // A group goes with its subgroups, projects and images.
        let sub = expect(root.post("/groups", json!({"name": "sub", "path": "sub", "parent_id": gid})).await, 201, b);
        let inner = expect(root.post("/projects", json!({"name": "inner", "namespace_id": sub["id"]})).await, 201, b);
        push(&server, &work, "gone/sub/inner", "v1").await;
        let r = expect(root.delete(&format!("/groups/{gid}")).await, 202, b);
        assert_eq!(r["message"], "202 Accepted", "{b}");
        gone(&server, format!("/groups/{gid}")).await;
        expect(root.get(&format!("/groups/{}", sub["id"])).await, 404, b);
        expect(root.get(&format!("/projects/{}", inner["id"])).await, 404, b);
        let catalog = expect(root.get("/groups?search=gone").await, 200, b);
        assert_eq!(catalog, json!([]), "{b}");
        server.running.stop().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_csrf_throttling_and_durable_bulk_deletes() {
    let dir = tempfile::tempdir().unwrap();
    for server in servers(dir.path()).await {
        let b = server.backend;
        let root = server.root();
        let project = group_and_project(&server, "sess", "app", "private").await;
        let pid = project["id"].as_i64().unwrap();
        let (alice_id, _) = user_with_token(&server, "alice", &["read_api"]).await;
        expect(root.post(&format!("/projects/{pid}/members"), json!({"user_id": alice_id, "access_level": 40})).await, 201, b);

        // The web session cookie: reads as the user; writes only from this site's pages.
        let session = berth_platform::sessions::create_session(server.db(), alice_id, 60_000).await.unwrap();
        let cookie = format!("other=1; {}={}", berth_platform::sessions::SESSION_COOKIE, session.secret);
        let client = common::client();
        let url = |path: &str| format!("{}{path}", server.base());
        let me = client.get(url("/user")).header("Cookie", &cookie).send().await.unwrap();
        assert_eq!(me.status(), 200, "{b}");
        assert_eq!(me.json::<Value>().await.unwrap()["username"], "alice", "{b}");
        let p = client.get(url(&format!("/projects/{pid}"))).header("Cookie", &cookie).send().await.unwrap();
        assert_eq!(p.status(), 200, "{b}: a private project of hers");
        let body = json!({"name": "Renamed"});
        let refused = client.put(url(&format!("/projects/{pid}"))).header("Cookie", &cookie).json(&body).send().await.unwrap();
        assert_eq!(refused.status(), 403, "{b}: no Origin");
        assert!(refused.json::<Value>().await.unwrap()["message"].as_str().unwrap().contains("CSRF"), "{b}");
        let cross = client
            .put(url(&format!("/projects/{pid}")))
            .header("Cookie", &cookie)
            .header("Origin", "https://evil.example")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(cross.status(), 403, "{b}: another site");
        let same = client
            .put(url(&format!("/projects/{pid}")))
            .header("Cookie", &cookie)
            .header("Origin", server.running.url())
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(same.status(), 200, "{b}");
        assert_eq!(same.json::<Value>().await.unwrap()["name"], "Renamed", "{b}");
        let stale = client.get(url("/user")).header("Cookie", "berth_session=bsess-unknown").send().await.unwrap();
        assert_eq!(stale.status(), 401, "{b}: an unknown session is nobody");

        // A bulk delete is kept in the database until a worker runs it.
        let work = dir.path().join(format!("{b}-images"));
        for tag in ["latest", "v1", "v2", "keep"] {
            push(&server, &work, "sess/app", tag).await;
        }
        let repos = format!("/projects/{pid}/registry/repositories");
        let repo_id = expect(root.get(&repos).await, 200, b)[0]["id"].as_i64().unwrap();
        let request =
            BulkDeleteRequest { name_regex_delete: ".*".into(), name_regex_keep: Some("keep".into()), keep_n: None, older_than_ms: None };
        request_bulk_delete(server.db(), repo_id, &request).await.unwrap();
        assert_eq!(pending_bulk_deletes(server.db()).await.unwrap(), 1, "{b}");
        let again = request_bulk_delete(server.db(), repo_id, &request).await;
        assert!(again.unwrap_err().to_string().contains("once an hour"), "{b}");
        let tags_url = format!("{repos}/{repo_id}/tags");
        assert_eq!(expect(root.get(&tags_url).await, 200, b).as_array().unwrap().len(), 4, "{b}: nothing deleted yet");
        let run = berth_platform::background::run_pending_deletion_work(server.db(), &server.running.state.registry).await.unwrap();
        assert_eq!(run.tags, 2, "{b}: v1 and v2");
        assert_eq!(pending_bulk_deletes(server.db()).await.unwrap(), 0, "{b}");
        let left: Vec<String> =
            expect(root.get(&tags_url).await, 200, b).as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap().to_string()).collect();
        assert_eq!(left, vec!["keep", "latest"], "{b}");

        // Repeated bad tokens from one address: 401 ten times, then 429 with Retry-After for
        // the bad tokens from that address until the window passes; a valid token from the
        // same address (a colleague behind the same NAT) still works.
        for i in 0..10 {
            expect(server.api(Some(&format!("glpat-wrong-{i}"))).get("/user").await, 401, b);
        }
        let throttled = server.api(Some("glpat-wrong-again")).get("/user").await;
        assert_eq!(throttled.status, 429, "{b}: {}", throttled.json);
        assert_eq!(throttled.json["message"], "Retry later", "{b}");
        assert!(throttled.header("retry-after").parse::<u64>().unwrap() >= 1, "{b}");
        assert_eq!(expect(root.get("/user").await, 200, b)["username"], "root", "{b}: a valid token is never throttled");
        expect(server.api(Some("glpat-wrong-after")).get("/user").await, 429, b);
        // Behind a trusted proxy (loopback here) the client is the one X-Forwarded-For names:
        // its own bad tokens lock only it out; another client of the same balancer is not.
        let client = reqwest::Client::new();
        let bad_from = |who: &'static str, n: usize| {
            let client = client.clone();
            let url = format!("{}/user", server.base());
            async move {
                client
                    .get(url)
                    .header("PRIVATE-TOKEN", format!("glpat-bad-{n}"))
                    .header("X-Forwarded-For", who)
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            }
        };
        for n in 0..10 {
            assert_eq!(bad_from("198.51.100.7", n).await, 401, "{b}");
        }
        assert_eq!(bad_from("198.51.100.7", 10).await, 429, "{b}: that client is throttled");
        assert_eq!(bad_from("198.51.100.8", 11).await, 401, "{b}: another client behind the balancer is not");
        assert_eq!(bad_from("6.6.6.6, 198.51.100.8", 12).await, 401, "{b}: a spoofed first hop is ignored");
        // The throttle is the one web sign-in and /jwt/auth share.
        assert!(server.running.state.login_throttle.check("(REST API token)", "127.0.0.1".parse().unwrap()).await.is_err(), "{b}");
        server.running.stop().await.unwrap();
    }
}
