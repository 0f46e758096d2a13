//! Keyset pages of repositories and tags on both databases: every row appears exactly once
//! walking forwards, walking backwards gives the same pages, search and filters apply in SQL.

use berth_db::sqlx::{self, Row};
use berth_db::Db;
use berth_platform::container_registry::listing::repositories::{list_repositories, RepositoryOrder, RepositoryQuery};
use berth_platform::container_registry::listing::tags::{list_tags, PlatformFilter, TagOrder, TagQuery};
use berth_platform::container_registry::listing::{Cursor, PageCursor, SortDirection};

async fn insert_repository(db: &Db, path: &str, project_id: i64, at: i64) -> i64 {
    sqlx::query("INSERT INTO repositories (path, project_id, status, created_at, updated_at) VALUES ($1, $2, NULL, $3, $3) RETURNING id")
        .bind(path)
        .bind(project_id)
        .bind(at)
        .fetch_one(&db.pool)
        .await
        .unwrap()
        .get("id")
}

async fn insert_tag(db: &Db, repository_id: i64, name: &str, at: i64, index: bool) {
    let media_type = if index { "application/vnd.oci.image.index.v1+json" } else { "application/vnd.oci.image.manifest.v1+json" };
    let payload = if index {
        br#"{"manifests":[{"platform":{"os":"linux","architecture":"amd64"}},{"platform":{"os":"linux","architecture":"arm64"}}]}"#.to_vec()
    } else {
        b"{}".to_vec()
    };
    let digest = format!("sha256:{repository_id}-{name}");
    let id: i64 = sqlx::query(
        "INSERT INTO manifests (repository_id, digest, media_type, size, payload, config_digest, total_size, pushed_at) \
         VALUES ($1, $2, $3, 2, $4, 'sha256:cfg', $5, $6) RETURNING id",
    )
    .bind(repository_id)
    .bind(&digest)
    .bind(media_type)
    .bind(payload)
    .bind(1002 + at)
    .bind(at)
    .fetch_one(&db.pool)
    .await
    .unwrap()
    .get("id");
    sqlx::query("INSERT INTO tags (repository_id, name, manifest_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)")
        .bind(repository_id)
        .bind(name)
        .bind(id)
        .bind(at)
        .execute(&db.pool)
        .await
        .unwrap();
}

/// Walks every page forwards, then backwards from the last, returning the names in display order.
async fn walk_tags(db: &Db, repo: i64, base: &TagQuery) -> (Vec<String>, Vec<String>) {
    let mut forward = vec![];
    let mut q = base.clone();
    let mut last_page_first = None;
    loop {
        let page = list_tags(db, repo, &q).await.unwrap();
        assert!(page.items.len() as i64 <= q.limit);
        last_page_first = page.items.first().map(|_| page.previous.clone()).or(last_page_first);
        forward.extend(page.items.iter().map(|t| t.name.clone()));
        match page.next {
            Some(next) => q.cursor = PageCursor::After(Cursor::parse(&next).unwrap()),
            None => {
                // Back from the last page.
                let mut backward: Vec<String> = page.items.iter().map(|t| t.name.clone()).collect();
                let mut prev = page.previous;
                while let Some(p) = prev {
                    let mut q = base.clone();
                    q.cursor = PageCursor::Before(Cursor::parse(&p).unwrap());
                    let page = list_tags(db, repo, &q).await.unwrap();
                    let mut names: Vec<String> = page.items.iter().map(|t| t.name.clone()).collect();
                    names.extend(backward);
                    backward = names;
                    prev = page.previous;
                }
                return (forward, backward);
            }
        }
    }
}

