//! Pushes racing the online collector (review delay 0): no interleaving may leave a committed
//! manifest referring to a blob whose row or bytes are gone. SQLite and PostgreSQL with the
//! filesystem store; SQLite with S3 when BERTH_TEST_S3_ENDPOINT is set.

mod gc_support;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use berth_registry::storage::{BlobStore, S3Config, S3Store};
use gc_support::*;
use reqwest::Method;

const PUSHERS: usize = 4;
const ROUNDS: usize = 8;

/// Pushes one image like a registry client: uploads the blobs, PUTs the manifest, and when
/// the collector won a race (MANIFEST_BLOB_UNKNOWN, or an upload refused) uploads the missing
/// blob again and retries. Returns the manifest digest and how many retries it took.
async fn push_with_retries(env: &Env, name: &str, tag: &str, config: &[u8], layers: &[Vec<u8>]) -> (String, u64) {
    let ls: Vec<(String, usize)> = layers.iter().map(|l| (sha256(l), l.len())).collect();
    let m = image_manifest(&sha256(config), config.len(), &ls, None);
    let all: Vec<&[u8]> = std::iter::once(config).chain(layers.iter().map(|l| &l[..])).collect();
    let mut missing: Vec<&[u8]> = all.clone();
    let mut retries = 0;
    loop {
        assert!(retries < 1000, "[{}] push never succeeded", env.label);
        let t = env.token(&[name]);
        for blob in std::mem::take(&mut missing) {
            let st = env.try_push_blob(name, &t, blob).await;
            if st != 201 {
                missing.push(blob);
            }
        }
        if !missing.is_empty() {
            retries += 1;
            continue;
        }
        let r = env.put_manifest(name, tag, &t, OCI_MANIFEST, &m).await;
        match r.status().as_u16() {
            201 => return (sha256(&m), retries),
            400 => {
                let body: serde_json::Value = r.json().await.unwrap();
                assert_eq!(body["errors"][0]["code"], "MANIFEST_BLOB_UNKNOWN", "[{}] {body}", env.label);
                // Like docker: HEAD every blob, upload the ones the registry lacks.
                for blob in &all {
                    let head = env.req(Method::HEAD, &format!("/v2/{name}/blobs/{}", sha256(blob)), &t).send().await.unwrap();
                    if head.status() != 200 {
                        missing.push(blob);
                    }
                }
                retries += 1;
            }
            s => panic!("[{}] manifest PUT answered {s}: {}", env.label, r.text().await.unwrap()),
        }
    }
}

