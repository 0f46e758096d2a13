//! Online garbage collection semantics (every metadata backend), storage failures and
//! back-off, several workers at once, status, and the offline mark-and-sweep.

mod gc_support;

use std::sync::Arc;
use std::time::Duration;

use berth_registry::gc::offline::UploadReason;
use berth_registry::gc::{self, GcConfig};
use berth_registry::meta::Meta;
use berth_registry::storage::{BlobStore, ByteStream, MemoryStore};
use gc_support::*;

#[tokio::test]
async fn deleting_one_of_two_images_sharing_layers_frees_only_its_unique_blobs_after_the_delay() {
    for env in fs_envs().await {
        let name = "group/app";
        let t = env.token(&[name]);
        let base: &[u8] = b"shared base layer bytes";
        let a_only: &[u8] = b"layer only in image a";
        let b_only: &[u8] = b"layer only in image b";
        let a = env.push_image(name, Some("a"), &t, b"{\"config\":\"a\"}", &[base, a_only], None).await;
        let b = env.push_image(name, Some("b"), &t, b"{\"config\":\"b\"}", &[base, b_only], None).await;
        env.delete_manifest(name, &a, &t).await;

        // Within the delay nothing goes.
        let day = env.collector(GcConfig::default()).run().await.unwrap();
        assert_eq!(day.blobs_deleted + day.manifests_deleted, 0, "[{}] {day:?}", env.label);
        let st = gc::status(&env.db).await.unwrap();
        assert!(st.blob_queue >= 2, "[{}] {st:?}", env.label);
        assert_eq!(st.blobs_due, 0, "[{}] {st:?}", env.label);
        assert_eq!(st.review_delay_ms, 86_400_000);
        for d in [sha256(a_only), sha256(b"{\"config\":\"a\"}")] {
            assert!(env.stored(&d).await && env.blob_row(&d).await, "[{}]", env.label);
        }

        let r = env.collector(gc0()).run().await.unwrap();
        assert_eq!(r.blobs_deleted, 2, "[{}] {r:?}", env.label);
        assert_eq!(r.bytes_freed as usize, a_only.len() + b"{\"config\":\"a\"}".len());
        for d in [sha256(a_only), sha256(b"{\"config\":\"a\"}")] {
            assert!(!env.stored(&d).await, "[{}] {d} bytes should be gone", env.label);
            assert!(!env.blob_row(&d).await, "[{}] {d} row should be gone", env.label);
        }
        for d in [sha256(base), sha256(b_only), sha256(b"{\"config\":\"b\"}")] {
            assert!(env.stored(&d).await && env.blob_row(&d).await, "[{}] {d} must stay", env.label);
        }
        assert_eq!(env.manifest_status(name, "b", &t).await, 200);
        assert_eq!(env.manifest_status(name, &b, &t).await, 200);
        let st = gc::status(&env.db).await.unwrap();
        assert_eq!((st.blob_queue, st.manifest_queue), (0, 0), "[{}] {st:?}", env.label);
        assert_eq!(st.blobs_deleted, 2);
        assert_eq!(st.bytes_freed as u64, r.bytes_freed);
        let last = st.last_run.expect("last run recorded");
        assert!(last.finished_at.is_some());
        assert_eq!(last.blobs_deleted, 2);
        env.assert_no_lost_blob().await;
    }
}

