#!/usr/bin/env bash
# The exporter's benchmark (issue 13), all on 127.0.0.1:
# 1. /probe throughput: THREADS concurrent scrapers (default 16) against COUNT loopback TLS endpoints
#    (default 200, bench/endpoints/serve.py), each GET /probe?target=… with a 10 s scrape timeout.
# 2. /metrics latency while the exporter rescans a corpus in the background (--interval 10s), e.g. the
#    100k corpus of ../shared/bench/gen_corpus.py: GET /metrics every 100 ms for SECONDS.
#
#   bench/exporter.sh [--bin PATH] [--corpus DIR] [--count N] [--threads N] [--seconds S]
#
# Default binary: .build/release/certaudit (no build). Without --corpus, part 2 is skipped. Prints a
# table and writes bench/out/exporter.json. Every process started here is stopped on exit.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=$ROOT/.build/release/certaudit CORPUS="" COUNT=200 THREADS=16 SECONDS_=20
while [ $# -gt 0 ]; do
    case "$1" in
        --bin) BIN=$2; shift 2 ;; --corpus) CORPUS=$2; shift 2 ;; --count) COUNT=$2; shift 2 ;;
        --threads) THREADS=$2; shift 2 ;; --seconds) SECONDS_=$2; shift 2 ;;
        -h|--help) sed -n 2,11p "$0"; exit 0 ;;
        *) echo "exporter.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
OUT=$ROOT/bench/out
mkdir -p "$OUT"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/certaudit-exporter.XXXXXX")
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT
ulimit -n 8192 2>/dev/null || true

wait_for() { # FILE PATTERN: until a line matches (60 s)
    for _ in $(seq 600); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
    echo "exporter.sh: no '$2' in $1" >&2; cat "$1" >&2; exit 1
}
start_exporter() { # NAME ARGS...: starts certaudit serve on a free port; sets PORT
    local name=$1; shift
    "$BIN" serve --listen 127.0.0.1:0 "$@" 2> "$TMP/$name.err" > /dev/null &
    PIDS+=($!)
    wait_for "$TMP/$name.err" "listening on"
    PORT=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\)\/.*/\1/p' "$TMP/$name.err" | head -1)
}

echo "== $COUNT TLS endpoints on 127.0.0.1"
python3 "$ROOT/bench/endpoints/serve.py" --count "$COUNT" --manifest "$TMP/manifest.json" --idle-seconds 2 \
    > "$TMP/serve.out" 2> "$TMP/serve.log" &
PIDS+=($!)
wait_for "$TMP/serve.out" "^READY"

echo "== /probe: $THREADS scrapers for $SECONDS_ s"
start_exporter probe --max-concurrent-probes 64
PROBE=$(python3 "$ROOT/bench/exporter/load.py" probe --port "$PORT" --manifest "$TMP/manifest.json" \
    --threads "$THREADS" --seconds "$SECONDS_")
echo "$PROBE"
METRICS=null
if [ -n "$CORPUS" ]; then
    echo "== /metrics every 100 ms while $CORPUS is rescanned (--interval 10s)"
    start_exporter metrics --interval 10s "$CORPUS"
    # Until the first scan is in, then through at least two more scans.
    for _ in $(seq 600); do
        curl -s "http://127.0.0.1:$PORT/metrics" | grep -q '^certaudit_exporter_scans_total 1' && break; sleep 0.5
    done
    METRICS=$(python3 "$ROOT/bench/exporter/load.py" metrics --port "$PORT" --seconds 40 --every 0.1)
    echo "$METRICS"
    SCAN=$(curl -s "http://127.0.0.1:$PORT/metrics" | sed -n 's/^certaudit_scan_duration_seconds //p')
    RSS=$(awk '/VmHWM/ {print $2}' "/proc/${PIDS[-1]}/status")
    METRICS=$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); d["scan_seconds"]=float(sys.argv[2]); d["exporter_peak_rss_kb"]=int(sys.argv[3]); print(json.dumps(d))' \
        "$METRICS" "$SCAN" "$RSS")
fi
python3 - "$PROBE" "$METRICS" "$OUT/exporter.json" <<'PY'
import json, sys
probe, metrics = json.loads(sys.argv[1]), json.loads(sys.argv[2])
json.dump({"probe": probe, "metrics": metrics}, open(sys.argv[3], "w"), indent=2)
print(f"\n/probe: {probe['probes_per_second']} probes/s ({probe['successes']} of {probe['requests']} succeeded, "
      f"{probe['threads']} scrapers, {probe['endpoints']} endpoints), latency p50 {probe['p50_ms']:.1f} ms, p99 {probe['p99_ms']:.1f} ms")
if metrics:
    print(f"/metrics during rescans: {metrics['requests']} requests, p50 {metrics['p50_ms']:.1f} ms, p99 {metrics['p99_ms']:.1f} ms, "
          f"max {metrics['max_ms']:.1f} ms, {metrics['body_bytes']} bytes; scans seen {metrics['scans_seen']}, "
          f"one scan {metrics['scan_seconds']:.1f} s; exporter peak RSS {metrics['exporter_peak_rss_kb'] // 1024} MB")
PY
