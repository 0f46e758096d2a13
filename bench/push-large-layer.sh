#!/usr/bin/env bash
# Pushes one large random layer to a freshly started Berth and reports wall time,
# throughput and the server's memory (idle VmRSS, peak VmHWM).
#
#   bench/push-large-layer.sh [path/to/berth]      (default: target/release/berth, built if missing)
#
# Environment:
#   BERTH_BENCH_SIZE_MIB   layer size in MiB (default 1024)
#   BERTH_BENCH_CHUNK_MIB  chunk size of the chunked PATCH variant in MiB (default 64)
#   BERTH_BENCH_WORKDIR    where the data dir and the layer file go (default: a mktemp dir under /tmp)
#
# Three variants push the same bytes to /v2/bench/big (each is a complete upload that the
# server hashes and verifies; the blob store may skip re-writing content it already holds,
# which the first variant never benefits from):
#   monolithic  POST /blobs/uploads/ then PUT ?digest= with the whole file as the body
#   streamed    POST, one PATCH streaming the whole file (chunked transfer encoding, as
#               docker does), then PUT ?digest= with no body
#   chunked     POST, PATCH with Content-Range per chunk, then PUT ?digest=
set -euo pipefail

cd "$(dirname "$0")/.."
BIN=${1:-target/release/berth}
SIZE_MIB=${BERTH_BENCH_SIZE_MIB:-1024}
CHUNK_MIB=${BERTH_BENCH_CHUNK_MIB:-64}
PASSWORD="bench-root-password-$$"
ROOT_TOKEN="glpat-bench-root-token-$$-$RANDOM"
REPO="bench/big"

if [ ! -x "$BIN" ]; then
  if [ $# -eq 0 ]; then
    echo "building $BIN (cargo build --release -p berth-server --bin berth)" >&2
    cargo build --release -p berth-server --bin berth >&2
  else
    echo "no executable at $BIN" >&2
    exit 2
  fi
fi
BIN=$(readlink -f "$BIN")

WORK=${BERTH_BENCH_WORKDIR:-$(mktemp -d /tmp/berth-bench.XXXXXX)}
mkdir -p "$WORK"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [ -z "${BERTH_BENCH_WORKDIR:-}" ]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"

status_kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
now() { date +%s.%N; }

# --- the layer --------------------------------------------------------------------------
LAYER="$WORK/layer.bin"
echo "generating a ${SIZE_MIB} MiB random layer in $WORK ..."
head -c "$((SIZE_MIB * 1024 * 1024))" /dev/urandom >"$LAYER"
SIZE=$(stat -c %s "$LAYER")
DIGEST="sha256:$(openssl dgst -sha256 -r "$LAYER" | cut -d' ' -f1)"
echo "layer: $SIZE bytes, $DIGEST"

# --- the server -------------------------------------------------------------------------
echo "starting $BIN on $BASE"
BERTH_LISTEN="127.0.0.1:$PORT" \
BERTH_EXTERNAL_URL="$BASE" \
BERTH_DATA_DIR="$WORK/data" \
BERTH_INITIAL_ROOT_PASSWORD="$PASSWORD" \
BERTH_INITIAL_ROOT_TOKEN="$ROOT_TOKEN" \
BERTH_REGISTRY_TOKEN_LIFETIME_SECS=3600 \
BERTH_LOG_FORMAT=text \
RUST_LOG=${RUST_LOG:-warn} \
  "$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 300); do
  if curl -fs -o /dev/null "$BASE/-/ready"; then break; fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "the server exited:" >&2; cat "$WORK/server.log" >&2; exit 1
  fi
  sleep 0.1
done
curl -fs -o /dev/null "$BASE/-/ready" || { echo "server not ready after 30 s" >&2; cat "$WORK/server.log" >&2; exit 1; }
sleep 0.5
IDLE_RSS=$(status_kib "$SERVER_PID" VmRSS)
echo "server pid $SERVER_PID, idle VmRSS $(mib "$IDLE_RSS") MiB"

# Pushes need an existing project: group `bench`, project `big` (REST API, root token).
group_id=$(curl -fsS -H "PRIVATE-TOKEN: $ROOT_TOKEN" -d name=bench -d path=bench "$BASE/api/v4/groups" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
curl -fsS -o /dev/null -H "PRIVATE-TOKEN: $ROOT_TOKEN" -d name=big -d path=big -d "namespace_id=$group_id" "$BASE/api/v4/projects"

token() {
  curl -fsS -u "root:$PASSWORD" "$BASE/jwt/auth?service=container_registry&scope=repository:$REPO:pull,push" |
    python3 -c '
import base64, json, sys
token = json.load(sys.stdin)["token"]
payload = token.split(".")[1]
claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
granted = [a for a in claims.get("access", []) if a.get("name") == sys.argv[1]]
if not granted or "push" not in granted[0].get("actions", []):
    sys.exit("the token grants no push on %s: %s (does the project exist?)" % (sys.argv[1], claims.get("access")))
print(token)' "$REPO"
}

# Absolute upload URL from a Location header (relative or absolute).
absolute() { case "$1" in http*) echo "$1" ;; *) echo "$BASE$1" ;; esac; }
with_digest() { case "$1" in *\?*) echo "$1&digest=$DIGEST" ;; *) echo "$1?digest=$DIGEST" ;; esac; }