#[tokio::test]
async fn an_untagged_manifest_in_an_index_stays_until_the_index_goes() {
    for env in fs_envs().await {
        let name = "group/multi";
        let t = env.token(&[name]);
        let c_layer: &[u8] = b"amd64 layer";
        let d_layer: &[u8] = b"arm64 layer";
        let c = env.push_image(name, Some("c"), &t, b"{\"arch\":\"amd64\"}", &[c_layer], None).await;
        let d = env.push_image(name, None, &t, b"{\"arch\":\"arm64\"}", &[d_layer], None).await;
        let c_len = env.count(&format!("SELECT size FROM manifests WHERE digest = '{c}'")).await as usize;
        let d_len = env.count(&format!("SELECT size FROM manifests WHERE digest = '{d}'")).await as usize;
        let index = index_manifest(&[(&c, c_len), (&d, d_len)]);
        let r = env.put_manifest(name, "multi", &t, OCI_INDEX, &index).await;
        assert_eq!(r.status(), 201, "[{}]", env.label);
        let index_digest = sha256(&index);

        // Untag c: referenced by the index, so both children stay (d was pushed untagged).
        let r = env.req(reqwest::Method::DELETE, &format!("/v2/{name}/manifests/c"), &t).send().await.unwrap();
        assert_eq!(r.status(), 202);
        let r = env.collector(gc0()).run().await.unwrap();
        assert_eq!((r.manifests_deleted, r.blobs_deleted), (0, 0), "[{}] {r:?}", env.label);
        assert_eq!(env.manifest_status(name, &c, &t).await, 200);
        assert_eq!(env.manifest_status(name, &d, &t).await, 200);
        assert!(env.stored(&sha256(c_layer)).await);

        // Delete the index: both children and all their blobs go.
        env.delete_manifest(name, &index_digest, &t).await;
        let r = env.collector(gc0()).run().await.unwrap();
        assert_eq!(r.manifests_deleted, 2, "[{}] {r:?}", env.label);
        assert_eq!(r.blobs_deleted, 4, "[{}] {r:?}", env.label);
        assert_eq!(env.manifest_status(name, &c, &t).await, 404);
        assert_eq!(env.manifest_status(name, &d, &t).await, 404);
        for blob in [c_layer, d_layer] {
            assert!(!env.stored(&sha256(blob)).await, "[{}]", env.label);
        }
        assert_eq!(env.count("SELECT COUNT(*) FROM manifests").await, 0);
        assert_eq!(env.count("SELECT COUNT(*) FROM blobs").await, 0);
    }
}

#[tokio::test]
async fn a_referrer_lives_as_long_as_its_subject() {
    for env in fs_envs().await {
        let name = "group/signed";
        let t = env.token(&[name]);
        let image = env.push_image(name, Some("v1"), &t, b"{\"image\":1}", &[b"image layer"], None).await;
        let image_len = env.count(&format!("SELECT size FROM manifests WHERE digest = '{image}'")).await as usize;
        let sig = env.push_image(name, None, &t, b"{\"sig\":1}", &[b"signature payload"], Some((&image, image_len))).await;
        let r = env.collector(gc0()).run().await.unwrap();
        assert_eq!(r.manifests_deleted, 0, "[{}] untagged signature of a live image stays: {r:?}", env.label);
        assert_eq!(env.manifest_status(name, &sig, &t).await, 200);

        let r = env.req(reqwest::Method::DELETE, &format!("/v2/{name}/manifests/v1"), &t).send().await.unwrap();
        assert_eq!(r.status(), 202);
        let r = env.collector(gc0()).run().await.unwrap();
        assert_eq!(r.manifests_deleted, 2, "[{}] image then its signature: {r:?}", env.label);
        assert_eq!(r.blobs_deleted, 4, "[{}] {r:?}", env.label);
        assert_eq!(env.count("SELECT COUNT(*) FROM blobs").await, 0);
    }
}

#[tokio::test]
async fn a_tag_moved_to_another_manifest_queues_the_old_one() {
    for env in fs_envs().await {
        let name = "group/moving";
        let t = env.token(&[name]);
        let old = env.push_image(name, Some("latest"), &t, b"{\"v\":1}", &[b"v1 layer"], None).await;
        let new = env.push_image(name, Some("latest"), &t, b"{\"v\":2}", &[b"v2 layer"], None).await;
        let r = env.collector(gc0()).run().await.unwrap();
        assert_eq!((r.manifests_deleted, r.blobs_deleted), (1, 2), "[{}] {r:?}", env.label);
        assert_eq!(env.manifest_status(name, &old, &t).await, 404);
        assert_eq!(env.manifest_status(name, &new, &t).await, 200);
        assert!(!env.stored(&sha256(b"v1 layer")).await);
        assert!(env.stored(&sha256(b"v2 layer")).await);
    }
}

