#!/usr/bin/env bash
# Benchmark: every page of the field flows (issue 25) on the demo county, served over HTTP by
# a release build, each fetched by the account that uses it: the public forms, the village's
# to-do, leads, a household and a case, the town's lists, the county's dashboard, data
# quality, screening and complaints. Target: every page under 300 ms (median) at 100,000
# households on SQLite and on PostgreSQL. The peers, measured in the same run: this server's
# own floor (its stylesheet, no database) and the database's shell counting the county's
# cases (a query's floor, with the shell's start).
#
# Usage: bench/pages.sh [HOUSEHOLDS] [RUNS]     (defaults 100000 and 11)
# With DIXIAN_BENCH_PG_URL=postgres://… the demo is built in that (emptied) PostgreSQL
# database instead of SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."
households=${1:-100000}
runs=${2:-11}
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
"$bin" demo --data-dir "$work/d" "${db_args[@]}" --households "$households" --seed 20260101 > "$work/demo.txt" 2>/dev/null
echo "demo built in $(awk "BEGIN{printf \"%.1f\", $(date +%s.%N) - $start}")s"

port=$((20000 + RANDOM % 20000))
base="http://127.0.0.1:$port"
"$bin" serve --data-dir "$work/d" "${db_args[@]}" --listen "127.0.0.1:$port" > "$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -fs "$base/healthz" >/dev/null && break; sleep 0.2; done

login() { # account → its cookie jar
  local jar="$work/jar-$1" csrf
  csrf=$(curl -fs -c "$jar" "$base/login" | grep -o 'name="csrf" value="[^"]*"' | sed 's/.*value="//; s/"$//')
  curl -fs -b "$jar" -c "$jar" -o /dev/null -H "Origin: $base" \
    --data-urlencode "csrf=$csrf" --data-urlencode "next=/" \
    --data-urlencode "username=$1" --data-urlencode "password=Dixian@2026" "$base/login"
  echo "$jar"
}
for who in village town county cadre yibao; do login "$who" > /dev/null; done

village=500299101201
read -r case_id code < <(sql "SELECT c.id, h.code FROM monitoring_cases c JOIN households h ON h.id = c.household_id WHERE c.village = '$village' ORDER BY c.id LIMIT 1" | tr '|' ' ')

# (account or - for none, page, text the page must show)
pages=(
  "- /apply 困难申报"
  "- /complaint 投诉建议"
  "village /work 我的待办"
  "village /leads?status=pending 监测线索"
  "village /households/$code 农户"
  "village /cases/$case_id 案件"
  "cadre /work 我的待办"
  "town /leads 监测线索"
  "town /cases 监测案件"
  "town /cases?q=%E7%8E%8B 监测案件"
  "town /visits 走访记录"
  "town /people?name=%E7%8E%8B 人员查询"
  "county /visits 走访记录"
  "county /visits?q=%E7%8E%8B 走访记录"
  "county /people?name=%E7%8E%8B 人员查询"
  "county /problems?q=%E7%8E%8B 问题"
  "county /dashboard 工作看板"
  "county /dashboard?area=500299101000 工作看板"
  "county /quality 数据质量"
  "county /screening 筛查"
  "county /complaints 投诉建议"
  "county /problems 问题"
  "yibao /screening 部门数据"
)
fetch() { # account page marker → seconds, checked to be that page
  local jar=()
  [ "$1" != - ] && jar=(-b "$work/jar-$1")
  curl -fs "${jar[@]}" -o "$work/page.html" -w '%{time_total}\n' "$base$2"
  grep -q "$3" "$work/page.html" || { echo "$2 is not the page ($3): $(head -c 300 "$work/page.html")" >&2; exit 1; }
}
for p in "${pages[@]}"; do read -r who page marker <<< "$p"; fetch "$who" "$page" "$marker" > /dev/null; done

for i in $(seq 0 $((${#pages[@]} - 1))); do : > "$work/t$i.txt"; done
: > "$work/static.txt"; : > "$work/peer.txt"
for _ in $(seq 1 "$runs"); do
  for i in "${!pages[@]}"; do
    read -r who page marker <<< "${pages[$i]}"
    fetch "$who" "$page" "$marker" >> "$work/t$i.txt"
  done
  curl -fs -o /dev/null -w '%{time_total}\n' "$base/static/app.css" >> "$work/static.txt"
  t0=$(date +%s.%N)
  sql "SELECT state, COUNT(*) FROM monitoring_cases WHERE village BETWEEN '500299000000' AND '500299999999' GROUP BY state" > /dev/null
  awk "BEGIN{print $(date +%s.%N) - $t0}" >> "$work/peer.txt"
done
ms() { awk '{printf "%.1f", $1 * 1000}'; }
echo "database: $([ -n "$pg" ] && echo PostgreSQL || echo SQLite), cases: $(sql 'SELECT COUNT(*) FROM monitoring_cases')"
slow=0
for i in "${!pages[@]}"; do
  read -r who page marker <<< "${pages[$i]}"
  m=$(median < "$work/t$i.txt" | ms)
  over=$(awk "BEGIN{print ($m >= 300)}")
  [ "$over" = 1 ] && slow=$((slow + 1))
  printf '%-8s %-36s %8s ms%s\n' "$who" "$page" "$m" "$([ "$over" = 1 ] && echo '  ≥ 300 ms')"
done
echo "peer: stylesheet (server floor) $(median < "$work/static.txt" | ms) ms; database shell GROUP BY of the county's cases $(median < "$work/peer.txt" | ms) ms"
echo "pages at or over 300 ms: $slow"
