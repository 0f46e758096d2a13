//! `/api/v4/` container registry endpoints against the real server (SQLite, and PostgreSQL
//! when `BERTH_TEST_POSTGRES_URL` is set): listing project and group repositories, one
//! repository with its size, tags with offset and keyset pages, tag details, deleting a
//! tag, bulk deletion and repository deletion; and who is refused how.

mod common;
mod rest_support;

use rest_support::{eventually, expect, group_and_project, push, servers, user_with_token};
use serde_json::{json, Value};

fn names(list: &Value) -> Vec<String> {
    list.as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap().to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repositories_tags_and_details() {
    let dir = tempfile::tempdir().unwrap();
    for server in servers(dir.path()).await {
        let b = server.backend;
        let root = server.root();
        let project = group_and_project(&server, "acme", "app", "private").await;
        let pid = project["id"].as_i64().unwrap();
        let work = dir.path().join(format!("{b}-images"));
        let v1 = push(&server, &work, "acme/app", "v1").await;
        let v2 = push(&server, &work, "acme/app", "v2").await;
        let latest = push(&server, &work, "acme/app", "latest").await;
        push(&server, &work, "acme/app/tools", "t1").await;

        // Both forms of :id.
        for id in [pid.to_string(), "acme%2Fapp".to_string()] {
            let list = expect(root.get(&format!("/projects/{id}/registry/repositories?tags=true&tags_count=true")).await, 200, b);
            let list = list.as_array().unwrap();
            assert_eq!(list.len(), 2, "{b}: {list:?}");
            assert_eq!(list[0]["name"], "", "{b}: the root image has an empty name");
            assert_eq!(list[0]["path"], "acme/app", "{b}");
            assert_eq!(list[0]["project_id"], pid, "{b}");
            assert_eq!(list[0]["location"], format!("{}/acme/app", server.host()), "{b}");
            assert_eq!(list[0]["tags_count"], 3, "{b}");
            assert_eq!(names(&list[0]["tags"]), vec!["latest", "v1", "v2"], "{b}");
            assert_eq!(list[0]["tags"][1]["location"], format!("{}/acme/app:v1", server.host()), "{b}");
            assert_eq!(list[0]["status"], Value::Null, "{b}");
            assert_eq!(list[1]["name"], "tools", "{b}");
        }
        let plain = expect(root.get(&format!("/projects/{pid}/registry/repositories")).await, 200, b);
        assert!(plain[0].get("tags").is_none() && plain[0].get("tags_count").is_none(), "{b}: only when asked");
        let group = expect(root.get("/groups/acme/registry/repositories?tags_count=true").await, 200, b);
        assert_eq!(group.as_array().unwrap().len(), 2, "{b}");

        let repo_id = plain[0]["id"].as_i64().unwrap();
        let one = expect(root.get(&format!("/registry/repositories/{repo_id}?size=true&tags_count=true")).await, 200, b);
        assert_eq!(one["size"].as_u64().unwrap(), v1.size + v2.size + latest.size, "{b}: distinct configs and layers");
        assert_eq!(one["tags_count"], 3, "{b}");
        expect(root.get("/registry/repositories/999999").await, 404, b);

        // Tag details.
        let tags = format!("/projects/{pid}/registry/repositories/{repo_id}/tags");
        let d = expect(root.get(&format!("{tags}/v1")).await, 200, b);
        let hex = v1.config_digest.strip_prefix("sha256:").unwrap();
        assert_eq!(d["name"], "v1", "{b}");
        assert_eq!(d["path"], "acme/app:v1", "{b}");
        assert_eq!(d["digest"], v1.digest.as_str(), "{b}");
        assert_eq!(d["revision"], hex, "{b}");
        assert_eq!(d["short_revision"], &hex[..9], "{b}");
        assert_eq!(d["total_size"].as_u64().unwrap(), v1.size, "{b}");
        assert!(chrono_like(d["created_at"].as_str().unwrap()), "{b}: {}", d["created_at"]);
        expect(root.get(&format!("{tags}/nope")).await, 404, b);

        // Offset pages.
        let page = root.get(&format!("{tags}?per_page=2")).await;
        assert_eq!(
            (page.header("x-total"), page.header("x-total-pages"), page.header("x-next-page")),
            ("3".into(), "2".into(), "2".into()),
            "{b}"
        );
        assert_eq!(page.header("x-page"), "1", "{b}");
        assert!(page.header("link").contains("rel=\"next\""), "{b}");
        assert_eq!(names(&page.json), vec!["latest", "v1"], "{b}");
        let page2 = root.get(&format!("{tags}?per_page=2&page=2")).await;
        assert_eq!(names(&page2.json), vec!["v2"], "{b}");
        assert_eq!(page2.header("x-prev-page"), "1", "{b}");
        expect(root.get(&format!("{tags}?page=zero")).await, 400, b);

        // Keyset pages.
        let k = root.get(&format!("{tags}?pagination=keyset&per_page=2")).await;
        assert_eq!(names(&k.json), vec!["latest", "v1"], "{b}");
        let link = k.header("link");
        assert!(link.contains("last=v1") && link.contains("rel=\"next\""), "{b}: {link}");
        let k2 = root.get(&format!("{tags}?pagination=keyset&per_page=2&last=v1")).await;
        assert_eq!(names(&k2.json), vec!["v2"], "{b}");
        assert_eq!(k2.header("link"), "", "{b}: no next page");
        let desc = root.get(&format!("{tags}?pagination=keyset&sort=desc&per_page=2")).await;
        assert_eq!(names(&desc.json), vec!["v2", "v1"], "{b}");

        // Deleting one tag.
        expect(root.delete(&format!("{tags}/v2")).await, 200, b);
        expect(root.get(&format!("{tags}/v2")).await, 404, b);
        expect(root.delete(&format!("{tags}/v2")).await, 404, b);
        server.running.stop().await.unwrap();
    }
}

fn chrono_like(s: &str) -> bool {
    s.len() >= 20 && s.as_bytes()[4] == b'-' && s.contains('T') && s.ends_with('Z')
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn who_may_read_and_delete() {
    let dir = tempfile::tempdir().unwrap();
    for server in servers(dir.path()).await {
        let b = server.backend;
        let root = server.root();
        let project = group_and_project(&server, "corp", "svc", "private").await;
        let pid = project["id"].as_i64().unwrap();
        let work = dir.path().join(format!("{b}-images"));
        push(&server, &work, "corp/svc", "v1").await;
        push(&server, &work, "corp/svc", "v2").await;
        let repo_id = expect(root.get(&format!("/projects/{pid}/registry/repositories")).await, 200, b)[0]["id"].as_i64().unwrap();
        let repos = format!("/projects/{pid}/registry/repositories");
        let tags = format!("{repos}/{repo_id}/tags");

        let (_outsider, outsider) = user_with_token(&server, "outsider", &["api"]).await;
        let (reporter_id, reporter) = user_with_token(&server, "reporter", &["api"]).await;
        let (developer_id, developer) = user_with_token(&server, "developer", &["api"]).await;
        let (_, registry_only) = user_with_token(&server, "puller", &["read_registry"]).await;
        let (reader_id, reader) = user_with_token(&server, "reader", &["read_api"]).await;
        for (id, level) in [(reporter_id, 20), (developer_id, 30), (reader_id, 40)] {
            expect(root.post(&format!("/projects/{pid}/members"), json!({"user_id": id, "access_level": level})).await, 201, b);
        }

        // Not visible: 404 for anonymous and outsiders; no credentials on a private thing is 404 too.
        expect(server.api(None).get(&repos).await, 404, b);
        expect(server.api(Some(&outsider)).get(&repos).await, 404, b);
        expect(server.api(Some(&outsider)).get(&format!("/registry/repositories/{repo_id}")).await, 404, b);
        // Bad tokens: 401.
        expect(server.api(Some("glpat-not-a-token")).get(&repos).await, 401, b);
        // Scopes: read_registry is not an API scope; read_api reads but never writes.
        let r = expect(server.api(Some(&registry_only)).get(&repos).await, 403, b);
        assert_eq!(r["error"], "insufficient_scope", "{b}");
        expect(server.api(Some(&reader)).get(&repos).await, 200, b);
        expect(server.api(Some(&reader)).delete(&format!("{tags}/v1")).await, 403, b);
        // The same token as a Bearer header.
        expect(server.api(Some(&reporter)).with_header("Authorization").get(&repos).await, 200, b);

        // Reporter reads, cannot delete; Developer deletes a tag, not in bulk nor the repository.
        expect(server.api(Some(&reporter)).get(&format!("{tags}/v1")).await, 200, b);
        expect(server.api(Some(&reporter)).delete(&format!("{tags}/v1")).await, 403, b);
        expect(server.api(Some(&developer)).delete(&format!("{tags}/v1")).await, 200, b);
        expect(server.api(Some(&developer)).delete(&format!("{tags}?name_regex_delete=.*")).await, 403, b);
        expect(server.api(Some(&developer)).delete(&format!("{repos}/{repo_id}")).await, 403, b);

        // A job token acts for its user on its own project, capped at Developer.
        let job = berth_platform::tokens::create_job_token(server.db(), pid, developer_id, 60_000).await.unwrap();
        let job_api = server.api(Some(&job.secret)).with_header("JOB-TOKEN");
        expect(job_api.get(&repos).await, 200, b);
        expect(job_api.delete(&format!("{repos}/{repo_id}")).await, 403, b);

        // A public project with a private registry: visible, registry for Reporters only.
        let open = group_and_project(&server, "open", "site", "public").await;
        let oid = open["id"].as_i64().unwrap();
        push(&server, &work, "open/site", "v1").await;
        expect(server.api(None).get(&format!("/projects/{oid}/registry/repositories")).await, 200, b);
        let p = expect(root.put(&format!("/projects/{oid}"), json!({"container_registry_access_level": "private"})).await, 200, b);
        assert_eq!(p["container_registry_access_level"], "private", "{b}");
        expect(server.api(None).get(&format!("/projects/{oid}")).await, 200, b);
        expect(server.api(None).get(&format!("/projects/{oid}/registry/repositories")).await, 401, b);
        expect(server.api(Some(&outsider)).get(&format!("/projects/{oid}/registry/repositories")).await, 403, b);
        // Disabled: refused for everyone, administrators included.
        expect(root.put(&format!("/projects/{oid}"), json!({"container_registry_enabled": false})).await, 200, b);
        expect(root.get(&format!("/projects/{oid}/registry/repositories")).await, 403, b);
        server.running.stop().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_delete_and_repository_deletion() {
    let dir = tempfile::tempdir().unwrap();
    for server in servers(dir.path()).await {
        let b = server.backend;
        let root = server.root();
        let project = group_and_project(&server, "bulk", "app", "private").await;
        let pid = project["id"].as_i64().unwrap();
        let work = dir.path().join(format!("{b}-images"));
        for tag in ["latest", "v1", "v2", "v3", "keep-1", "rc-1"] {
            push(&server, &work, "bulk/app", tag).await;
        }
        let repos = format!("/projects/{pid}/registry/repositories");
        let repo_id = expect(root.get(&repos).await, 200, b)[0]["id"].as_i64().unwrap();
        let tags = format!("{repos}/{repo_id}/tags");

        // Parameter errors: 400 with the reason.
        let e = expect(root.delete(&tags).await, 400, b);
        assert!(e["error"].as_str().unwrap().contains("name_regex_delete"), "{b}: {e}");
        let e = expect(root.delete(&format!("{tags}?name_regex_delete=v(1")).await, 400, b);
        assert!(e["error"].as_str().unwrap().contains("position"), "{b}: {e}");
        expect(root.delete(&format!("{tags}?name_regex_delete=.*&older_than=soon")).await, 400, b);
        expect(root.delete(&format!("{tags}?name_regex_delete=.*&keep_n=-1")).await, 400, b);

        // Everything matching v.* or rc-.* (whole names), keep keep-*, keep the newest one.
        let r = root.delete(&format!("{tags}?name_regex_delete=v.%2A%7Crc-.%2A%7Ckeep-1&name_regex_keep=keep-.%2A&keep_n=1")).await;
        expect(r, 202, b);
        let api = root.clone();
        let url = format!("{tags}?per_page=100");
        eventually("the bulk delete finished", || {
            let api = api.clone();
            let url = url.clone();
            async move { names(&api.get(&url).await.json) == vec!["keep-1", "latest", "rc-1"] }
        })
        .await;
        // Once per hour per repository.
        let again = expect(root.delete(&format!("{tags}?name_regex_delete=.*")).await, 400, b);
        assert!(again["message"].as_str().unwrap().contains("once an hour"), "{b}: {again}");
        let listed = expect(root.get(&repos).await, 200, b);
        assert!(listed[0]["cleanup_policy_started_at"].is_string(), "{b}");

        // Repository deletion: scheduled at once, then gone.
        let r = expect(root.delete(&format!("{repos}/{repo_id}")).await, 202, b);
        assert_eq!(r["message"], "202 Accepted", "{b}");
        let one = root.get(&format!("/registry/repositories/{repo_id}")).await;
        assert!(one.status == 404 || one.json["status"].as_str().is_some_and(|s| s.starts_with("delete_")), "{b}: {:?}", one.json);
        let api = root.clone();
        eventually("the repository is gone", || {
            let api = api.clone();
            async move { api.get(&format!("/registry/repositories/{repo_id}")).await.status == 404 }
        })
        .await;
        assert_eq!(expect(root.get(&repos).await, 200, b), json!([]), "{b}");
        // Pushing again creates a fresh repository.
        push(&server, &work, "bulk/app", "again").await;
        assert_eq!(expect(root.get(&repos).await, 200, b).as_array().unwrap().len(), 1, "{b}");
        server.running.stop().await.unwrap();
    }
}
