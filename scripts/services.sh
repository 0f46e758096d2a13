# Sourced by test.sh: starts the servers the tests talk to on loopback, each on a free port,
# exports their URLs, and stops them on exit.
#   PostgreSQL (Debian's server, a throw-away cluster) -> BERTH_TEST_POSTGRES_URL
#   moto's S3-compatible server (PyPI)                  -> BERTH_TEST_S3_ENDPOINT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

SERVICES_DIR=$(mktemp -d /tmp/berth-services.XXXXXX)
chmod 755 "$SERVICES_DIR"
service_pids=()

stop_services() {
  for pid in "${service_pids[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  if [ -n "${PG_BIN:-}" ] && [ -d "$SERVICES_DIR/pg" ]; then
    as_postgres "$PG_BIN/pg_ctl" -D "$SERVICES_DIR/pg" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$SERVICES_DIR"
}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_postgres() {
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -x "$PG_BIN/initdb" ] || { echo "PostgreSQL server not installed (scripts/install-deps.sh test)"; return 1; }
  local port; port=$(free_port)
  mkdir -p "$SERVICES_DIR/pg" "$SERVICES_DIR/pgsock"
  [ "$(id -u)" = 0 ] && chown postgres "$SERVICES_DIR/pg" "$SERVICES_DIR/pgsock"
  as_postgres "$PG_BIN/initdb" -D "$SERVICES_DIR/pg" -A trust -U postgres >/dev/null
  as_postgres "$PG_BIN/pg_ctl" -D "$SERVICES_DIR/pg" -l "$SERVICES_DIR/pg/server.log" -w \
    -o "-p $port -k $SERVICES_DIR/pgsock -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null
  export BERTH_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
  echo "PostgreSQL on 127.0.0.1:$port"
}

start_s3() {
  local port; port=$(free_port)
  .venv/bin/moto_server -H 127.0.0.1 -p "$port" >"$SERVICES_DIR/moto.log" 2>&1 &
  service_pids+=($!)
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$port/" >/dev/null 2>&1 && break
    sleep 0.2
  done
  export BERTH_TEST_S3_ENDPOINT="http://127.0.0.1:$port"
  echo "S3 (moto) on 127.0.0.1:$port"
}