#[tokio::test]
async fn requeuing_postpones_instead_of_duplicating_and_a_new_reference_saves_the_blob() {
    for env in fs_envs().await {
        let name = "group/requeue";
        let t = env.token(&[name]);
        let layer: &[u8] = b"a layer pushed twice";
        let m = env.push_image(name, Some("x"), &t, b"{\"x\":1}", &[layer], None).await;
        let d = sha256(layer);
        env.delete_manifest(name, &m, &t).await;
        let q = format!("SELECT COUNT(*) FROM gc_blob_review_queue WHERE digest = '{d}'");
        let at = format!("SELECT queued_at FROM gc_blob_review_queue WHERE digest = '{d}'");
        assert_eq!(env.count(&q).await, 1);
        let first = env.count(&at).await;
        tokio::time::sleep(Duration::from_millis(5)).await;
        env.push_blob(name, &t, layer).await; // links again (a no-op link) …
        let other = "group/other";
        let t2 = env.token(&[name, other]);
        env.push_blob(other, &t2, layer).await; // … and a new link in another repository
        assert_eq!(env.count(&q).await, 1, "[{}] no duplicate queue row", env.label);
        assert!(env.count(&at).await > first, "[{}] review postponed", env.label);
        // A manifest referencing it is pushed before the review: the blob is saved.
        env.push_image(other, Some("y"), &t2, b"{\"y\":1}", &[layer], None).await;
        let r = env.collector(gc0()).run().await.unwrap();
        assert!(env.stored(&d).await && env.blob_row(&d).await, "[{}] {r:?}", env.label);
        assert_eq!(env.count(&q).await, 0, "[{}] reviewed and dropped", env.label);
        env.assert_no_lost_blob().await;
    }
}

