#!/usr/bin/env bash
# Benchmark: funds, the project library and project assets (issue 21) at county level, served
# over HTTP by a release build: the year's funds with every audited check, the library, the
# assets with their flags, the dashboard with its funds section, and the two ledger exports.
# Targets: pages under 300 ms, each export under 5 s (median), with about 10,000 projects and
# 50,000 assets in the county, on SQLite and on PostgreSQL. The peers, measured in the same
# run: this server's own floor (its stylesheet) and the database's shell summing the year's
# plan lines (a query's floor, with the shell's start).
#
# Usage: bench/funds.sh [HOUSEHOLDS] [RUNS] [PROJECTS_PER_YEAR]   (defaults 100000, 11, 3300)
# With DIXIAN_BENCH_PG_URL=postgres://… the demo is built in that (emptied) PostgreSQL
# database instead of SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."
households=${1:-100000}
runs=${2:-11}
per_year=${3:-3300}
pg=${DIXIAN_BENCH_PG_URL:-}

. bench/lib.sh
command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq curl >/dev/null; }
db_args=()
if [ -n "$pg" ]; then
  command -v psql >/dev/null || { apt-get update -qq && apt-get install -y -qq postgresql-client >/dev/null; }
  psql -q "$pg" -c 'DROP SCHEMA public CASCADE; CREATE SCHEMA public;' >/dev/null
  db_args=(--database-url "$pg")
fi
sql() { if [ -n "$pg" ]; then psql -qAt "$pg" -c "$1"; else sqlite3 "$work/d/dixian.db" "$1"; fi; }

start=$(date +%s.%N)
"$bin" demo --data-dir "$work/d" "${db_args[@]}" --households "$households" --seed 20260101 \
  --projects-per-year "$per_year" > "$work/demo.txt" 2>/dev/null
echo "demo built in $(awk "BEGIN{printf \"%.1f\", $(date +%s.%N) - $start}")s"
echo "projects: $(sql 'SELECT COUNT(*) FROM projects'), assets: $(sql 'SELECT COUNT(*) FROM assets'), plan lines: $(sql 'SELECT COUNT(*) FROM fund_lines'), asset incomes: $(sql 'SELECT COUNT(*) FROM asset_incomes')"

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

year=$(date +%Y)
project=$(sql "SELECT id FROM projects WHERE stage = 'settled' ORDER BY id LIMIT 1")
fund=$(sql "SELECT id FROM funds ORDER BY id DESC LIMIT 1")
# (page, text it must show, limit in ms)
pages=(
  "/funds?year=$year 产业发展资金占比 300"
  "/funds/$fund 分配到项目 300"
  "/projects 巩固衔接项目库 300"
  "/projects?year=$year&stage=settled 巩固衔接项目库 300"
  "/projects/$project 办理记录 300"
  "/assets 项目资产 300"
  "/dashboard 资金项目 300"
  "/funds/ledger.xlsx?year=$year PK 5000"
  "/assets/ledger.xlsx PK 5000"
)
fetch() { # page marker → seconds, checked to be that page
  curl -fs -b "$jar" -o "$work/page" -w '%{time_total}\n' "$base$1"
  grep -q "$2" "$work/page" || { echo "$1 is not the page ($2): $(head -c 300 "$work/page")" >&2; exit 1; }
}
for p in "${pages[@]}"; do read -r page marker _ <<< "$p"; fetch "$page" "$marker" > /dev/null; done

for i in $(seq 0 $((${#pages[@]} - 1))); do : > "$work/t$i.txt"; done
: > "$work/static.txt"; : > "$work/peer.txt"
for _ in $(seq 1 "$runs"); do
  for i in "${!pages[@]}"; do
    read -r page marker _ <<< "${pages[$i]}"
    fetch "$page" "$marker" >> "$work/t$i.txt"
  done
  curl -fs -o /dev/null -w '%{time_total}\n' "$base/static/app.css" >> "$work/static.txt"
  t0=$(date +%s.%N)
  sql "SELECT f.year, SUM(l.amount_fen) FROM fund_lines l JOIN funds f ON f.id = l.fund_id GROUP BY f.year" > /dev/null
  awk "BEGIN{print $(date +%s.%N) - $t0}" >> "$work/peer.txt"
done
ms() { awk '{printf "%.1f", $1 * 1000}'; }
echo "database: $([ -n "$pg" ] && echo PostgreSQL || echo SQLite)"
slow=0
for i in "${!pages[@]}"; do
  read -r page marker limit <<< "${pages[$i]}"
  m=$(median < "$work/t$i.txt" | ms)
  over=$(awk "BEGIN{print ($m >= $limit)}")
  [ "$over" = 1 ] && slow=$((slow + 1))
  printf '%-44s %9s ms%s\n' "$page" "$m" "$([ "$over" = 1 ] && echo "  ≥ $limit ms")"
done
echo "peer: stylesheet (server floor) $(median < "$work/static.txt" | ms) ms; database shell sum of the plan lines by year $(median < "$work/peer.txt" | ms) ms"
echo "over their limit: $slow"
