#!/usr/bin/env bash
# Online GC of 100,000 unreferenced blobs on the filesystem store (target: under 60 s).
#   bench/gc-online.sh [N]        SQLite
#   BERTH_BENCH_DATABASE_URL=postgres://… bench/gc-online.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --release -p berth-registry --example gc_bench -- "${1:-100000}"
