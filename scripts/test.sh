#!/usr/bin/env bash
# Runs every check of dixian: formatting, lints, and all tests — unit, property, the store
# contract on SQLite and on a real PostgreSQL, the binary's end-to-end tests, and browser
# tests in headless Chromium.
# Installs what it needs (Debian packages, cargo-nextest) and starts a throwaway PostgreSQL
# on 127.0.0.1:55432 (or the next free port) that it stops and removes again on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

log() { printf '\n== %s\n' "$*"; }

need_apt=()
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
[ -n "$pg_bin" ] && [ -x "$pg_bin/initdb" ] || need_apt+=(postgresql)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
[ -x /usr/bin/chromedriver ] || need_apt+=(chromium-driver)
command -v curl >/dev/null || need_apt+=(curl)
command -v openssl >/dev/null || need_apt+=(openssl)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "installing ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
if ! cargo nextest --version >/dev/null 2>&1; then
  log "installing cargo-nextest"
  cargo install cargo-nextest --locked
fi

# --- throwaway PostgreSQL -------------------------------------------------------------
# The cluster lives under /tmp: the postgres user must be able to reach it wherever the
# checkout is.
pg_dir=$(mktemp -d /tmp/dixian-pg.XXXXXX)
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pg_port=${DIXIAN_PG_PORT:-55432}
while ! port_free "$pg_port"; do pg_port=$((pg_port + 1)); done
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
stop_pg() {
  as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}
log "starting PostgreSQL ($("$pg_bin/postgres" --version)) on 127.0.0.1:$pg_port"
[ "$(id -u)" = 0 ] && chown postgres "$pg_dir"
trap stop_pg EXIT
as_pg "$pg_bin/initdb" -D "$pg_dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w \
  -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
export DIXIAN_TEST_PG_URL="postgres://postgres@127.0.0.1:$pg_port/postgres"
export DIXIAN_REQUIRE_PG=1

# --- chromedriver for the browser end-to-end tests ---------------------------------------
wd_port=9515
while ! port_free "$wd_port"; do wd_port=$((wd_port + 1)); done
log "starting chromedriver ($(/usr/bin/chromedriver --version | cut -d' ' -f1-2)) on 127.0.0.1:$wd_port"
/usr/bin/chromedriver --port="$wd_port" --allowed-ips=127.0.0.1 >/tmp/dixian-chromedriver.log 2>&1 &
wd_pid=$!
stop_all() { kill "$wd_pid" 2>/dev/null || true; stop_pg; }
trap stop_all EXIT
for _ in $(seq 1 50); do port_free "$wd_port" || break; sleep 0.1; done
export DIXIAN_TEST_WEBDRIVER="http://127.0.0.1:$wd_port"
export DIXIAN_TEST_CHROMIUM=/usr/bin/chromium
export DIXIAN_REQUIRE_BROWSER=1

# --- checks -----------------------------------------------------------------------------
log "cargo fmt --check"
cargo fmt --all -- --check
log "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
log "cargo nextest (all crates, SQLite and PostgreSQL)"
cargo nextest run --workspace --locked --no-fail-fast
