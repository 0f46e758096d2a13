//! Cleanup policies running on their cadence (SQLite, and PostgreSQL when
//! `BERTH_TEST_POSTGRES_URL` is set), with the tests' own clock: not due → nothing; due →
//! exactly the tags of the nine evaluation steps go and the next run is a cadence away; a
//! run out of budget is unfinished and continues at the next call; a crashed run's stale
//! claim is taken over; the preview shows the same tags with the bytes they free. And two
//! nodes sharing one PostgreSQL database never run the same policy twice.

mod cleanup_support;

use std::time::Duration;

use berth_platform::container_registry::cleanup::{
    self, preview, project_cleanup_state, run_due_policies, CleanupStatus, PolicyInput, RunLimits, RunOutcome,
};
use cleanup_support::{node, project, Node, DAY, T};

fn input(enabled: bool, cadence: &str, keep_n: Option<i64>, older_than: Option<&str>, name_regex: &str, keep: Option<&str>) -> PolicyInput {
    PolicyInput {
        enabled: Some(enabled),
        cadence: Some(cadence.into()),
        keep_n: Some(keep_n),
        older_than: Some(older_than.map(str::to_string)),
        name_regex: Some(Some(name_regex.into())),
        name_regex_keep: Some(keep.map(str::to_string)),
    }
}

