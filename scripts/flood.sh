#!/usr/bin/env bash
# Flood the example server (default keys: ALIPAY_PUBLIC_KEY / ALIPAY_AES_KEY from examples/data)
# with requests carrying distinct random app ids, and report its RSS against the warm size.
#
#   scripts/flood.sh                      # warm 50,000 requests, flood 1,000,000
#   WARM=5000 scripts/flood.sh            # short warm-up: watch the caches fill
#
# Knobs (env): WARM (50000), TOTAL (1000000), THREADS (2), CONNS (16), PORT (18080),
# SAMPLE seconds between RSS samples (2), LIMIT_MB allowed growth over warm (64),
# PIN=0 to skip taskset (default: server on core 0, wrk on core 1), NO_BUILD=1, OUT (a dir).
# Needs wrk (apt-get install wrk). Exit status 1 when a request failed or RSS grew past LIMIT_MB.
set -euo pipefail
cd "$(dirname "$0")/.."

WARM=${WARM:-50000}
TOTAL=${TOTAL:-1000000}
THREADS=${THREADS:-2}
CONNS=${CONNS:-16}
PORT=${PORT:-18080}
SAMPLE=${SAMPLE:-2}
LIMIT_MB=${LIMIT_MB:-64}
PIN=${PIN:-1}
OUT=${OUT:-$(mktemp -d /tmp/flood.XXXXXX)}
mkdir -p "$OUT"
URL="http://127.0.0.1:$PORT"
BIN=target/release/examples/server

command -v wrk >/dev/null || { echo "flood: wrk not found (apt-get install -y wrk)" >&2; exit 2; }
if [[ -z "${NO_BUILD:-}" ]]; then
  nice -n 5 cargo build --release --example server
fi

SRV_PIN=() WRK_PIN=()
if [[ "$PIN" == 1 ]] && command -v taskset >/dev/null && (( $(nproc) >= 2 )); then
  SRV_PIN=(taskset -c 0) WRK_PIN=(taskset -c 1)
fi

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }
mb() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }

SRV_PID= SAMPLER_PID=
cleanup() {
  [[ -n "$SAMPLER_PID" ]] && kill "$SAMPLER_PID" 2>/dev/null || true
  [[ -n "$SRV_PID" ]] && kill "$SRV_PID" 2>/dev/null && wait "$SRV_PID" 2>/dev/null || true
}
trap cleanup EXIT

# The server, on 127.0.0.1 with the default keys, its log in $OUT/server.log.
ALIPAY_PUBLIC_KEY="$(cat examples/data/alipay_public_key.txt)" \
ALIPAY_AES_KEY="$(cat examples/data/aes_key.txt)" \
PHONE_LISTEN="127.0.0.1:$PORT" RUST_LOG=warn \
  "${SRV_PIN[@]}" "$BIN" >"$OUT/server.log" 2>&1 &
SRV_PID=$!
for _ in $(seq 100); do
  curl -fs "$URL/healthz" >/dev/null 2>&1 && break
  kill -0 "$SRV_PID" 2>/dev/null || { echo "flood: server exited" >&2; cat "$OUT/server.log" >&2; exit 2; }
  sleep 0.1
done
probe=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
  --data-binary @examples/data/envelope.json "$URL/alipay/phone?app_id=2021000000000000")
[[ "$probe" == 200 ]] || { echo "flood: probe got HTTP $probe" >&2; exit 2; }
echo "server pid $SRV_PID on $URL; start RSS $(rss_kb "$SRV_PID") kB; output in $OUT"

