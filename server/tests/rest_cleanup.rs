//! `/api/v4/projects/:id/registry/cleanup_policy/preview` against the real server (SQLite,
//! and PostgreSQL when `BERTH_TEST_POSTGRES_URL` is set): the saved policy or parameters
//! overriding it, per repository the tags that would go and the bytes freed, validated like
//! the saved policy, for Maintainers only, changing nothing.

mod common;
mod rest_support;

use rest_support::{expect, group_and_project, push, servers, user_with_token, Server};
use serde_json::{json, Value};

const DAY: i64 = 86_400_000;

async fn set_tag_time(server: &Server, repo: &str, tag: &str, at: i64) {
    berth_db::sqlx::query(
        "UPDATE tags SET created_at = $1, updated_at = $1 WHERE name = $2 AND repository_id = (SELECT id FROM repositories WHERE path = $3)",
    )
    .bind(at)
    .bind(tag)
    .bind(repo)
    .execute(&server.db().pool)
    .await
    .unwrap();
}

fn tags_of(preview: &Value, index: usize) -> Vec<String> {
    preview[index]["tags"].as_array().unwrap().iter().map(|t| t.as_str().unwrap().to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cleanup_policy_preview() {
    let dir = tempfile::tempdir().unwrap();
    for server in servers(dir.path()).await {
        let b = server.backend;
        let root = server.root();
        let project = group_and_project(&server, "acme", "app", "private").await;
        let pid = project["id"].as_i64().unwrap();
        let work = dir.path().join(format!("{b}-images"));
        let now = berth_db::now_millis();
        let mut sizes = Vec::new();
        for (tag, age_days) in [("v1", 3), ("v2", 2), ("v3", 1), ("latest", 30)] {
            sizes.push(push(&server, &work, "acme/app", tag).await.size as i64);
            set_tag_time(&server, "acme/app", tag, now - age_days * DAY).await;
        }
        push(&server, &work, "acme/app/tools", "t1").await;
        let repos = expect(root.get(&format!("/projects/{pid}/registry/repositories")).await, 200, b);
        let url = format!("/projects/{pid}/registry/cleanup_policy/preview");

        // The saved policy (the defaults: keep 10, older than 90 days) deletes nothing yet.
        let p = expect(root.get(&url).await, 200, b);
        assert_eq!(p.as_array().unwrap().len(), 2, "{b}: every repository: {p}");
        assert_eq!(p[0]["repository_id"], repos[0]["id"], "{b}");
        assert_eq!((p[0]["path"].clone(), p[0]["bytes_freed"].clone()), (json!("acme/app"), json!(0)), "{b}");
        assert!(tags_of(&p, 0).is_empty() && tags_of(&p, 1).is_empty(), "{b}: {p}");

        // Parameters override the saved fields: keep the newest v*, any age.
        let p = expect(root.get(&format!("{url}?keep_n=1&older_than=&name_regex=v.*")).await, 200, b);
        assert_eq!(tags_of(&p, 0), vec!["v2", "v1"], "{b}: newest first, latest never");
        assert_eq!(p[0]["bytes_freed"].as_i64().unwrap(), sizes[0] + sizes[1], "{b}: their configs and layers");
        assert_eq!((tags_of(&p, 1), p[1]["path"].clone()), (vec![], json!("acme/app/tools")), "{b}: t1 does not match v.*");
        let posted = expect(root.post(&url, json!({"keep_n": 1, "older_than": null, "name_regex": "v.*"})).await, 200, b);
        assert_eq!(posted, p, "{b}: the same as a POST body");
        let p = expect(root.get(&format!("{url}?keep_n=&older_than=&name_regex=v.*&name_regex_keep=v1")).await, 200, b);
        assert_eq!(tags_of(&p, 0), vec!["v3", "v2"], "{b}: the keep regex wins");

        // Validated like the saved policy.
        for (query, needles) in [
            ("name_regex=v%281", vec!["name_regex", "unclosed group at position 1"]),
            ("name_regex_keep=ab%5B", vec!["name_regex_keep", "position 2"]),
            ("keep_n=3", vec!["keep_n"]),
            ("older_than=1d", vec!["older_than"]),
            ("cadence=2d", vec!["cadence"]),
        ] {
            let e = expect(root.get(&format!("{url}?{query}")).await, 400, b);
            let message = e["message"].as_str().unwrap_or_default();
            assert!(needles.iter().all(|n| message.contains(n)), "{b}: {query}: {e}");
        }
        let long = "a".repeat(256);
        let e = expect(root.get(&format!("{url}?name_regex={long}")).await, 400, b);
        assert!(e["message"].as_str().unwrap().contains("255"), "{b}: {e}");

        // The saved policy is what the preview uses without parameters.
        let attrs = json!({"container_expiration_policy_attributes": {"name_regex": "v1|v3", "keep_n": null, "older_than": null}});
        expect(root.put(&format!("/projects/{pid}"), attrs).await, 200, b);
        let p = expect(root.get(&url).await, 200, b);
        assert_eq!(tags_of(&p, 0), vec!["v3", "v1"], "{b}");

        // Maintainers only; a dry run.
        let (dev_id, dev) = user_with_token(&server, "dev", &["api"]).await;
        let (maint_id, maint) = user_with_token(&server, "maint", &["api"]).await;
        let (_, outsider) = user_with_token(&server, "outsider", &["api"]).await;
        expect(root.post(&format!("/projects/{pid}/members"), json!({"user_id": dev_id, "access_level": 30})).await, 201, b);
        expect(root.post(&format!("/projects/{pid}/members"), json!({"user_id": maint_id, "access_level": 40})).await, 201, b);
        expect(server.api(Some(&dev)).get(&url).await, 403, b);
        expect(server.api(Some(&outsider)).get(&url).await, 404, b);
        expect(server.api(None).get(&url).await, 404, b);
        let p = expect(server.api(Some(&maint)).get(&url).await, 200, b);
        assert_eq!(tags_of(&p, 0), vec!["v3", "v1"], "{b}");
        let tags = expect(root.get(&format!("/projects/{pid}/registry/repositories?tags=true")).await, 200, b);
        assert_eq!(tags[0]["tags"].as_array().unwrap().len(), 4, "{b}: nothing was deleted");

        let doc = expect(server.api(None).get("/openapi.json").await, 200, b);
        let path = &doc["paths"]["/projects/{id}/registry/cleanup_policy/preview"];
        assert!(path["get"].is_object() && path["post"].is_object(), "{b}: documented");
        server.running.stop().await.unwrap();
    }
}