start_upload() {
  local headers="$WORK/post.headers" code
  code=$(curl -sS -o /dev/null -D "$headers" -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" \
    -H "Content-Length: 0" "$BASE/v2/$REPO/blobs/uploads/")
  [ "$code" = 202 ] || { echo "POST upload: HTTP $code" >&2; cat "$headers" >&2; exit 1; }
  absolute "$(awk 'tolower($1) == "location:" { sub(/\r$/, "", $2); print $2 }' "$headers")"
}

location_of() { absolute "$(awk 'tolower($1) == "location:" { sub(/\r$/, "", $2); print $2 }' "$1")"; }

expect() { # expect <code> <what> <actual> <headers/body file>
  if [ "$3" != "$1" ]; then
    echo "$2: expected HTTP $1, got $3" >&2; cat "$4" >&2; echo >&2; exit 1
  fi
}

verify_blob() {
  local headers="$WORK/head.headers" code length
  code=$(curl -sS -o /dev/null -D "$headers" -w '%{http_code}' -I -H "Authorization: Bearer $TOKEN" "$BASE/v2/$REPO/blobs/$DIGEST")
  expect 200 "HEAD blob" "$code" "$headers"
  length=$(awk 'tolower($1) == "content-length:" { sub(/\r$/, "", $2); print $2 }' "$headers")
  [ "$length" = "$SIZE" ] || { echo "HEAD blob: Content-Length $length, expected $SIZE" >&2; exit 1; }
}

RESULTS=()
report() { # report <variant> <seconds>
  local hwm rss line
  hwm=$(status_kib "$SERVER_PID" VmHWM)
  rss=$(status_kib "$SERVER_PID" VmRSS)
  line=$(awk -v n="$1" -v s="$2" -v b="$SIZE" -v h="$hwm" -v r="$rss" \
    'BEGIN { printf "%-12s %8.2f s %9.1f MiB/s   peak VmHWM %7.1f MiB   VmRSS after %7.1f MiB", n, s, b / 1048576 / s, h / 1024, r / 1024 }')
  echo "$line"
  RESULTS+=("$line")
}

# --- monolithic: POST then PUT ?digest= with the body -----------------------------------
TOKEN=$(token)
t0=$(now)
URL=$(start_upload)
code=$(curl -sS -o "$WORK/put.body" -w '%{http_code}' -X PUT -T "$LAYER" -H "Expect:" \
  -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/octet-stream" "$(with_digest "$URL")")
t1=$(now)
expect 201 "monolithic PUT" "$code" "$WORK/put.body"
verify_blob
report monolithic "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"

# --- streamed: one PATCH with the whole file (chunked transfer encoding), then PUT -------
TOKEN=$(token)
t0=$(now)
URL=$(start_upload)
code=$(curl -sS -o /dev/null -D "$WORK/patch.headers" -w '%{http_code}' -X PATCH -T - -H "Expect:" \
  -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/octet-stream" "$URL" <"$LAYER")
expect 202 "streamed PATCH" "$code" "$WORK/patch.headers"
URL=$(location_of "$WORK/patch.headers")
code=$(curl -sS -o "$WORK/put.body" -w '%{http_code}' -X PUT -H "Content-Length: 0" \
  -H "Authorization: Bearer $TOKEN" "$(with_digest "$URL")")
t1=$(now)
expect 201 "streamed PUT" "$code" "$WORK/put.body"
verify_blob
report streamed "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"

# --- chunked: PATCH with Content-Range per chunk, then PUT -------------------------------
TOKEN=$(token)
CHUNK=$((CHUNK_MIB * 1024 * 1024))
CHUNK_FILE="$WORK/chunk.bin"
t0=$(now)
URL=$(start_upload)
offset=0
chunk_seconds=0
while [ "$offset" -lt "$SIZE" ]; do
  len=$((SIZE - offset < CHUNK ? SIZE - offset : CHUNK))
  # Copying the chunk out of the (page-cached) layer is not counted in the upload time.
  c0=$(now)
  dd if="$LAYER" of="$CHUNK_FILE" bs=1M iflag=skip_bytes,count_bytes skip="$offset" count="$len" status=none
  c1=$(now)
  chunk_seconds=$(awk -v t="$chunk_seconds" -v a="$c0" -v b="$c1" 'BEGIN { print t + b - a }')
  code=$(curl -sS -o /dev/null -D "$WORK/patch.headers" -w '%{http_code}' -X PATCH -T "$CHUNK_FILE" -H "Expect:" \
    -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/octet-stream" \
    -H "Content-Range: $offset-$((offset + len - 1))" "$URL")
  expect 202 "chunked PATCH at $offset" "$code" "$WORK/patch.headers"
  range=$(awk 'tolower($1) == "range:" { sub(/\r$/, "", $2); print $2 }' "$WORK/patch.headers")
  [ "$range" = "0-$((offset + len - 1))" ] || { echo "PATCH at $offset: Range $range" >&2; exit 1; }
  URL=$(location_of "$WORK/patch.headers")
  offset=$((offset + len))
done
code=$(curl -sS -o "$WORK/put.body" -w '%{http_code}' -X PUT -H "Content-Length: 0" \
  -H "Authorization: Bearer $TOKEN" "$(with_digest "$URL")")
t1=$(now)
expect 201 "chunked PUT" "$code" "$WORK/put.body"
rm -f "$CHUNK_FILE"
verify_blob
report "chunked/${CHUNK_MIB}M" "$(awk -v a="$t0" -v b="$t1" -v c="$chunk_seconds" 'BEGIN { print b - a - c }')"

echo
echo "== push-large-layer: $BIN"
echo "layer          $SIZE bytes ($SIZE_MIB MiB), $DIGEST"
echo "idle VmRSS     $(mib "$IDLE_RSS") MiB (right after start)"
for line in "${RESULTS[@]}"; do echo "$line"; done
echo "(VmHWM is the process's peak so far, so it is cumulative across variants; wall time"
echo " covers POST to the 201 of the final PUT.)"