#[tokio::test]
async fn a_refused_storage_delete_is_retried_with_backoff_and_never_counted_as_done() {
    let flaky = FlakyStore::new(Arc::new(MemoryStore::new()));
    let envs = envs_with(|_| flaky.clone() as Arc<dyn BlobStore>).await;
    for env in envs {
        let name = "group/flaky";
        let t = env.token(&[name]);
        let layer: &[u8] = b"layer of the flaky store";
        let m = env.push_image(name, Some("f"), &t, b"{\"f\":1}", &[layer], None).await;
        env.delete_manifest(name, &m, &t).await;
        flaky.set_failing(true);
        let config = GcConfig { retry_base: Duration::from_millis(300), retry_max: Duration::from_secs(10), ..gc0() };
        let c = env.collector(config);
        let r = c.run().await.unwrap();
        assert_eq!(r.blobs_deleted, 0, "[{}] {r:?}", env.label);
        assert_eq!(r.storage_failures, 2, "[{}] {r:?}", env.label);
        let d = sha256(layer);
        assert!(env.blob_row(&d).await && env.stored(&d).await, "[{}] nothing lost on failure", env.label);
        let attempts = format!("SELECT attempts FROM gc_blob_review_queue WHERE digest = '{d}'");
        assert_eq!(env.count(&attempts).await, 1);
        let err: String = berth_db::sqlx::query_scalar("SELECT last_error FROM gc_blob_review_queue WHERE digest = $1")
            .bind(&d)
            .fetch_one(&env.db.pool)
            .await
            .unwrap();
        assert!(err.contains("simulated S3 outage"), "{err}");
        let st = gc::status(&env.db).await.unwrap();
        assert_eq!((st.failing_items, st.blobs_due, st.blobs_deleted), (2, 0, 0), "[{}] {st:?}", env.label);
        assert_eq!(st.storage_failures, 2);
        let mut listed: Vec<&str> = st.failing.iter().map(|f| f.key.as_str()).collect();
        listed.sort();
        let config_digest = sha256(b"{\"f\":1}");
        let mut want = vec![d.as_str(), config_digest.as_str()];
        want.sort();
        assert_eq!(listed, want, "[{}] {st:?}", env.label);
        for f in &st.failing {
            assert_eq!((f.queue, f.attempts), ("blob", 1));
            assert!(f.retry_after > berth_db::now_millis(), "backing off");
            assert!(f.last_error.as_deref().unwrap_or("").contains("simulated S3 outage"), "{f:?}");
        }

        // Backing off: an immediate run does not retry.
        let r = c.run().await.unwrap();
        assert_eq!(r.storage_failures, 0, "[{}] {r:?}", env.label);
        tokio::time::sleep(Duration::from_millis(350)).await;
        let r = c.run().await.unwrap();
        assert_eq!(r.storage_failures, 2, "[{}] {r:?}", env.label);
        assert_eq!(env.count(&attempts).await, 2);
        let wait = env.count(&format!("SELECT retry_after FROM gc_blob_review_queue WHERE digest = '{d}'")).await - berth_db::now_millis();
        assert!(wait > 400 && wait <= 600, "[{}] second back-off doubles: {wait} ms", env.label);

        flaky.set_failing(false);
        tokio::time::sleep(Duration::from_millis(650)).await;
        let r = c.run().await.unwrap();
        assert_eq!(r.blobs_deleted, 2, "[{}] {r:?}", env.label);
        assert!(!env.stored(&d).await && !env.blob_row(&d).await);
        let st = gc::status(&env.db).await.unwrap();
        assert_eq!((st.failing_items, st.blob_queue, st.blobs_deleted), (0, 0, 2), "[{}] {st:?}", env.label);
    }
}

#[tokio::test]
async fn one_refused_delete_in_a_batch_keeps_only_that_blob_and_the_rest_is_deleted() {
    let flaky = FlakyStore::new(Arc::new(MemoryStore::new()));
    let envs = envs_with(|_| flaky.clone() as Arc<dyn BlobStore>).await;
    for env in envs {
        let name = "group/partly";
        let t = env.token(&[name]);
        let (config, stuck, fine): (&[u8], &[u8], &[u8]) = (b"{\"partly\":1}", b"the stuck layer", b"the fine layer");
        let m = env.push_image(name, Some("p"), &t, config, &[stuck, fine], None).await;
        env.delete_manifest(name, &m, &t).await;
        let stuck_digest = sha256(stuck);
        flaky.fail_digests.lock().unwrap().insert(stuck_digest.clone());
        let c = env.collector(GcConfig { retry_base: Duration::from_millis(200), ..gc0() });
        let r = c.run().await.unwrap();
        assert_eq!((r.blobs_deleted, r.storage_failures), (2, 1), "[{}] {r:?}", env.label);
        assert_eq!(r.bytes_freed, (config.len() + fine.len()) as u64);
        for gone in [sha256(config), sha256(fine)] {
            assert!(!env.blob_row(&gone).await && !env.stored(&gone).await, "[{}] {gone} deleted", env.label);
        }
        assert!(env.blob_row(&stuck_digest).await && env.stored(&stuck_digest).await, "[{}] refused blob kept", env.label);
        assert_eq!(env.count("SELECT COUNT(*) FROM repository_blobs").await, 1, "[{}] its link too", env.label);
        let st = gc::status(&env.db).await.unwrap();
        assert_eq!((st.blob_queue, st.failing_items, st.blobs_deleted, st.storage_failures), (1, 1, 2, 1), "[{}] {st:?}", env.label);
        assert_eq!(st.failing[0].key, stuck_digest);
        assert_eq!(st.last_run.as_ref().map(|l| (l.blobs_deleted, l.bytes_freed)), Some((2, r.bytes_freed as i64)));

        flaky.fail_digests.lock().unwrap().clear();
        tokio::time::sleep(Duration::from_millis(250)).await;
        let r = c.run().await.unwrap();
        assert_eq!((r.blobs_deleted, r.storage_failures), (1, 0), "[{}] {r:?}", env.label);
        assert!(!env.blob_row(&stuck_digest).await && !env.stored(&stuck_digest).await);
        let st = gc::status(&env.db).await.unwrap();
        assert_eq!((st.blob_queue, st.failing_items, st.blobs_deleted), (0, 0, 3), "[{}] {st:?}", env.label);
        assert!(st.failing.is_empty());
        env.assert_no_lost_blob().await;
    }
}