#[tokio::test]
async fn tags_page_by_keyset_both_ways_with_search_and_filters() {
    let dir = tempfile::tempdir().unwrap();
    for (backend, url) in berth_db::testing::test_database_urls(dir.path()).await {
        let db = Db::connect(&url).await.unwrap();
        let repo = insert_repository(&db, "g/p", 1, 0).await;
        // 23 tags; v3 and v4 published at the same instant (the name breaks the tie).
        for i in 0..23i64 {
            let at = if i == 4 { 3_000 } else { i * 1000 };
            insert_tag(&db, repo, &format!("v{i}"), at, i % 5 == 0).await;
        }
        let base = TagQuery { limit: 5, ..TagQuery::default() };
        let (forward, backward) = walk_tags(&db, repo, &base).await;
        let mut expected: Vec<String> = (0..23).map(|i| format!("v{i}")).collect();
        expected.sort_by_key(|n| {
            let i: i64 = n[1..].parse().unwrap();
            let at = if i == 4 { 3_000 } else { i * 1000 };
            (std::cmp::Reverse(at), std::cmp::Reverse(n.clone()))
        });
        assert_eq!(forward, expected, "{backend}: newest published first, each tag once");
        assert_eq!(backward, expected, "{backend}: walking back gives the same pages");

        let by_name = TagQuery { order: TagOrder::Name, direction: SortDirection::Asc, limit: 7, ..TagQuery::default() };
        let (forward, _) = walk_tags(&db, repo, &by_name).await;
        let mut names: Vec<String> = (0..23).map(|i| format!("v{i}")).collect();
        names.sort();
        assert_eq!(forward, names, "{backend}: by name");

        let searched = TagQuery { search: Some("V1".into()), order: TagOrder::Name, direction: SortDirection::Asc, ..TagQuery::default() };
        let page = list_tags(&db, repo, &searched).await.unwrap();
        let got: Vec<&str> = page.items.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(got, vec!["v1", "v10", "v11", "v12", "v13", "v14", "v15", "v16", "v17", "v18", "v19"], "{backend}");
        assert_eq!((page.total, page.next.as_deref()), (11, None), "{backend}");
        let literal = TagQuery { search: Some("v_".into()), ..TagQuery::default() };
        assert_eq!(list_tags(&db, repo, &literal).await.unwrap().total, 0, "{backend}: _ is not a wildcard");

        let multi = TagQuery {
            platforms: PlatformFilter::MultiPlatform,
            order: TagOrder::Name,
            direction: SortDirection::Asc,
            ..TagQuery::default()
        };
        let page = list_tags(&db, repo, &multi).await.unwrap();
        assert_eq!(page.items.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), vec!["v0", "v10", "v15", "v20", "v5"], "{backend}");
        assert_eq!(page.items[0].platforms, vec!["linux/amd64", "linux/arm64"], "{backend}");
        assert_eq!(page.items[0].size, 1000, "{backend}: total minus the manifest itself");
        let single = TagQuery { platforms: PlatformFilter::SinglePlatform, ..TagQuery::default() };
        assert_eq!(list_tags(&db, repo, &single).await.unwrap().total, 18, "{backend}");
        let old = TagQuery { published_before: Some(2_500), ..TagQuery::default() };
        assert_eq!(list_tags(&db, repo, &old).await.unwrap().total, 3, "{backend}: v0, v1, v2");
    }
}

#[tokio::test]
async fn repositories_page_within_the_given_projects() {
    let dir = tempfile::tempdir().unwrap();
    for (backend, url) in berth_db::testing::test_database_urls(dir.path()).await {
        let db = Db::connect(&url).await.unwrap();
        for i in 0..12i64 {
            insert_repository(&db, &format!("g/p/img{i:02}"), 1, 100 + (i % 4)).await;
        }
        insert_repository(&db, "g/other/x", 2, 999).await;
        let tagged = insert_repository(&db, "g/p", 1, 50).await;
        insert_tag(&db, tagged, "latest", 50, false).await;

        let mut q = RepositoryQuery { limit: 5, ..RepositoryQuery::default() };
        let mut seen = vec![];
        loop {
            let page = list_repositories(&db, &[1], &q).await.unwrap();
            assert_eq!(page.total, 13, "{backend}");
            seen.extend(page.items.iter().map(|r| (r.updated_at, r.id)));
            match page.next {
                Some(n) => q.cursor = PageCursor::After(Cursor::parse(&n).unwrap()),
                None => break,
            }
        }
        let mut sorted = seen.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        sorted.dedup();
        assert_eq!(seen, sorted, "{backend}: newest updated first, each once, other projects left out");
        assert_eq!(seen.len(), 13, "{backend}");

        let by_name = RepositoryQuery {
            order: RepositoryOrder::Name,
            direction: SortDirection::Asc,
            search: Some("IMG0".into()),
            ..RepositoryQuery::default()
        };
        let page = list_repositories(&db, &[1, 2], &by_name).await.unwrap();
        let paths: Vec<&str> = page.items.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(paths.len(), 10, "{backend}");
        assert_eq!(paths[0], "g/p/img00", "{backend}");
        let root = list_repositories(
            &db,
            &[1],
            &RepositoryQuery {
                search: Some("g/p".into()),
                order: RepositoryOrder::Name,
                direction: SortDirection::Asc,
                ..RepositoryQuery::default()
            },
        )
        .await
        .unwrap();
        assert_eq!((root.items[0].path.as_str(), root.items[0].tags_count), ("g/p", 1), "{backend}");
        assert_eq!(list_repositories(&db, &[], &RepositoryQuery::default()).await.unwrap().total, 0);
    }
}