# wrk_count RUN COUNT LOG: COUNT requests (distinct ids; RUN distinguishes invocations). wrk
# waits out -d even when every thread has stopped (flood.lua stops them at the count), so once
# its worker threads are gone it gets SIGINT, which makes it print its summary at once.
wrk_count() {
  local run=$1 count=$2 log=$3
  echo "+ FLOOD_THREADS=$THREADS ${WRK_PIN[*]} wrk -t$THREADS -c$CONNS -d3600s -s scripts/flood.lua $URL -- $run $count" | tee "$log"
  FLOOD_THREADS=$THREADS "${WRK_PIN[@]}" wrk "-t$THREADS" "-c$CONNS" -d3600s -s scripts/flood.lua "$URL" -- "$run" "$count" >>"$log" 2>&1 &
  local wpid=$!
  sleep 0.5
  while kill -0 "$wpid" 2>/dev/null; do
    local tasks
    tasks=$(ls "/proc/$wpid/task" 2>/dev/null | wc -l)
    [[ "$tasks" == 1 ]] && { kill -INT "$wpid" 2>/dev/null || true; break; }
    sleep 0.2
  done
  wait "$wpid" || true
  sed 1d "$log"
}
# Fields of a wrk summary: requests, seconds, non-200-or-not-ok responses (flood.lua), socket errors.
wrk_requests() { awk '/requests in/ {print $1}' "$1"; }
wrk_seconds() { awk '/requests in/ {sub(/,$/, "", $4); s = $4; if (s ~ /ms$/) {sub(/ms$/, "", s); s /= 1000} else if (s ~ /m$/) {sub(/m$/, "", s); s *= 60} else sub(/s$/, "", s); print s}' "$1"; }
wrk_bad() { awk '/^flood: bad responses/ {print $4; f = 1} END {if (!f) print 999999999}' "$1"; }
wrk_sockerr() { awk -F'[ ,]+' '/Socket errors/ {print $4 + $6 + $8 + $10; f = 1} END {if (!f) print 0}' "$1"; }

echo "== warm: $WARM requests"
wrk_count 0 "$WARM" "$OUT/warm.txt"
sleep 1
WARM_RSS=$(rss_kb "$SRV_PID")
echo "warm RSS: $WARM_RSS kB ($(mb "$WARM_RSS") MB)"

echo "== flood: $TOTAL requests, RSS every ${SAMPLE}s in $OUT/rss.tsv"
( t0=$(date +%s.%N)
  while kill -0 "$SRV_PID" 2>/dev/null; do
    printf '%s\t%s\n' "$(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN {printf "%.1f", a - b}')" "$(rss_kb "$SRV_PID")"
    sleep "$SAMPLE"
  done ) >"$OUT/rss.tsv" 2>/dev/null &
SAMPLER_PID=$!
wrk_count 1 "$TOTAL" "$OUT/flood.txt"
END_RSS=$(rss_kb "$SRV_PID")
kill "$SAMPLER_PID" 2>/dev/null || true; wait "$SAMPLER_PID" 2>/dev/null || true; SAMPLER_PID=
printf 'end\t%s\n' "$END_RSS" >>"$OUT/rss.tsv"
sleep 5
FINAL_RSS=$(rss_kb "$SRV_PID")
HWM=$(hwm_kb "$SRV_PID")
MAX_RSS=$(awk -F'\t' -v m="$END_RSS" '$2 > m {m = $2} END {print m}' "$OUT/rss.tsv")

REQ=$(wrk_requests "$OUT/flood.txt"); SECS=$(wrk_seconds "$OUT/flood.txt")
BAD=$(( $(wrk_bad "$OUT/warm.txt") + $(wrk_bad "$OUT/flood.txt") ))
SOCKERR=$(( $(wrk_sockerr "$OUT/warm.txt") + $(wrk_sockerr "$OUT/flood.txt") ))
GROWTH=$(( MAX_RSS - WARM_RSS ))
HWM_GROWTH=$(( HWM - WARM_RSS ))
kill "$SRV_PID"; wait "$SRV_PID" 2>/dev/null || true; SRV_PID=

cat <<REPORT
== report (server RSS; MB = MiB)
warm-up requests:        $(wrk_requests "$OUT/warm.txt") in $(wrk_seconds "$OUT/warm.txt")s
flood requests:          $REQ in ${SECS}s ($(awk -v r="$REQ" -v s="$SECS" 'BEGIN {printf "%.0f", r / s}') req/s)
not 200 ok (both runs):  $BAD
socket errors:           $SOCKERR
warm RSS:                $WARM_RSS kB ($(mb "$WARM_RSS") MB)
max RSS (sampled):       $MAX_RSS kB ($(mb "$MAX_RSS") MB)
peak RSS (VmHWM):        $HWM kB ($(mb "$HWM") MB)
RSS at flood end:        $END_RSS kB ($(mb "$END_RSS") MB)
final RSS (5 s idle):    $FINAL_RSS kB ($(mb "$FINAL_RSS") MB)
max - warm:              $GROWTH kB = $(mb "$GROWTH") MB (VmHWM - warm: $HWM_GROWTH kB; limit $LIMIT_MB MB)
REPORT
if (( BAD > 0 || SOCKERR > 0 || HWM_GROWTH > LIMIT_MB * 1024 )); then
  echo "FAIL"; exit 1
fi
echo "PASS"
