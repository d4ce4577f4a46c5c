#!/usr/bin/env bash
# Benchmark (issue 20): the server under concurrent signed-in users, as the hostile review
# measured it: the 100,000-household demo county on SQLite, the client on the same 2-core
# machine, each user on its own keep-alive connection requesting pages back to back for a
# fixed time (home, dashboard, cases, households, work list), in two mixes of accounts (see
# below). Prints requests per second, p50/p99 latency and errors at 50 and 200 users. The peer in the same run: the same client against /healthz (one
# database ping, no session, no page), the ceiling of the server and client themselves.
#
# Usage: bench/load.sh [HOUSEHOLDS] [SECONDS]     (defaults 100000 and 30)
set -euo pipefail
cd "$(dirname "$0")/.."
households=${1:-100000}
runs=1
seconds=${2:-30}

. bench/lib.sh
command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq curl >/dev/null; }
cargo build --release --locked -p dixian --example load >/dev/null 2>&1 || cargo build --release --locked -p dixian --example load
load=target/release/examples/load
"$bin" demo --data-dir "$work/d" --households "$households" --seed 20260101 --as-of 2026-11-01 >/dev/null
# Many users sign in from one address: lift the public pages' per-address limit for the run.
echo 'rate_limit_per_minute = 1000000' > "$work/d/dixian.toml"
port=$((20000 + RANDOM % 20000))
base="http://127.0.0.1:$port"
"$bin" serve --data-dir "$work/d" --listen "127.0.0.1:$port" > "$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -fs "$base/healthz" >/dev/null && break; sleep 0.2; done
# Two mixes. Field staff — the many users of month end: village officers and cadres on their
# villages and households, town reviewers on their town (4:4:2). County level: the county
# administrator and the viewer, whose pages count the whole county of 100,000 households.
v=village:Dixian@2026; c=cadre:Dixian@2026; t=town:Dixian@2026
field="$v,$c,$v,$c,$t,$v,$c,$v,$c,$t"
county="county:Dixian@2026,viewer:Dixian@2026:/|/cases|/households"
pages="/,/dashboard,/cases,/households,/work"
for users in 50 200; do
  echo "field ($users users):   $("$load" "$base" "$users" "$seconds" "$field" "$pages")"
  echo "county ($users users):  $("$load" "$base" "$users" "$seconds" "$county" "$pages")"
  echo "healthz ($users users): $("$load" "$base" "$users" "$seconds" - /healthz)"
done
echo "server peak memory: $(awk '/^VmHWM:/{print $2/1024 " MiB"}' "/proc/$server/status")"
