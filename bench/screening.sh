#!/usr/bin/env bash
# Benchmark: `dixian screen` end to end from CSV (issue 6), against the same
# specification written in DuckDB SQL and in Polars (bench/screening/*.py),
# measured in the same run on the same files. Before timing, each peer's
# warnings.csv and summary.csv must be byte-identical to dixian's, on every
# scale and on extra small counties with other as-of dates and lines (a leap
# day among them); the script stops at the first difference.
#
# Usage: bench/screening.sh [SCALES] [RUNS]   (defaults "1 10 30" and 3)
# Data is generated once per scale into target/screening-data/ (SF 10 ≈ 0.9 GB,
# SF 30 ≈ 2.6 GB) and reused. Prints one line per run and per engine, then the
# medians of wall time and peak RSS; record them in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
scales=${1:-1 10 30}
runs=${2:-3}
households="SF $scales"

. bench/lib.sh
venv=target/bench-venv
if ! "$venv/bin/python" -c 'import duckdb, polars' 2>/dev/null; then
  python3 -m venv "$venv" 2>/dev/null || { apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null; python3 -m venv "$venv"; }
  "$venv/bin/pip" install -q duckdb==2.0.0 polars==2.1.0
fi
py="$venv/bin/python"
echo "peers: duckdb $("$py" -c 'import duckdb; print(duckdb.__version__)'), polars $("$py" -c 'import polars; print(polars.__version__)')"

data=target/screening-data
generate() { # SF AS_OF SEED DIR
  if [ ! -f "$4/.done" ]; then
    rm -rf "$4"
    "$bin" screen-data --sf "$1" --as-of "$2" --seed "$3" --out "$4" >/dev/null
    touch "$4/.done"
  fi
}

command_of() { # NAME INPUT AS_OF LINE OUT — sets cmd
  case $1 in
    dixian) cmd=("$bin" screen --input "$2" --as-of "$3" --pack bench/screening/contract.toml --line-yuan "$4" --out "$5") ;;
    duckdb) cmd=("$py" bench/screening/duckdb_screen.py "$2" "$3" "$4" "$5") ;;
    polars) cmd=("$py" bench/screening/polars_screen.py "$2" "$3" "$4" "$5") ;;
  esac
}

same() { # INPUT AS_OF LINE — all three engines, outputs compared byte for byte
  for e in dixian duckdb polars; do
    rm -rf "$work/check-$e"
    command_of "$e" "$1" "$2" "$3" "$work/check-$e"
    "${cmd[@]}" >/dev/null 2>&1
  done
  for e in duckdb polars; do
    for f in warnings.csv summary.csv; do
      cmp "$work/check-dixian/$f" "$work/check-$e/$f" || { echo "$e differs from dixian on $f ($1, $2, $3)"; exit 1; }
    done
  done
  echo "identical: $1 as of $2, line $3 yuan ($(($(wc -l < "$work/check-dixian/warnings.csv") - 1)) warnings)"
}

for spec in "0.05 2024-02-29 11 5000" "0.05 2025-12-31 12 9000" "0.1 2026-10-31 13 7600"; do
  set -- $spec
  generate "$1" "$2" "$3" "$data/check-$3"
  same "$data/check-$3" "$2" "$4"
done

for sf in $scales; do
  dir="$data/sf$sf"
  generate "$sf" 2026-10-31 20261031 "$dir"
  echo "SF $sf: $(du -sm "$dir" | cut -f1) MB, $(cat "$dir"/*.csv | wc -l) lines"
  same "$dir" 2026-10-31 7600
  for e in dixian duckdb polars; do : > "$work/$e-s.txt"; : > "$work/$e-m.txt"; done
  for i in $(seq 1 "$runs"); do
    for e in dixian duckdb polars; do
      rm -rf "$work/out"
      command_of "$e" "$dir" 2026-10-31 7600 "$work/out"
      /usr/bin/time -f "%e %M" -o "$work/t" "${cmd[@]}" >/dev/null 2>&1
      read -r secs kb < "$work/t"
      echo "$secs" >> "$work/$e-s.txt"
      echo "$((kb / 1024))" >> "$work/$e-m.txt"
      echo "SF $sf run $i $e: ${secs}s, peak RSS $((kb / 1024)) MiB"
    done
  done
  for e in dixian duckdb polars; do
    echo "SF $sf median $e: $(median < "$work/$e-s.txt")s, peak RSS $(median < "$work/$e-m.txt") MiB"
  done
done
