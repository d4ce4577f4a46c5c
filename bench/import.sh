#!/usr/bin/env bash
# Benchmark: `dixian import households` reading and writing the whole demo county (issue 4:
# 100,000 households / ~300,000 persons — CSV in <= 15 s, XLSX in <= 45 s, peak memory
# < 600 MB, release build), and re-importing the same file (nothing changes), against a
# peer measured in the same run: the sqlite3 shell's `.import` of the same CSV into a plain
# table — parsing and inserting text with no checks, no encryption.
#
# Usage: bench/import.sh [HOUSEHOLDS] [RUNS]     (defaults 100000 and 3)
set -euo pipefail
cd "$(dirname "$0")/.."
households=${1:-100000}
runs=${2:-3}

. bench/lib.sh
for ext in csv xlsx; do
  "$bin" demo --out "$work/county.$ext" --households "$households" --seed 20260101 --as-of 2026-11-01 >/dev/null
done
echo "files: CSV $(du -m "$work/county.csv" | cut -f1) MiB, XLSX $(du -m "$work/county.xlsx" | cut -f1) MiB, $(($(wc -l < "$work/county.csv") - 1)) rows"
# Divisions and accounts of the demo county, with a single household of its own.
"$bin" demo --data-dir "$work/empty" --households 1 --seed 20260101 --as-of 2026-11-01 >/dev/null 2>&1

# Imports FILE into a copy of DATA; prints "seconds KiB" and keeps the copy in $work/d.
timed_import() {
  rm -rf "$work/d"; cp -r "$2" "$work/d"
  /usr/bin/time -f "%e %M" -o "$work/t" "$bin" import households --data-dir "$work/d" "$1" > "$work/out" 2>&1
  cat "$work/t"
}

: > "$work/csv.txt"; : > "$work/xlsx.txt"; : > "$work/again.txt"; : > "$work/peer.txt"
for i in $(seq 1 "$runs"); do
  read -r secs kb < <(timed_import "$work/county.csv" "$work/empty")
  echo "$secs" >> "$work/csv.txt"
  echo "run $i CSV import: ${secs}s, peak RSS $((kb / 1024)) MiB — $(head -n 1 "$work/out")"
  cp -r "$work/d" "$work/full"
  read -r secs kb < <(timed_import "$work/county.csv" "$work/full")
  echo "$secs" >> "$work/again.txt"
  echo "run $i CSV re-import: ${secs}s, peak RSS $((kb / 1024)) MiB — $(head -n 1 "$work/out")"
  rm -rf "$work/full"
  read -r secs kb < <(timed_import "$work/county.xlsx" "$work/empty")
  echo "$secs" >> "$work/xlsx.txt"
  echo "run $i XLSX import: ${secs}s, peak RSS $((kb / 1024)) MiB — $(head -n 1 "$work/out")"

  rm -f "$work/peer.db"
  start=$(date +%s.%N)
  sqlite3 "$work/peer.db" ".mode csv" ".import $work/county.csv rows" >/dev/null
  end=$(date +%s.%N)
  peer=$(echo "$end - $start" | bc -l 2>/dev/null || awk "BEGIN{print $end - $start}")
  printf '%.2f\n' "$peer" >> "$work/peer.txt"
  printf 'run %s peer sqlite3 .import: %.2fs\n' "$i" "$peer"
done
echo "median CSV import: $(median < "$work/csv.txt")s"
echo "median XLSX import: $(median < "$work/xlsx.txt")s"
echo "median CSV re-import (no changes): $(median < "$work/again.txt")s"
echo "median peer (sqlite3 .import, same CSV): $(median < "$work/peer.txt")s"
