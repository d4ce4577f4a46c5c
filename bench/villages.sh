#!/usr/bin/env bash
# Benchmark: the village pages (issue 22) at county level, served over HTTP by a release build —
# the villages with their accounts and targets, the weak-village programme and its ranking, one
# village's page, the rectification ledger, the teams and a team's month, the cadre pairings, the
# year's 遍访 coverage, the information-officer grid and the dashboard with its village section
# (whole and narrowed to 脱贫村) —
# then the ranking of a province-sized list: 15,000 more villages with three years of accounts
# added to the county. Targets (median): each county page under 200 ms (the whole dashboard
# 300 ms); the 15,000-village ranking under 1 s. The peers, measured in the same run: this
# server's own floor (its stylesheet) and the database's shell ranking the villages by their
# three-year average (a query's floor, with the shell's start).
#
# Usage: bench/villages.sh [HOUSEHOLDS] [RUNS]   (defaults 100000, 11)
# With DIXIAN_BENCH_PG_URL=postgres://… the demo is built in that (emptied) PostgreSQL database.
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
"$bin" demo --data-dir "$work/d" "${db_args[@]}" --households "$households" --seed 20260101 \
  > "$work/demo.txt" 2>/dev/null
echo "demo built in $(awk "BEGIN{printf \"%.1f\", $(date +%s.%N) - $start}")s"
echo "villages: $(sql "SELECT COUNT(*) FROM divisions WHERE level = 'village'"), accounts: $(sql 'SELECT COUNT(*) FROM collective_accounts'), findings: $(sql 'SELECT COUNT(*) FROM rectification_items'), teams: $(sql 'SELECT COUNT(*) FROM teams'), day records: $(sql 'SELECT COUNT(*) FROM team_days'), pairings: $(sql 'SELECT COUNT(*) FROM pairings'), 遍访: $(sql 'SELECT COUNT(*) FROM tours'), officers: $(sql 'SELECT COUNT(*) FROM info_officers')"

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

village=$(sql "SELECT village FROM weak_villages ORDER BY village LIMIT 1")
team=$(sql "SELECT id FROM teams ORDER BY id LIMIT 1")
month=$(date +%Y-%m)
fetch() { # page marker → seconds, checked to be that page
  curl -fs -b "$jar" -o "$work/page" -w '%{time_total}\n' "$base$1"
  grep -q "$2" "$work/page" || { echo "$1 is not the page ($2): $(head -c 300 "$work/page")" >&2; exit 1; }
}
ms() { awk '{printf "%.1f", $1 * 1000}'; }
slow=0
# measure LABEL PEER_SQL PAGE… : each "page marker limit" fetched RUNS times, the peer beside.
measure() {
  local label=$1 peer_sql=$2; shift 2
  local pages=("$@")
  for p in "${pages[@]}"; do read -r page marker _ <<< "$p"; fetch "$page" "$marker" > /dev/null; done
  for i in "${!pages[@]}"; do : > "$work/t$i.txt"; done
  : > "$work/static.txt"; : > "$work/peer.txt"
  for _ in $(seq 1 "$runs"); do
    for i in "${!pages[@]}"; do
      read -r page marker _ <<< "${pages[$i]}"
      fetch "$page" "$marker" >> "$work/t$i.txt"
    done
    curl -fs -o /dev/null -w '%{time_total}\n' "$base/static/app.css" >> "$work/static.txt"
    t0=$(date +%s.%N)
    sql "$peer_sql" > /dev/null
    awk "BEGIN{print $(date +%s.%N) - $t0}" >> "$work/peer.txt"
  done
  echo "-- $label"
  for i in "${!pages[@]}"; do
    read -r page marker limit <<< "${pages[$i]}"
    m=$(median < "$work/t$i.txt" | ms)
    over=$(awk "BEGIN{print ($m >= $limit)}")
    [ "$over" = 1 ] && slow=$((slow + 1))
    printf '%-44s %9s ms%s\n' "$page" "$m" "$([ "$over" = 1 ] && echo "  ≥ $limit ms")"
  done
  echo "peer: stylesheet (server floor) $(median < "$work/static.txt" | ms) ms; database shell ranking by three-year average $(median < "$work/peer.txt" | ms) ms"
}
rank_sql="SELECT village, AVG(business_fen + contract_fen + investment_fen + other_fen) AS a
  FROM collective_accounts WHERE year BETWEEN 2023 AND 2025 GROUP BY village ORDER BY a LIMIT 20000"

