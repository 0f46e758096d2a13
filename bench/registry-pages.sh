#!/usr/bin/env bash
# Time to first byte of the Container Registry pages with big fixtures (issue target: every
# page under 100 ms on this machine):
#   - bench/tags: one repository with 500,000 tags (each its own manifest) — tag details pages:
#     first page, a deep page (keyset cursor taken from the middle), searched, sorted by name
#     both ways, sorted by publish time ascending;
#   - bench/many: 1,000 repositories — the project page, a later page, searched, by name.
# The fixture rows go straight into the SQLite database (bench/registry_pages_fixture.py);
# the pages are rendered by the real server (SSR, anonymous visitor of public projects).
#
#   bench/registry-pages.sh [path/to/berth]     (default: target/release/berth, built if missing)
# Environment: BERTH_BENCH_TAGS (500000), BERTH_BENCH_REPOS (1000), BERTH_BENCH_RUNS (7).
# Measured 2026-11-23 (release build, 2 cores): tag pages 18–51 ms median (the search that
# matches nothing, a full scan, is the slowest; worst single request 65 ms), project page 5–6 ms.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-target/release/berth}
TAGS=${BERTH_BENCH_TAGS:-500000}
REPOS=${BERTH_BENCH_REPOS:-1000}
RUNS=${BERTH_BENCH_RUNS:-7}
ROOT_TOKEN="glpat-bench-root-token-$$-$RANDOM"

if [ ! -x "$BIN" ]; then
  echo "building $BIN (front end, then cargo build --release -p berth-server)" >&2
  PATH="$PWD/scripts/no-wasm-opt:$PATH" cargo leptos build --release --frontend-only >&2
  cargo build --release -p berth-server --bin berth >&2
fi
BIN=$(readlink -f "$BIN")
WORK=$(mktemp -d /tmp/berth-pages-bench.XXXXXX)
SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"

BERTH_LISTEN="127.0.0.1:$PORT" BERTH_EXTERNAL_URL="$BASE" BERTH_DATA_DIR="$WORK/data" \
BERTH_INITIAL_ROOT_PASSWORD="bench-$$-password" BERTH_INITIAL_ROOT_TOKEN="$ROOT_TOKEN" \
RUST_LOG=${RUST_LOG:-warn} "$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 300); do curl -fs -o /dev/null "$BASE/-/ready" && break; sleep 0.1; done
curl -fs -o /dev/null "$BASE/-/ready" || { cat "$WORK/server.log" >&2; exit 1; }

api() { curl -fsS -H "PRIVATE-TOKEN: $ROOT_TOKEN" "$@"; }
group_id=$(api -d name=bench -d path=bench -d visibility=public "$BASE/api/v4/groups" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
tags_project=$(api -d name=tags -d path=tags -d visibility=public -d "namespace_id=$group_id" "$BASE/api/v4/projects" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
many_project=$(api -d name=many -d path=many -d visibility=public -d "namespace_id=$group_id" "$BASE/api/v4/projects" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')

start=$(date +%s.%N)
python3 bench/registry_pages_fixture.py "$WORK/data/berth.db" "$tags_project" "$TAGS" "$many_project" "$REPOS"
echo "fixture: $TAGS tags + $REPOS repositories inserted in $(python3 -c "print(f'{$(date +%s.%N) - $start:.1f}')") s"
repo_id=$(api "$BASE/api/v4/projects/$tags_project/registry/repositories" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')

# A cursor from the middle of the list: the tag published at the median instant.
MID=$((TAGS / 2))
deep_after=$(python3 -c "import urllib.parse as u; print(u.quote('$((1700000000000 + MID * 1000))~t$(printf %07d $MID)'))")
T="$BASE/bench/tags/container_registry/$repo_id"
P="$BASE/bench/many/container_registry"
urls=(
  "tags: first page|$T"
  "tags: deep page (after the 250,000th)|$T?after=$deep_after"
  "tags: searched (search[]=t04999)|$T?search%5B%5D=t04999"
  "tags: searched, no match (full scan)|$T?search%5B%5D=zzz"
  "tags: by name ascending|$T?orderBy=NAME&sort=asc"
  "tags: by name descending|$T?orderBy=NAME&sort=desc"
  "tags: by name, deep|$T?orderBy=NAME&sort=asc&after=t0300000"
  "tags: published ascending|$T?orderBy=PUBLISHED_AT&sort=asc"
  "project: 1,000 repositories|$P"
  "project: by name, later page|$P?orderBy=NAME&sort=asc&after=bench%2Fmany%2Fimg0500"
  "project: searched|$P?search%5B%5D=img07"
)
printf '%-44s %10s %10s %8s\n' "page" "median ms" "max ms" "status"
for entry in "${urls[@]}"; do
  label=${entry%%|*}; url=${entry#*|}
  curl -fs -o /dev/null "$url" || { echo "$label: request failed ($url)"; exit 1; }
  times=(); status=""
  for _ in $(seq 1 "$RUNS"); do
    out=$(curl -s -o /dev/null -w '%{http_code} %{time_starttransfer}' "$url")
    status=${out%% *}; times+=("${out#* }")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v label="$label" -v status="$status" '
    { t[NR] = $1 * 1000 } END { printf "%-44s %10.1f %10.1f %8s\n", label, t[int((NR + 1) / 2)], t[NR], status }'
done
