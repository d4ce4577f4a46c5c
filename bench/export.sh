#!/usr/bin/env bash
# Benchmark: `dixian export households` writing the full ledger of the demo county
# (issue 4: 100,000 households to XLSX in <= 20 s, peak memory < 600 MB, release build),
# against a peer measured in the same run: the sqlite3 shell writing the same households
# table as CSV (`.mode csv`, one join for the head's name; no decryption, no masking, no
# division names, no income arithmetic) — the floor for reading the rows out.
#
# Usage: bench/export.sh [HOUSEHOLDS] [RUNS]     (defaults 100000 and 3)
set -euo pipefail
cd "$(dirname "$0")/.."
households=${1:-100000}
runs=${2:-3}

. bench/lib.sh
"$bin" demo --data-dir "$work/d" --households "$households" --seed 20260101 --as-of 2026-11-01 >/dev/null 2>&1
: > "$work/xlsx.txt"; : > "$work/csv.txt"; : > "$work/peer.txt"
for i in $(seq 1 "$runs"); do
  for fmt in xlsx csv; do
    rm -f "$work/out.$fmt"
    /usr/bin/time -f "%e %M" -o "$work/t" "$bin" export households --data-dir "$work/d" --out "$work/out.$fmt" >/dev/null 2>&1
    read -r secs kb < "$work/t"
    echo "$secs" >> "$work/$fmt.txt"
    echo "run $i dixian export $fmt: ${secs}s, peak RSS $((kb / 1024)) MiB, file $(du -m "$work/out.$fmt" | cut -f1) MiB"
  done
  start=$(date +%s.%N)
  sqlite3 -csv "$work/d/dixian.db" "SELECT h.code, h.village_code, h.group_no, p.name, h.household_type, h.monitored, h.dibao, h.tekun, h.relocated FROM households h LEFT JOIN persons p ON p.household_id = h.id AND p.relation = 'head' ORDER BY h.code" > "$work/peer.csv"
  end=$(date +%s.%N)
  peer=$(echo "$end - $start" | bc -l 2>/dev/null || awk "BEGIN{print $end - $start}")
  printf '%.2f\n' "$peer" >> "$work/peer.txt"
  printf 'run %s peer sqlite3 -csv: %.2fs\n' "$i" "$peer"
done
echo "median dixian export xlsx: $(median < "$work/xlsx.txt")s"
echo "median dixian export csv: $(median < "$work/csv.txt")s"
echo "median peer (sqlite3 -csv, same rows): $(median < "$work/peer.txt")s"
