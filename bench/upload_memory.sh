#!/usr/bin/env bash
# Benchmark (issue 20): the server's peak memory while checking the largest household file a
# county really has (the 100,000-household demo county as XLSX, 42 MB) and while refusing a
# spreadsheet bomb (0.3 MB whose shared strings inflate to 256 MB; before the limits the
# server grew by 1.5 GB on it). Each upload is a check only (dry run) by the county account
# on a freshly started server; the figure is the server's VmHWM (peak resident set) read
# from /proc after the answer, less its resident set before the upload. The peer in the same
# run: Python's zipfile inflating the same bomb as a stream into nothing (the least any
# reader must spend to look inside it), measured with /usr/bin/time.
#
# Usage: bench/upload_memory.sh [HOUSEHOLDS] [RUNS]     (defaults 100000 and 3)
set -euo pipefail
cd "$(dirname "$0")/.."
households=${1:-100000}
runs=${2:-3}

. bench/lib.sh
command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq curl >/dev/null; }
"$bin" demo --out "$work/county.xlsx" --households "$households" --seed 20260101 --as-of 2026-11-01 >/dev/null
"$bin" demo --data-dir "$work/d" --households 1 --seed 20260101 --as-of 2026-11-01 >/dev/null 2>&1
python3 - "$work/bomb.xlsx" <<'PY'
import sys, zipfile
parts = {
    "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>',
    "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
    "xl/worksheets/sheet1.xml": '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>',
}
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    for name, text in parts.items():
        z.writestr(name, text)
    with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as f:
        f.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
        block = b"<si><t>a</t></si>" * 65536
        for _ in range((256 << 20) // len(block)):
            f.write(block)
        f.write(b"</sst>")
PY
echo "files: county XLSX $(du -m "$work/county.xlsx" | cut -f1) MiB; bomb $(du -k "$work/bomb.xlsx" | cut -f1) KiB inflating to 256 MiB"

kib() { awk "/^$1:/{print \$2}" "/proc/$server/status"; }
# Uploads FILE as a check on a fresh server; prints "seconds grown-KiB status".
measure() {
  port=$((20000 + RANDOM % 20000))
  base="http://127.0.0.1:$port"
  "$bin" serve --data-dir "$work/d" --listen "127.0.0.1:$port" > "$work/serve.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do curl -fs "$base/healthz" >/dev/null && break; sleep 0.2; done
  jar="$work/jar"; rm -f "$jar"
  csrf=$(curl -fs -c "$jar" "$base/login" | grep -o 'name="csrf" value="[^"]*"' | sed 's/.*value="//; s/"$//')
  curl -fs -b "$jar" -c "$jar" -o /dev/null -H "Origin: $base" \
    --data-urlencode "csrf=$csrf" --data-urlencode "next=/" \
    --data-urlencode "username=county" --data-urlencode "password=Dixian@2026" "$base/login"
  csrf=$(curl -fs -b "$jar" "$base/households/import" | grep -o 'name="csrf" value="[^"]*"' | head -n 1 | sed 's/.*value="//; s/"$//')
  before=$(kib VmRSS)
  start=$(date +%s.%N)
  code=$(curl -s -b "$jar" -H "Origin: $base" -o "$work/answer.html" -D "$work/headers" -w '%{http_code}' \
    -F "csrf=$csrf" -F "dry_run=1" -F "wait=0" -F "file=@$1" "$base/households/import")
  # A long check answers 202 with its page's address; that page is polled until done.
  job=$(tr -d '\r' < "$work/headers" | awk -F': ' 'tolower($1)=="content-location"{print $2}')
  while [ "$code" = 202 ] && [ -n "$job" ]; do
    sleep 0.5
    code=$(curl -s -b "$jar" -o "$work/answer.html" -w '%{http_code}' "$base$job")
  done
  out="$(awk "BEGIN{printf \"%.1f\", $(date +%s.%N) - $start}") $code"
  peak=$(kib VmHWM)
  kill "$server"; wait "$server" 2>/dev/null || true
  read -r secs code <<< "$out"
  echo "$secs $((peak - before)) $code"
}

: > "$work/big.txt"; : > "$work/bomb.txt"; : > "$work/peer.txt"
for i in $(seq 1 "$runs"); do
  read -r secs grown code < <(measure "$work/county.xlsx")
  echo "$((grown / 1024))" >> "$work/big.txt"
  echo "run $i county XLSX check: HTTP $code in ${secs}s, server grew $((grown / 1024)) MiB — $(grep -o '检查通过[^<]*\|发现[0-9]*处问题' "$work/answer.html" | head -n 1)"
  read -r secs grown code < <(measure "$work/bomb.xlsx")
  echo "$((grown / 1024))" >> "$work/bomb.txt"
  echo "run $i bomb: HTTP $code in ${secs}s, server grew $((grown / 1024)) MiB — $(grep -o '[^>]*已拒绝读取' "$work/answer.html" | head -n 1)"
  /usr/bin/time -f "%M" -o "$work/t" python3 -c "
import sys, zipfile, shutil, io
z = zipfile.ZipFile(sys.argv[1])
for n in z.namelist():
    with z.open(n) as f:
        shutil.copyfileobj(f, open('/dev/null', 'wb'), 1 << 16)
" "$work/bomb.xlsx"
  echo "$(( $(cat "$work/t") / 1024 ))" >> "$work/peer.txt"
  echo "run $i peer (python zipfile streaming the bomb): peak RSS $(( $(cat "$work/t") / 1024 )) MiB"
done
echo "median server growth, county XLSX check: $(median < "$work/big.txt") MiB"
echo "median server growth, bomb refused: $(median < "$work/bomb.txt") MiB"
echo "median peer peak RSS (python zipfile stream of the bomb): $(median < "$work/peer.txt") MiB"
