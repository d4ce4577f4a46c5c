#!/usr/bin/env bash
# Benchmark: `dixian import households` reading and writing the whole demo county from CSV
# (issue 4: 100,000 households / ~300,000 persons in <= 15 s, peak memory < 600 MB, release
# build), against a peer measured in the same run: the sqlite3 shell's `.import` of the same
# file into a plain table — parsing and inserting text with no checks, no encryption.
#
# Usage: bench/import.sh [HOUSEHOLDS] [RUNS]     (defaults 100000 and 3)
set -euo pipefail
cd "$(dirname "$0")/.."
households=${1:-100000}
runs=${2:-3}

. bench/lib.sh
"$bin" demo --csv-out "$work/county.csv" --households "$households" --seed 20260101 --as-of 2026-11-01
echo "file: $(du -m "$work/county.csv" | cut -f1) MiB, $(($(wc -l < "$work/county.csv") - 1)) rows"
: > "$work/dixian.txt"; : > "$work/peer.txt"
for i in $(seq 1 "$runs"); do
  rm -rf "$work/d"
  # Divisions and accounts of the demo county, with a single household of its own.
  "$bin" demo --data-dir "$work/d" --households 1 --seed 20260101 --as-of 2026-11-01 >/dev/null 2>&1
  /usr/bin/time -f "%e %M" -o "$work/t" "$bin" import households --data-dir "$work/d" "$work/county.csv" > "$work/out" 2>&1
  read -r secs kb < "$work/t"
  echo "$secs" >> "$work/dixian.txt"
  echo "run $i dixian import: ${secs}s, peak RSS $((kb / 1024)) MiB — $(head -n 1 "$work/out")"

  rm -f "$work/peer.db"
  start=$(date +%s.%N)
  sqlite3 "$work/peer.db" ".mode csv" ".import $work/county.csv rows" >/dev/null
  end=$(date +%s.%N)
  peer=$(echo "$end - $start" | bc -l 2>/dev/null || awk "BEGIN{print $end - $start}")
  printf '%.2f\n' "$peer" >> "$work/peer.txt"
  printf 'run %s peer sqlite3 .import: %.2fs\n' "$i" "$peer"
done
echo "median dixian import: $(median < "$work/dixian.txt")s"
echo "median peer (sqlite3 .import, same file): $(median < "$work/peer.txt")s"
