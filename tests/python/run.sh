#!/usr/bin/env bash
# The python-gitlab scenario against a real Berth: starts `berth serve` on a free loopback
# port with a fresh data directory and a configured root token, runs pytest, stops Berth.
# Usage: tests/python/run.sh [path/to/berth]   (default target/debug/berth, built if missing)
# Needs skopeo and the virtualenv .venv (scripts/test-requirements.txt).
set -euo pipefail
cd "$(dirname "$0")/../.."
berth=${1:-target/debug/berth}
if [ ! -x "$berth" ]; then
  cargo build -p berth-server --bin berth
fi
if ! .venv/bin/python -c 'import gitlab, pytest' 2>/dev/null; then
  [ -x .venv/bin/python ] || python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -r scripts/test-requirements.txt
fi
command -v skopeo >/dev/null || { echo "skopeo is needed for the python-gitlab test" >&2; exit 1; }

work=$(mktemp -d)
port=$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
token="glpat-py-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
BERTH_INITIAL_ROOT_PASSWORD="py-root-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
BERTH_INITIAL_ROOT_TOKEN="$token" \
  "$berth" serve --listen "127.0.0.1:$port" --data-dir "$work/data" >"$work/berth.log" 2>&1 &
berth_pid=$!
cleanup() {
  kill "$berth_pid" 2>/dev/null || true
  wait "$berth_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$berth_pid" 2>/dev/null; then cat "$work/berth.log" >&2; echo "berth exited" >&2; exit 1; fi
  sleep 0.2
done

status=0
BERTH_URL="http://127.0.0.1:$port" BERTH_ROOT_TOKEN="$token" BERTH_PY_WORK="$work/py" \
  .venv/bin/python -m pytest -q -p no:cacheprovider tests/python/test_python_gitlab.py || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- berth log (last 80 lines) ---" >&2
  tail -n 80 "$work/berth.log" >&2
fi
exit "$status"