#[tokio::test]
async fn several_workers_on_separate_connections_delete_each_item_exactly_once() {
    let flaky = FlakyStore::new(Arc::new(MemoryStore::new()));
    let envs = envs_with(|_| flaky.clone() as Arc<dyn BlobStore>).await;
    for env in envs {
        flaky.deletes.lock().unwrap().clear();
        let n = 400;
        let mut digests = Vec::new();
        {
            let now = berth_db::now_millis();
            let mut tx = env.db.pool.begin().await.unwrap();
            for i in 0..n {
                let data = format!("unreferenced blob {i} of {}", env.label).into_bytes();
                let d = plant(&env.store, &data).await;
                berth_db::sqlx::query("INSERT INTO blobs (digest, size, media_type, created_at) VALUES ($1, $2, NULL, $3)")
                    .bind(&d)
                    .bind(data.len() as i64)
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                berth_db::sqlx::query("INSERT INTO gc_blob_review_queue (digest, queued_at, event) VALUES ($1, $2, 'test')")
                    .bind(&d)
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                digests.push(d);
            }
            tx.commit().await.unwrap();
        }
        // Like separate nodes: each worker has its own Meta (its own SQLite writer mutex).
        let mut tasks = Vec::new();
        for _ in 0..4 {
            let c = gc::collector(env.db.clone(), env.store.clone(), GcConfig { batch_size: 50, ..gc0() });
            tasks.push(tokio::spawn(async move { c.run().await.unwrap() }));
        }
        let mut deleted = 0;
        for t in tasks {
            deleted += t.await.unwrap().blobs_deleted;
        }
        assert_eq!(deleted, n as u64, "[{}] every item counted once", env.label);
        let counts = flaky.deletes.lock().unwrap().clone();
        assert_eq!(counts.len(), n);
        assert!(counts.values().all(|&c| c == 1), "[{}] a blob was deleted twice", env.label);
        for d in &digests {
            assert!(!env.stored(d).await);
        }
        let st = gc::status(&env.db).await.unwrap();
        assert_eq!((st.blob_queue, st.blobs_deleted), (0, n as i64), "[{}] {st:?}", env.label);
    }
}

