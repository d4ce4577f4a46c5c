#!/usr/bin/env bash
# Benchmark: the dashboard page (工作看板) of the demo county and of its first town, served
# over HTTP by a release build and fetched by a signed-in county account (issue 7: county
# < 200 ms, town < 100 ms on SQLite, < 300 ms on PostgreSQL; median), and the county's
# monthly bulletin (月通报) as XLSX with its charts (issue 7: < 5 s). The peer, measured in
# the same run on the same database: the database's own shell running one GROUP BY of the
# county's cases by state and category with each case's living members — the floor for any
# server that counts these figures, without the page, the charts or the scoping.
#
# Usage: bench/dashboard.sh [HOUSEHOLDS] [RUNS]     (defaults 100000 and 21)
# With DIXIAN_BENCH_PG_URL=postgres://… the demo is built in that (emptied) PostgreSQL
# database instead of SQLite, and psql is the peer.
set -euo pipefail
cd "$(dirname "$0")/.."
households=${1:-100000}
runs=${2:-21}
pg=${DIXIAN_BENCH_PG_URL:-}

. bench/lib.sh
command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq curl >/dev/null; }
county=500299000000
town=500299101000
db_args=()
if [ -n "$pg" ]; then
  command -v psql >/dev/null || { apt-get update -qq && apt-get install -y -qq postgresql-client >/dev/null; }
  psql -q "$pg" -c 'DROP SCHEMA public CASCADE; CREATE SCHEMA public;' >/dev/null
  db_args=(--database-url "$pg")
fi

start=$(date +%s.%N)
"$bin" demo --data-dir "$work/d" "${db_args[@]}" --households "$households" --seed 20260101 > "$work/demo.txt" 2>/dev/null
echo "demo built in $(awk "BEGIN{printf \"%.1f\", $(date +%s.%N) - $start}")s: $(grep -o '案件[0-9]*件' "$work/demo.txt" | head -n 1)"

port=$((20000 + RANDOM % 20000))
base="http://127.0.0.1:$port"
"$bin" serve --data-dir "$work/d" "${db_args[@]}" --listen "127.0.0.1:$port" > "$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -fs "$base/healthz" >/dev/null && break; sleep 0.2; done

jar="$work/jar"
csrf=$(curl -fs -c "$jar" "$base/login" | grep -o 'name="csrf" value="[^"]*"' | sed 's/.*value="//; s/"$//')
curl -fs -b "$jar" -c "$jar" -o /dev/null -H "Origin: $base" \
  --data-urlencode "csrf=$csrf" --data-urlencode "next=/" \
  --data-urlencode "username=county" --data-urlencode "password=Dixian@2026" "$base/login"

month=$(date -d "$(date +%Y-%m-15) -1 month" +%Y-%m)
bulletin() { # seconds for the county's bulletin of last month as XLSX, checked to be one
  curl -fs -b "$jar" -o "$work/b.xlsx" -w '%{time_total}\n' "$base/bulletin.xlsx?area=$county&month=$month"
  head -c 2 "$work/b.xlsx" | grep -q PK || { echo "not an xlsx: $(head -c 300 "$work/b.xlsx")" >&2; exit 1; }
}
fetch() { # area → seconds for one page, checked to be the dashboard
  curl -fs -b "$jar" -o "$work/page.html" -w '%{time_total}\n' "$base/dashboard?area=$1"
  grep -q '工作看板' "$work/page.html" || { echo "not a dashboard page: $(head -c 300 "$work/page.html")" >&2; exit 1; }
}
for area in $county $town; do fetch "$area" > /dev/null; fetch "$area" > /dev/null; done
grep -o 'id="kpi-identified"[^<]*<span[^<]*</span><strong>[^<]*' "$work/page.html" | sed 's/.*<strong>/town identified households: /'

: > "$work/county.txt"; : > "$work/town.txt"; : > "$work/peer.txt"; : > "$work/bulletin.txt"
bulletin > /dev/null
peer_sql="SELECT c.state, c.category, COUNT(*),
  SUM((SELECT COUNT(*) FROM persons p WHERE p.household_id = c.household_id AND p.status = 'in_household'))
  FROM monitoring_cases c WHERE c.village BETWEEN '500299000000' AND '500299999999'
  GROUP BY c.state, c.category;"
for i in $(seq 1 "$runs"); do
  fetch $county >> "$work/county.txt"
  fetch $town >> "$work/town.txt"
  bulletin >> "$work/bulletin.txt"
  t0=$(date +%s.%N)
  if [ -n "$pg" ]; then psql -qAt "$pg" -c "$peer_sql" > /dev/null; else sqlite3 "$work/d/dixian.db" "$peer_sql" > /dev/null; fi
  awk "BEGIN{print $(date +%s.%N) - $t0}" >> "$work/peer.txt"
done
ms() { awk '{printf "%.1f", $1 * 1000}'; }
echo "database: $([ -n "$pg" ] && echo PostgreSQL || echo SQLite), page size county $(wc -c < "$work/page.html") bytes (town page)"
echo "median county dashboard: $(median < "$work/county.txt" | ms) ms"
echo "median town dashboard: $(median < "$work/town.txt" | ms) ms"
echo "median peer (one GROUP BY in the database shell, incl. its start): $(median < "$work/peer.txt" | ms) ms"
echo "median county bulletin $month (XLSX with charts, $(wc -c < "$work/b.xlsx") bytes): $(median < "$work/bulletin.txt" | ms) ms"
