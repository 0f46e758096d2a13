#!/usr/bin/env bash
# Online GC of 100,000 unreferenced blobs on the filesystem store (target: under 60 s).
# Measured 2026-11-23 on the 2-core dev machine under load from other builds (load avg ~7),
# default GcConfig (batches of 500; PostgreSQL: 4 workers, 32 storage deletes in flight):
#   PostgreSQL 9.0 s (was 106-111 s with one item per transaction), SQLite 10.9 s (was 25.6 s);
#   gc::status with the 100,000 items queued: 37 ms (PostgreSQL), 5 ms (SQLite).
# Use a fresh PostgreSQL database per run (createdb, then point the URL at it).
#   bench/gc-online.sh [N]        SQLite
#   BERTH_BENCH_DATABASE_URL=postgres://… bench/gc-online.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --release -p berth-registry --example gc_bench -- "${1:-100000}"
