#!/usr/bin/env bash
# Runs every Berth test: installs what is missing, starts PostgreSQL and an S3-compatible
# server on loopback, runs the Rust suites (SQLite and PostgreSQL, filesystem and S3), then
# starts Berth and runs the browser tests in Debian's Chromium.
set -euo pipefail
cd "$(dirname "$0")"
started=$(date +%s)
phase_start=$started
phase() {
  local now; now=$(date +%s)
  [ -n "${current_phase:-}" ] && printf '==> %s took %ss\n' "$current_phase" $((now - phase_start))
  current_phase="$1"; phase_start=$now
  [ -n "$1" ] && printf '\n==> %s\n' "$1"
  return 0
}

phase "install dependencies"
scripts/install-deps.sh test

phase "formatting and lints (cargo fmt --check, clippy -D warnings)"
cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings

phase "start test services"
source scripts/services.sh
trap stop_services EXIT
start_postgres
start_s3
export BERTH_TEST_REQUIRE_POSTGRES=1 BERTH_TEST_REQUIRE_S3=1 BERTH_TEST_REQUIRE_CLIENTS=1

phase "build the web front end (WebAssembly, CSS, public/)"
cargo leptos build --frontend-only

phase "Rust tests (SQLite + PostgreSQL, filesystem + S3, real registry clients)"
cargo test -p berth-db -p berth-platform -p berth-registry -p berth-rest -p berth-app -p berth-server -- --test-threads=2

cargo build -p berth-server --bin berth

phase "REST API through python-gitlab (with skopeo pushes)"
tests/python/run.sh target/debug/berth

phase "browser tests (Playwright, Debian Chromium)"
scripts/e2e.sh target/debug/berth

# What ./run.sh serves: the release front end (built the same way, see scripts/no-wasm-opt/)
# must start in the browser too. The server embeds target/site, so it is rebuilt around it.
phase "release front end hydrates (as ./run.sh builds it)"
PATH="$PWD/scripts/no-wasm-opt:$PATH" cargo leptos build --release --frontend-only
cargo build -p berth-server --bin berth
scripts/e2e.sh target/debug/berth home.spec.ts

phase ""
echo "all tests passed in $(( $(date +%s) - started ))s"