echo "database: $([ -n "$pg" ] && echo PostgreSQL || echo SQLite)"
measure "county of $(sql "SELECT COUNT(*) FROM divisions WHERE level = 'village'") villages" "$rank_sql" \
  "/villages 村集体经济 200" \
  "/villages/weak 扶持进展 200" \
  "/villages/$village 村集体经济 200" \
  "/rectification 整改台账 200" \
  "/teams 驻村工作队 200" \
  "/teams/$team?month=$month 在村情况 200" \
  "/pairings 干部包联 200" \
  "/tours 遍访完成情况 200" \
  "/grid 监测信息员 200" \
  "/dashboard 村级工作 300" \
  "/dashboard?designation=tuopin_village 只统计认定为 300"

# A province-sized list: 50 more towns of 300 villages each, three years of accounts apiece.
if [ -n "$pg" ]; then
  sql "INSERT INTO divisions (code, name, level, parent_code)
       SELECT '500299' || t || '000', '基准镇' || t, 'town', '500299000000' FROM generate_series(201, 250) t;
       INSERT INTO divisions (code, name, level, parent_code)
       SELECT '500299' || t || lpad(v::text, 3, '0'), '基准村' || t || '-' || v, 'village', '500299' || t || '000'
         FROM generate_series(201, 250) t, generate_series(201, 500) v;
       INSERT INTO collective_accounts (village, year, business_fen, contract_fen, investment_fen,
         subsidy_fen, other_fen, business_cost_fen, management_cost_fen, other_cost_fen, profit_fen, at, by_name)
       SELECT code, y, b, 0, 0, 0, 0, 0, 0, 0, b, '2026-01-01T00:00:00.000000Z', 'bench'
         FROM (SELECT code, y, (floor(random() * 50000000))::bigint AS b
                 FROM divisions, generate_series(2023, 2025) y WHERE name LIKE '基准村%') s;" > /dev/null
else
  sql "WITH RECURSIVE t(n) AS (SELECT 201 UNION ALL SELECT n + 1 FROM t WHERE n < 250)
       INSERT INTO divisions (code, name, level, parent_code)
       SELECT '500299' || n || '000', '基准镇' || n, 'town', '500299000000' FROM t;
       WITH RECURSIVE t(n) AS (SELECT 201 UNION ALL SELECT n + 1 FROM t WHERE n < 250),
                      v(m) AS (SELECT 201 UNION ALL SELECT m + 1 FROM v WHERE m < 500)
       INSERT INTO divisions (code, name, level, parent_code)
       SELECT '500299' || n || printf('%03d', m), '基准村' || n || '-' || m, 'village', '500299' || n || '000'
         FROM t, v;
       WITH RECURSIVE y(n) AS (SELECT 2023 UNION ALL SELECT n + 1 FROM y WHERE n < 2025)
       INSERT INTO collective_accounts (village, year, business_fen, contract_fen, investment_fen,
         subsidy_fen, other_fen, business_cost_fen, management_cost_fen, other_cost_fen, profit_fen, at, by_name)
       SELECT code, n, b, 0, 0, 0, 0, 0, 0, 0, b, '2026-01-01T00:00:00.000000Z', 'bench'
         FROM (SELECT code, y.n AS n, abs(random()) % 50000000 AS b
                 FROM divisions, y WHERE name LIKE '基准村%');" > /dev/null
fi
measure "province-sized ranking: $(sql "SELECT COUNT(*) FROM divisions WHERE level = 'village'") villages" "$rank_sql" \
  "/villages/weak 倒排名单 1000"
echo "over their limit: $slow"
