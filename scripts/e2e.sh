#!/usr/bin/env bash
# Starts the given berth binary on a free port with a fresh data directory and runs the
# Playwright suite against it (or only the spec files given after the binary).
# Screenshots land in end2end/test-results/.
set -euo pipefail
cd "$(dirname "$0")/.."
berth="$1"
shift
source scripts/services.sh
data=$(mktemp -d /tmp/berth-e2e.XXXXXX)
port=$(free_port)
export BERTH_INITIAL_ROOT_PASSWORD="e2e-root-password"
# The registry tests set up projects through the REST API and push with skopeo as root.
export BERTH_INITIAL_ROOT_TOKEN="glpat-e2e-root-token-$(date +%s)-$$"
export BERTH_E2E_ROOT_TOKEN="$BERTH_INITIAL_ROOT_TOKEN"
"$berth" serve --listen "127.0.0.1:$port" --data-dir "$data" >"$data/berth.log" 2>&1 &
berth_pid=$!
cleanup() { kill "$berth_pid" 2>/dev/null || true; wait "$berth_pid" 2>/dev/null || true; rm -rf "$data" "$SERVICES_DIR"; }
trap cleanup EXIT
for _ in $(seq 1 150); do
  curl -fs "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1 && break
  kill -0 "$berth_pid" 2>/dev/null || { cat "$data/berth.log"; exit 1; }
  sleep 0.2
done
export BERTH_URL="http://127.0.0.1:$port"
(cd end2end && npx playwright test "$@") || { echo "--- berth log"; tail -50 "$data/berth.log"; exit 1; }
