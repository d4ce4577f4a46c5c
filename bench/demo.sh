#!/usr/bin/env bash
# Benchmark: `dixian demo` building the synthetic county (issue 2: < 30 s for 100,000
# households, release build), against a peer measured in the same run: the sqlite3 shell
# bulk-inserting the same number of rows into the same schema with one recursive-CTE
# INSERT per table (no generation logic, no validation, random bytes of the same size in
# place of ciphertexts and blind indexes) — the floor for any SQLite loader.
#
# Usage: bench/demo.sh [HOUSEHOLDS] [RUNS]     (defaults 100000 and 3)
# Prints one line per run and the medians; record them in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
households=${1:-100000}
runs=${2:-3}

. bench/lib.sh
: > "$work/dixian.txt"; : > "$work/peer.txt"
for i in $(seq 1 "$runs"); do
  rm -rf "$work/d"
  /usr/bin/time -f "%e %M" -o "$work/t" "$bin" demo --data-dir "$work/d" --households "$households" --seed 20260101 --as-of 2026-11-01 > "$work/out" 2>/dev/null
  read -r secs kb < "$work/t"
  persons=$(grep -o '[0-9]*人' "$work/out" | head -n 1 | tr -d '人')
  echo "$secs" >> "$work/dixian.txt"
  echo "run $i dixian demo: ${secs}s, peak RSS $((kb / 1024)) MiB, $persons persons, db $(du -m "$work/d/dixian.db" | cut -f1) MiB"

  rm -f "$work/peer.db"
  cat crates/store-sql/migrations/sqlite/*.sql | sqlite3 "$work/peer.db"
  start=$(date +%s.%N)
  sqlite3 "$work/peer.db" >/dev/null <<SQL
PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
BEGIN;
WITH RECURSIVE v(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM v WHERE n < 299)
INSERT INTO divisions SELECT printf('500299%03d%03d', 101 + n / 20, 201 + n % 20), 'v' || n, 'village', NULL FROM v;
WITH RECURSIVE h(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM h WHERE n < $households)
INSERT INTO households SELECT n, printf('500299%03d%03d%04d', 101 + (n % 300) / 20, 201 + (n % 300) % 20, n / 300 + 1),
  printf('500299%03d%03d', 101 + (n % 300) / 20, 201 + (n % 300) % 20), 1 + n % 8, '地址' || n, randomblob(44), randomblob(32),
  CASE WHEN n % 10 < 3 THEN 'tuopin' ELSE 'ordinary' END, 0, n % 17 = 0, 0, n % 20 = 0, '2026-11-01T00:00:00Z',
  randomblob(52), randomblob(32) FROM h;
WITH RECURSIVE p(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM p WHERE n < ${persons:-$((households * 3))})
INSERT INTO persons SELECT n, 1 + (n - 1) / 3, randomblob(51), randomblob(32), '姓名' || n,
  CASE WHEN n % 2 THEN '男' ELSE '女' END, '1980-01-01', CASE WHEN n % 3 = 1 THEN 'head' ELSE 'son' END, 'ordinary', 'healthy',
  NULL, NULL, 'not_in_school', 1, 1, 6, '县内', 0, 'in_household', NULL FROM p;
WITH RECURSIVE h(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM h WHERE n < $households)
INSERT INTO household_incomes SELECT n, 2025, 3000000 + n, 500000, 0, 200000, 0, 0, 30000, 0, 100000, 20000, 0 FROM h;
WITH RECURSIVE h(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM h WHERE n < $households)
INSERT INTO household_assurance SELECT n, 1, 'b', 1, 1, 1, 1, NULL FROM h;
COMMIT;
SQL
  end=$(date +%s.%N)
  peer=$(echo "$end - $start" | bc -l 2>/dev/null || awk "BEGIN{print $end - $start}")
  printf '%.2f\n' "$peer" >> "$work/peer.txt"
  printf 'run %s peer sqlite3 CTE bulk insert: %.2fs\n' "$i" "$peer"
done
echo "median dixian demo: $(median < "$work/dixian.txt")s"
echo "median peer (sqlite3 bulk insert, same rows): $(median < "$work/peer.txt")s"