async fn run_count(n: &Node, project_id: i64) -> i64 {
    project_cleanup_state(&n.db, project_id).await.unwrap().run_count
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn due_policies_delete_exactly_the_evaluated_tags_on_their_cadence() {
    let dir = tempfile::tempdir().unwrap();
    for (backend, url) in berth_db::testing::test_database_urls(dir.path()).await {
        let b = backend;
        let n = node(&url, &dir.path().join(format!("{b}-blobs"))).await;
        let p = project(&n.db, "grp", "app").await;
        let (app, tools) = ("grp/app", "grp/app/tools");
        let (mut doomed_bytes, mut v2_bytes) = (0, 0);
        for (tag, age_days) in [
            ("latest", 100),
            ("v1", 10),
            ("v2", 20),
            ("v3", 30),
            ("v4", 40),
            ("v5", 50),
            ("v6", 3),
            ("v7", 5),
            ("v-keep", 100),
            ("other", 100),
        ] {
            let image = n.push(app, tag, &format!("{b}-{tag}"), T - age_days * DAY).await;
            if ["v1", "v2", "v3", "v4", "v5"].contains(&tag) {
                doomed_bytes += image.blob_bytes;
            }
            if tag == "v2" {
                v2_bytes = image.blob_bytes;
            }
        }
        // "stable" points at v2's image: deleting v2 frees nothing of it.
        n.push(app, "stable", &format!("{b}-v2"), T - 100 * DAY).await;
        n.push(tools, "v1", &format!("{b}-tools-v1"), T - 100 * DAY).await;
        n.push(tools, "v2", &format!("{b}-tools-v2"), T - 90 * DAY).await;
        n.push(tools, "v3", &format!("{b}-tools-v3"), T - 2 * DAY).await;

        // Weekly; keep the newest candidate; remove v* older than 7 days; keep v-keep.
        let saved_at = T - 7 * DAY;
        let policy =
            cleanup::save(&n.db, p.id, &input(true, "7d", Some(1), Some("7d"), "v.*", Some("v-keep|stable")), saved_at).await.unwrap();
        assert_eq!(policy.next_run_at, Some(T), "{b}: a cadence after saving");
        let limits = RunLimits::default();

        // The preview shows what the run will do, and the bytes that frees.
        let shown = preview(&n.db, &n.registry, &p.full_path, &policy, T).await.unwrap();
        assert_eq!(shown.len(), 2, "{b}: {shown:?}");
        assert_eq!(
            (shown[0].path.as_str(), shown[0].tags.clone()),
            (app, vec!["v1", "v2", "v3", "v4", "v5"].into_iter().map(String::from).collect()),
            "{b}"
        );
        assert_eq!(shown[0].bytes_freed, doomed_bytes - v2_bytes, "{b}: v2's image keeps its other tag");
        // tools: v3 is the newest candidate (kept by keep_n), v2 goes, v1 goes.
        assert_eq!((shown[1].tags.clone(), shown[1].path.as_str()), (vec!["v2".to_string(), "v1".to_string()], tools), "{b}");

        // Not due yet: nothing happens.
        let report = run_due_policies(&n.db, &n.registry, T - 1, limits).await.unwrap();
        assert!(report.runs.is_empty(), "{b}: {report:?}");
        assert_eq!(n.tags(app).await.len(), 11, "{b}");
        assert_eq!(run_count(&n, p.id).await, 0, "{b}");

        // Due: exactly the evaluated tags go.
        let report = run_due_policies(&n.db, &n.registry, T, limits).await.unwrap();
        assert_eq!(report.runs.len(), 1, "{b}: {report:?}");
        assert_eq!((report.runs[0].outcome, report.tags_deleted()), (RunOutcome::Completed, 7), "{b}");
        assert_eq!(n.tags(app).await, vec!["latest", "other", "stable", "v-keep", "v6", "v7"], "{b}");
        assert_eq!(n.tags(tools).await, vec!["v3"], "{b}");
        for repo in [app, tools] {
            assert_eq!(n.repository_cleanup(repo).await, (CleanupStatus::Unscheduled.as_str().to_string(), Some(T)), "{b}: {repo}");
        }
        let state = project_cleanup_state(&n.db, p.id).await.unwrap();
        assert_eq!(state.next_run_at(), Some(T + 7 * DAY), "{b}: next run a cadence later");
        assert!(!state.running() && !state.partially_completed, "{b}: {state:?}");
        let last = state.last_run.clone().unwrap();
        assert_eq!((last.outcome, last.tags_deleted, last.started_at, last.error), (RunOutcome::Completed, 7, T, None), "{b}");
        assert_eq!(state.run_count, 1, "{b}");

        // Not due again until then.
        assert!(run_due_policies(&n.db, &n.registry, T + 7 * DAY - 1, limits).await.unwrap().runs.is_empty(), "{b}");
        let preview_now = preview(&n.db, &n.registry, &p.full_path, &state.policy, T + DAY).await.unwrap();
        assert!(preview_now.iter().all(|r| r.tags.is_empty() && r.bytes_freed == 0), "{b}: {preview_now:?}");

        // A fresh claim held by another node is respected; a stale one (crashed run) is taken over.
        let next = T + 7 * DAY;
        set_running_since(&n, p.id, Some(next - 60_000)).await;
        assert!(run_due_policies(&n.db, &n.registry, next, limits).await.unwrap().runs.is_empty(), "{b}: claimed elsewhere");
        assert!(project_cleanup_state(&n.db, p.id).await.unwrap().running(), "{b}");
        set_running_since(&n, p.id, Some(next - limits.stale_after_ms())).await;
        let report = run_due_policies(&n.db, &n.registry, next, limits).await.unwrap();
        assert_eq!(report.runs.len(), 1, "{b}: stale claim taken over");
        let state = project_cleanup_state(&n.db, p.id).await.unwrap();
        assert_eq!((state.run_count, state.running(), state.next_run_at()), (2, false, Some(next + 7 * DAY)), "{b}");

        // Disabled policies and disabled registries do not run.
        cleanup::save(&n.db, p.id, &PolicyInput { enabled: Some(false), ..PolicyInput::default() }, next).await.unwrap();
        assert!(run_due_policies(&n.db, &n.registry, next + 365 * DAY, limits).await.unwrap().runs.is_empty(), "{b}");
        cleanup::save(&n.db, p.id, &PolicyInput { enabled: Some(true), ..PolicyInput::default() }, next).await.unwrap();
        berth_platform::projects::set_registry_access_level(&n.db, p.id, berth_platform::model::RegistryAccessLevel::Disabled)
            .await
            .unwrap();
        assert!(run_due_policies(&n.db, &n.registry, next + 365 * DAY, limits).await.unwrap().runs.is_empty(), "{b}: registry off");
    }
}

async fn set_running_since(n: &Node, project_id: i64, at: Option<i64>) {
    berth_db::sqlx::query("UPDATE container_expiration_policies SET running_since = $1 WHERE project_id = $2")
        .bind(at)
        .bind(project_id)
        .execute(&n.db.pool)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_out_of_budget_is_unfinished_and_continues_at_the_next_call() {
    let dir = tempfile::tempdir().unwrap();
    for (backend, url) in berth_db::testing::test_database_urls(dir.path()).await {
        let b = backend;
        let n = node(&url, &dir.path().join(format!("{b}-blobs"))).await;
        let p = project(&n.db, "grp", "big").await;
        let repo = "grp/big";
        for (i, tag) in ["t1", "t2", "t3", "t4", "t5"].into_iter().enumerate() {
            n.push(repo, tag, &format!("{b}-{tag}"), T - (10 + i as i64) * DAY).await;
        }
        n.push(repo, "latest", &format!("{b}-latest"), T - 30 * DAY).await;
        cleanup::save(&n.db, p.id, &input(true, "1d", None, None, ".*", None), T - DAY).await.unwrap();
        let two = RunLimits { max_tags: 2, max_duration: Duration::from_secs(250) };

        let first = run_due_policies(&n.db, &n.registry, T, two).await.unwrap();
        assert_eq!((first.runs[0].outcome, first.tags_deleted()), (RunOutcome::Unfinished, 2), "{b}");
        assert_eq!(n.tags(repo).await, vec!["latest", "t3", "t4", "t5"], "{b}: the newest two went first");
        assert_eq!(n.repository_cleanup(repo).await, (CleanupStatus::Unfinished.as_str().to_string(), Some(T)), "{b}");
        let state = project_cleanup_state(&n.db, p.id).await.unwrap();
        assert!(state.partially_completed && !state.running(), "{b}: {state:?}");
        assert_eq!(state.next_run_at(), Some(T), "{b}: still due");

        let second = run_due_policies(&n.db, &n.registry, T + 60_000, two).await.unwrap();
        assert_eq!((second.runs[0].outcome, second.tags_deleted()), (RunOutcome::Unfinished, 2), "{b}");
        let third = run_due_policies(&n.db, &n.registry, T + 120_000, two).await.unwrap();
        assert_eq!((third.runs[0].outcome, third.tags_deleted()), (RunOutcome::Completed, 1), "{b}");
        assert_eq!(n.tags(repo).await, vec!["latest"], "{b}");
        assert_eq!(n.repository_cleanup(repo).await.0, CleanupStatus::Unscheduled.as_str(), "{b}");
        let state = project_cleanup_state(&n.db, p.id).await.unwrap();
        assert!(!state.partially_completed, "{b}");
        assert_eq!((state.next_run_at(), state.run_count), (Some(T + 120_000 + DAY), 3), "{b}");

        // The time budget: spent at once, so each run deletes one tag and stops.
        for (i, tag) in ["u1", "u2", "u3"].into_iter().enumerate() {
            n.push(repo, tag, &format!("{b}-{tag}"), T - (10 + i as i64) * DAY).await;
        }
        let no_time = RunLimits { max_tags: 200, max_duration: Duration::ZERO };
        let due = T + 2 * DAY;
        let run = run_due_policies(&n.db, &n.registry, due, no_time).await.unwrap();
        assert_eq!((run.runs[0].outcome, run.tags_deleted()), (RunOutcome::Unfinished, 1), "{b}");
        assert_eq!(n.tags(repo).await, vec!["latest", "u2", "u3"], "{b}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_on_one_postgresql_never_run_a_policy_twice() {
    let Some(admin) = berth_db::testing::postgres_admin_url() else {
        if std::env::var("BERTH_TEST_REQUIRE_POSTGRES").as_deref() == Ok("1") {
            panic!("BERTH_TEST_REQUIRE_POSTGRES=1 but BERTH_TEST_POSTGRES_URL is not set");
        }
        eprintln!("skipped: BERTH_TEST_POSTGRES_URL is not set");
        return;
    };
    let url = berth_db::testing::fresh_postgres_database(&admin).await;
    let dir = tempfile::tempdir().unwrap();
    let storage = dir.path().join("blobs");
    let (a, b) = (node(&url, &storage).await, node(&url, &storage).await);
    let mut projects = Vec::new();
    for name in ["p0", "p1", "p2", "p3"] {
        let p = project(&a.db, "shared", name).await;
        for (i, tag) in ["t1", "t2", "t3", "t4", "t5"].into_iter().enumerate() {
            a.push(&p.full_path, tag, &format!("{name}-{tag}"), T - (10 + i as i64) * DAY).await;
        }
        cleanup::save(&a.db, p.id, &input(true, "1d", None, None, ".*", None), T - DAY).await.unwrap();
        projects.push(p);
    }
    for round in 0..3 {
        let now = T + round * DAY;
        if round > 0 {
            // Refill what the last round deleted, so every round has work.
            for p in &projects {
                for (i, tag) in ["t1", "t2", "t3", "t4", "t5"].into_iter().enumerate() {
                    a.push(&p.full_path, tag, &format!("{}-{tag}-{round}", p.path), now - (10 + i as i64) * DAY).await;
                }
            }
        }
        let limits = RunLimits::default();
        let (ra, rb) = tokio::join!(run_due_policies(&a.db, &a.registry, now, limits), run_due_policies(&b.db, &b.registry, now, limits));
        let (ra, rb) = (ra.unwrap(), rb.unwrap());
        assert_eq!(ra.runs.len() + rb.runs.len(), 4, "round {round}: each policy ran once: {ra:?} {rb:?}");
        assert_eq!(ra.tags_deleted() + rb.tags_deleted(), 20, "round {round}: each tag deleted once");
        for p in &projects {
            assert!(a.tags(&p.full_path).await.is_empty(), "round {round}");
            let state = project_cleanup_state(&a.db, p.id).await.unwrap();
            assert_eq!(state.run_count, round + 1, "round {round}: {}", p.full_path);
            assert_eq!(state.last_run.unwrap().tags_deleted, 5, "round {round}");
        }
    }
}
