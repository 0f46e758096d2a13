//! `berth gc`: offline mark-and-sweep over the metadata database and blob storage
//! (`berth_registry::gc::offline`). Lists what goes (manifests, unreferenced blobs, stored
//! bytes no database row knows, upload sessions without a row or idle longer than
//! `upload_stale_after_secs`) with sizes; `--dry-run` stops there. A progress bar on a
//! terminal, plain lines otherwise.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;

use anyhow::Context;
use berth_registry::gc::offline::{self, Plan, SweepReport, UploadReason};
use berth_registry::meta::Meta;
use indicatif::{ProgressBar, ProgressStyle};

use crate::config::{Config, GcFlags, StorageDriver};

/// Runs the command, writing the listing and summary to `out`.
pub async fn run(config: &Config, flags: &GcFlags, out: &mut (dyn Write + Send)) -> anyhow::Result<()> {
    if config.database_url.is_none() && config.storage_driver == StorageDriver::Filesystem {
        let db_file = config.data_dir.join("berth.db");
        anyhow::ensure!(db_file.exists(), "no Berth database at {} (use --data-dir or --database-url)", db_file.display());
    }
    let db = berth_db::Db::connect(&config.database_url()).await.context("the metadata database is not usable")?;
    let store = crate::registry_setup::blob_store(config)?;
    let meta = Meta::new(db);
    let progress = Progress::new();
    let stale_after = std::time::Duration::from_secs(config.upload_stale_after_secs);
    let plan = offline::plan(&meta, &store, stale_after, &|phase, done, total| progress.update(phase, done, total))
        .await
        .context("marking failed")?;
    progress.finish();
    list(&plan, flags.dry_run, out)?;
    if flags.dry_run {
        writeln!(
            out,
            "dry run: would delete {} manifests, {} blobs, {} orphaned files, {} upload sessions, freeing {} bytes ({})",
            plan.manifests.len(),
            plan.blobs.len(),
            plan.orphans.len(),
            plan.uploads.len(),
            plan.bytes(),
            human(plan.bytes())
        )?;
        return Ok(());
    }
    let progress = Progress::new();
    let report =
        offline::sweep(&meta, &store, &plan, &|phase, done, total| progress.update(phase, done, total)).await.context("sweeping failed")?;
    progress.finish();
    summary(&report, out)?;
    anyhow::ensure!(
        report.failures.is_empty(),
        "{} blobs could not be deleted from storage (run `berth gc` again later)",
        report.failures.len()
    );
    Ok(())
}

fn list(plan: &Plan, dry_run: bool, out: &mut (dyn Write + Send)) -> anyhow::Result<()> {
    let verb = if dry_run { "would delete" } else { "deleting" };
    for m in &plan.manifests {
        writeln!(out, "{verb} manifest {}@{}", m.repository, m.digest)?;
    }
    for (d, size) in &plan.blobs {
        writeln!(out, "{verb} blob {d} {size} bytes")?;
    }
    for (d, size) in &plan.orphans {
        writeln!(out, "{verb} orphan {d} {size} bytes (in storage, unknown to the database)")?;
    }
    for u in &plan.uploads {
        let why = match u.reason {
            UploadReason::NoDatabaseRow => "upload session in storage, unknown to the database".to_string(),
            UploadReason::Stale { updated_at } => {
                format!("upload session idle for {}, longer than the stale limit", idle(berth_db::now_millis() - updated_at))
            }
        };
        writeln!(out, "{verb} upload {} {} bytes ({why})", u.id, u.size)?;
    }
    Ok(())
}

fn summary(r: &SweepReport, out: &mut (dyn Write + Send)) -> anyhow::Result<()> {
    for (d, e) in &r.failures {
        writeln!(out, "failed to delete {d}: {e}")?;
    }
    writeln!(
        out,
        "deleted {} manifests, {} blobs, {} orphaned files, {} upload sessions, freed {} bytes ({})",
        r.manifests_deleted,
        r.blobs_deleted,
        r.orphans_deleted,
        r.uploads_deleted,
        r.bytes_freed,
        human(r.bytes_freed)
    )?;
    Ok(())
}

/// `3d 4h`, `2h 5m`, `7m`.
fn idle(ms: i64) -> String {
    let m = ms.max(0) / 60_000;
    let (d, h, m) = (m / 1440, m / 60 % 24, m % 60);
    match (d, h) {
        (0, 0) => format!("{m}m"),
        (0, _) => format!("{h}h {m}m"),
        _ => format!("{d}d {h}h"),
    }
}

fn human(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = bytes as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// A progress bar on a terminal (stderr); otherwise a line per phase and every tenth.
struct Progress {
    bar: Option<ProgressBar>,
    last: Mutex<(String, u64)>,
}

impl Progress {
    fn new() -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg:20} [{bar:40}] {pos}/{len} ({eta})")
                    .expect("static template")
                    .progress_chars("=> "),
            );
            bar
        });
        Progress { bar, last: Mutex::new((String::new(), u64::MAX)) }
    }

    fn update(&self, phase: &str, done: u64, total: u64) {
        if let Some(bar) = &self.bar {
            bar.set_message(phase.to_string());
            bar.set_length(total.max(done));
            bar.set_position(done);
            return;
        }
        let mut last = self.last.lock().unwrap();
        let tenth = (done * 10).checked_div(total).unwrap_or(0);
        if last.0 != phase || (total > 0 && tenth != last.1) {
            if total > 0 {
                eprintln!("{phase}: {done}/{total}");
            } else {
                eprintln!("{phase}…");
            }
            *last = (phase.to_string(), tenth);
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