/// `pause_ms`: the worker sleeps `pause_ms.0 + (0..pause_ms.1)` ms between single passes.
async fn race(env: Env, pause_ms: (u32, u32)) {
    let env = Arc::new(env);
    let stop = Arc::new(AtomicBool::new(false));
    let runs = Arc::new(AtomicU64::new(0));
    let deleted = Arc::new(AtomicU64::new(0));
    let mut workers = Vec::new();
    for _ in 0..1 {
        let (env, stop, runs, deleted) = (env.clone(), stop.clone(), runs.clone(), deleted.clone());
        workers.push(tokio::spawn(async move {
            // One pass per run, then a pause: a worker looping passes while pushes keep
            // uploading (every fresh upload is due at once with delay 0) would starve them.
            let c = env.collector(berth_registry::gc::GcConfig { max_passes: 1, ..gc0() });
            while !stop.load(Ordering::SeqCst) {
                let r = c.run().await.expect("gc run");
                runs.fetch_add(1, Ordering::SeqCst);
                deleted.fetch_add(r.blobs_deleted, Ordering::SeqCst);
                // With delay 0 a freshly uploaded blob is garbage until its manifest arrives;
                // a worker that never pauses would starve every push. Pause a little, so pushes
                // sometimes finish first and sometimes lose a blob to the worker.
                let jitter =
                    pause_ms.0 + std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos() % pause_ms.1;
                tokio::time::sleep(std::time::Duration::from_millis(jitter as u64)).await;
            }
        }));
    }
    let shared: Vec<u8> = b"shared base layer ".repeat(512);
    let mut pushers = Vec::new();
    for p in 0..PUSHERS {
        let (env, shared) = (env.clone(), shared.clone());
        pushers.push(tokio::spawn(async move {
            let name = format!("race/p{p}");
            let mut kept = Vec::new();
            let mut retries = 0;
            for round in 0..ROUNDS {
                let config = format!("{{\"pusher\":{p},\"round\":{round}}}").into_bytes();
                let unique = format!("unique layer {p}/{round} ").repeat(64).into_bytes();
                // Every pusher pushes this round's layer at about the same time; in even rounds
                // they all delete their image again, so it turns garbage while others push it.
                let round_layer = format!("layer of round {round} ").repeat(64).into_bytes();
                let layers = vec![shared.clone(), round_layer, unique];
                let tag = format!("r{round}");
                let (digest, n) = push_with_retries(&env, &name, &tag, &config, &layers).await;
                retries += n;
                if round % 2 == 0 {
                    // Make the shared layer (and this image's) garbage as often as possible.
                    env.delete_manifest(&name, &digest, &env.token(&[&name])).await;
                } else {
                    kept.push((name.clone(), tag, digest, config, layers));
                }
            }
            (kept, retries)
        }));
    }
    let mut kept = Vec::new();
    let mut retries = 0;
    for p in pushers {
        let (k, r) = p.await.unwrap();
        kept.extend(k);
        retries += r;
    }
    stop.store(true, Ordering::SeqCst);
    for w in workers {
        w.await.unwrap();
    }
    eprintln!(
        "[{}] {} gc runs, {} blobs deleted during the race, {} push retries",
        env.label,
        runs.load(Ordering::SeqCst),
        deleted.load(Ordering::SeqCst),
        retries
    );
    assert!(runs.load(Ordering::SeqCst) > 0);
    env.assert_no_lost_blob().await;
    // One more collection after the race: everything kept is still complete and pullable.
    env.collector(gc0()).run().await.unwrap();
    env.assert_no_lost_blob().await;
    for (name, tag, digest, config, layers) in &kept {
        let t = env.token(&[name]);
        assert_eq!(env.manifest_status(name, tag, &t).await, 200, "[{}] {name}:{tag}", env.label);
        assert_eq!(env.manifest_status(name, digest, &t).await, 200);
        for blob in std::iter::once(config).chain(layers.iter()) {
            let r = env.req(Method::GET, &format!("/v2/{name}/blobs/{}", sha256(blob)), &t).send().await.unwrap();
            assert_eq!(r.status(), 200, "[{}] pull {name}:{tag}", env.label);
            assert_eq!(&r.bytes().await.unwrap()[..], &blob[..], "[{}] bytes of {name}:{tag}", env.label);
        }
    }
    // Only what the kept images reference is left.
    let mut want = std::collections::HashSet::new();
    for (_, _, _, config, layers) in &kept {
        want.insert(sha256(config));
        for l in layers {
            want.insert(sha256(l));
        }
    }
    assert_eq!(env.count("SELECT COUNT(*) FROM blobs").await as usize, want.len(), "[{}]", env.label);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pushes_racing_the_collector_never_lose_a_referenced_blob() {
    for env in fs_envs().await {
        race(env, (40, 60)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pushes_racing_the_collector_on_s3() {
    let Some(endpoint) = std::env::var("BERTH_TEST_S3_ENDPOINT").ok().filter(|s| !s.is_empty()) else {
        if std::env::var("BERTH_TEST_REQUIRE_S3").as_deref() == Ok("1") {
            panic!("BERTH_TEST_REQUIRE_S3=1 but BERTH_TEST_S3_ENDPOINT is not set");
        }
        return;
    };
    let bucket = format!("berth-test-{}", uuid::Uuid::new_v4().simple());
    let r = reqwest::Client::new().put(format!("{endpoint}/{bucket}")).send().await.unwrap();
    assert!(r.status().is_success());
    let store: Arc<dyn BlobStore> = Arc::new(
        S3Store::new(S3Config {
            endpoint,
            bucket,
            region: "us-east-1".into(),
            access_key: "testing".into(),
            secret_key: "testing".into(),
            allow_http: true,
        })
        .unwrap(),
    );
    let dir = tempfile::tempdir().unwrap();
    let url = berth_db::Db::sqlite_url(&dir.path().join("berth.db"));
    // S3 requests are slower: pause longer so that pushes can finish between passes.
    race(start("sqlite+s3", &url, store, dir).await, (300, 300)).await;
}