#[tokio::test]
async fn offline_sweep_finds_dead_rows_and_planted_orphans_and_dry_run_changes_nothing() {
    for env in fs_envs().await {
        let name = "group/offline";
        let t = env.token(&[name]);
        let keep = env.push_image(name, Some("keep"), &t, b"{\"keep\":1}", &[b"kept layer"], None).await;
        let untagged = env.push_image(name, None, &t, b"{\"untagged\":1}", &[b"untagged layer"], None).await;
        let orphan1 = plant(&env.store, b"crash leftover one").await;
        let orphan2 = plant(&env.store, b"crash leftover number two").await;
        // Upload sessions: bytes without a row (crash), one idle past the stale limit, one in
        // progress (stays).
        let orphan_upload = "0-orphan-upload".to_string();
        env.store.upload_create(&orphan_upload).await.unwrap();
        let five: ByteStream = Box::pin(futures::stream::once(async { Ok(bytes::Bytes::from_static(b"12345")) }));
        env.store.upload_append(&orphan_upload, 0, five).await.unwrap();
        let stale_upload = env.start_upload(name, &t).await;
        let live_upload = env.start_upload(name, &t).await;
        berth_db::sqlx::query("UPDATE uploads SET updated_at = $1 WHERE id = $2")
            .bind(berth_db::now_millis() - 2 * 3600 * 1000)
            .bind(&stale_upload)
            .execute(&env.db.pool)
            .await
            .unwrap();
        let meta = Meta::new(env.db.clone());
        let quiet = |_: &str, _: u64, _: u64| {};
        let hour = Duration::from_secs(3600);
        let plan = gc::offline::plan(&meta, &env.store, hour, &quiet).await.unwrap();
        let mut uploads: Vec<(String, u64, bool)> =
            plan.uploads.iter().map(|u| (u.id.clone(), u.size, u.reason == UploadReason::NoDatabaseRow)).collect();
        uploads.sort();
        let mut want_uploads = vec![(orphan_upload.clone(), 5, true), (stale_upload.clone(), 0, false)];
        want_uploads.sort();
        assert_eq!(uploads, want_uploads, "[{}] {:?}", env.label, plan.uploads);
        let mut orphans = vec![orphan1.clone(), orphan2.clone()];
        orphans.sort();
        assert_eq!(plan.orphans.iter().map(|(d, _)| d.clone()).collect::<Vec<_>>(), orphans, "[{}]", env.label);
        assert_eq!(plan.manifests.len(), 1);
        assert_eq!(plan.manifests[0].digest, untagged);
        assert_eq!(plan.manifests[0].repository, name);
        let mut dead: Vec<String> = plan.blobs.iter().map(|(d, _)| d.clone()).collect();
        dead.sort();
        let mut want = vec![sha256(b"{\"untagged\":1}"), sha256(b"untagged layer")];
        want.sort();
        assert_eq!(dead, want, "[{}]", env.label);
        let bytes =
            (b"crash leftover one".len() + b"crash leftover number two".len() + b"{\"untagged\":1}".len() + b"untagged layer".len() + 5)
                as u64;
        assert_eq!(plan.bytes(), bytes);
        // Planning is read-only.
        assert!(env.stored(&orphan1).await);
        assert_eq!(env.manifest_status(name, &untagged, &t).await, 200);

        let report = gc::offline::sweep(&meta, &env.store, &plan, &quiet).await.unwrap();
        assert_eq!((report.manifests_deleted, report.blobs_deleted, report.orphans_deleted, report.uploads_deleted), (1, 2, 2, 2));
        assert_eq!(report.bytes_freed, bytes);
        assert!(report.failures.is_empty());
        assert!(!env.stored(&orphan1).await && !env.stored(&orphan2).await);
        assert_eq!(env.manifest_status(name, &keep, &t).await, 200);
        assert_eq!(env.manifest_status(name, &untagged, &t).await, 404);
        assert!(env.stored(&sha256(b"kept layer")).await);
        assert!(env.store.upload_size(&orphan_upload).await.is_err(), "[{}] orphan session bytes gone", env.label);
        assert!(env.store.upload_size(&stale_upload).await.is_err(), "[{}] stale session bytes gone", env.label);
        assert_eq!(env.count(&format!("SELECT COUNT(*) FROM uploads WHERE id = '{stale_upload}'")).await, 0);
        assert_eq!(env.store.upload_size(&live_upload).await.unwrap(), 0, "[{}] a live session stays", env.label);
        assert_eq!(env.count(&format!("SELECT COUNT(*) FROM uploads WHERE id = '{live_upload}'")).await, 1);
        let again = gc::offline::plan(&meta, &env.store, hour, &quiet).await.unwrap();
        assert!(again.is_empty(), "[{}] {again:?}", env.label);
        env.assert_no_lost_blob().await;
    }
}
