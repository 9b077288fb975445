#!/usr/bin/env bash
# Live-endpoint benchmark: certaudit scan --targets vs SSLyze --certinfo on the same endpoints,
# direct and through a 20 ms (each way) delaying proxy, all on 127.0.0.1.
#
#   bench/endpoints.sh [CERTAUDIT_BINARY]        (default .build/release/certaudit; no build)
#
# Environment:
#   COUNT=1000          endpoints (try 50 first)
#   DELAY_MS=20         one-way delay of the proxy
#   RUNS="direct delayed direct-quarter"
#                       which target lists to time; direct-quarter is the first COUNT/4 direct
#                       endpoints (peak RSS there vs. the full list shows whether memory is flat)
#   TOOLS="sslyze certaudit"   which tools to time (TOOLS=sslyze needs no certaudit binary)
#   CONCURRENCY=N       passed to certaudit as --concurrency N (default: certaudit's own)
#   CERTAUDIT_ARGS=...  more certaudit scan options
#   SSLYZE_ARGS=...     more sslyze options (e.g. --slow_connection)
#   SSLYZE_VENV=DIR     default .build-tools/sslyze-venv (made with `python3 -m venv` and
#                       `pip install sslyze` when it has no bin/sslyze)
#   PYTHON=/usr/bin/python3   runs serve.py, delay_proxy.py and check.py (stdlib only)
#   OUT=bench/out/endpoints   manifests, target lists, outputs, logs, results.{md,json}
#   CHECK=1             exit 3 if a target is missed (verdicts, 5x sslyze's endpoints/s)
#
# Only 127.0.0.1 is used. Every process started here is stopped on exit (trap).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HERE=$ROOT/bench/endpoints
CERTAUDIT=${1:-$ROOT/.build/release/certaudit}
COUNT=${COUNT:-1000}
DELAY_MS=${DELAY_MS:-20}
RUNS=${RUNS:-direct delayed direct-quarter}
TOOLS=${TOOLS:-sslyze certaudit}
PYTHON=${PYTHON:-/usr/bin/python3}
[ -x "$PYTHON" ] || PYTHON=python3
SSLYZE_VENV=${SSLYZE_VENV:-$ROOT/.build-tools/sslyze-venv}
OUT=${OUT:-$ROOT/bench/out/endpoints}
TIME=/usr/bin/time

log() { printf 'endpoints.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 2; }
has_tool() { [[ " $TOOLS " == *" $1 "* ]]; }

[[ "$COUNT" =~ ^[1-9][0-9]*$ ]] || die "COUNT must be a positive integer"
[ -x "$TIME" ] || die "$TIME (GNU time, Debian package 'time') is needed for peak RSS"
command -v openssl >/dev/null || die "openssl is needed (serve.py reads KeyUsage with it)"

# --- tools -----------------------------------------------------------------------------------------
if has_tool certaudit; then
    [ -x "$CERTAUDIT" ] || die "no certaudit binary at $CERTAUDIT (build it, pass its path, or TOOLS=sslyze)"
    if ! "$CERTAUDIT" scan --help 2>&1 | grep -q -- '--targets'; then
        die "$CERTAUDIT has no 'scan --targets' option yet (run TOOLS=sslyze for the SSLyze half)"
    fi
fi
if has_tool sslyze; then
    SSLYZE=$SSLYZE_VENV/bin/sslyze
    if [ ! -x "$SSLYZE" ]; then
        log "installing SSLyze into $SSLYZE_VENV (PyPI)"
        mkdir -p "$(dirname "$SSLYZE_VENV")"
        "$PYTHON" -m venv "$SSLYZE_VENV"
        "$SSLYZE_VENV/bin/pip" install --quiet sslyze
    fi
    SSLYZE_VERSION=$("$SSLYZE" --help 2>/dev/null | sed -n 's/^SSLyze version //p')
    log "SSLyze ${SSLYZE_VERSION:-?} at $SSLYZE"
fi

# Descriptors: serve.py holds COUNT listeners, the proxy COUNT more plus two per connection.
need=$((2 * COUNT + 4096))
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$need" ]; then
    hard=$(ulimit -Hn)
    if [ "$hard" = unlimited ] || [ "$hard" -ge "$need" ]; then ulimit -n "$need"; else ulimit -n "$hard"; fi
    log "ulimit -n raised to $(ulimit -n)"
fi

mkdir -p "$OUT"
rm -f "$OUT"/results.jsonl

# --- processes and cleanup -------------------------------------------------------------------------
SERVE_PID= PROXY_PID= TOOL_PID=
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [ -n "$TOOL_PID" ] && kill -0 "$TOOL_PID" 2>/dev/null; then
        pkill -TERM -P "$TOOL_PID" 2>/dev/null || true   # the tool under /usr/bin/time
        kill -TERM "$TOOL_PID" 2>/dev/null || true
    fi
    for pid in $PROXY_PID $SERVE_PID; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in $TOOL_PID $PROXY_PID $SERVE_PID; do
        wait "$pid" 2>/dev/null || true
    done
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# wait_ready PID STDOUT_FILE NAME: until the process prints READY (60 s at most)
wait_ready() {
    local pid=$1 file=$2 name=$3 i
    for ((i = 0; i < 600; i++)); do
        grep -q '^READY' "$file" 2>/dev/null && return 0
        kill -0 "$pid" 2>/dev/null || { cat "$OUT/$name.log" >&2 || true; die "$name exited before READY"; }
        sleep 0.1
    done
    die "$name not READY after 60 s"
}

log "starting $COUNT endpoints on 127.0.0.1"
"$PYTHON" "$HERE/serve.py" --count "$COUNT" --manifest "$OUT/manifest-direct.json" \
    >"$OUT/serve.out" 2>"$OUT/serve.log" &
SERVE_PID=$!
wait_ready "$SERVE_PID" "$OUT/serve.out" serve
"$PYTHON" "$HERE/delay_proxy.py" --manifest "$OUT/manifest-direct.json" --out "$OUT/manifest-delayed.json" \
    --delay-ms "$DELAY_MS" >"$OUT/proxy.out" 2>"$OUT/proxy.log" &
PROXY_PID=$!
wait_ready "$PROXY_PID" "$OUT/proxy.out" proxy
cat "$OUT/serve.log" >&2
cat "$OUT/proxy.log" >&2

QUARTER=$(( COUNT >= 4 ? COUNT / 4 : 1 ))
for run in direct delayed direct-quarter; do
    case $run in
        direct-quarter) manifest=$OUT/manifest-direct.json limit=$QUARTER ;;
        *) manifest=$OUT/manifest-$run.json limit=0 ;;
    esac
    "$PYTHON" "$HERE/check.py" targets "$manifest" --limit "$limit" \
        --sslyze "$OUT/targets-$run-sslyze.txt" --certaudit "$OUT/targets-$run-certaudit.txt"
done

# cpu_ticks PID: user+system CPU of a process so far, in clock ticks (0 if gone)
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
CLK_TCK=$(getconf CLK_TCK)

# run_tool RUN TOOL: one timed run, recorded in results.jsonl
run_tool() {
    local run=$1 tool=$2 manifest endpoints json=$OUT/$2-$1.json rc start end serve0 proxy0
    manifest=$OUT/manifest-${run%-quarter}.json
    endpoints=$(grep -vc '^#' "$OUT/targets-$run-sslyze.txt")
    rm -f "$json"
    local -a cmd
    if [ "$tool" = sslyze ]; then
        # shellcheck disable=SC2206
        cmd=("$SSLYZE" --certinfo --targets_in "$OUT/targets-$run-sslyze.txt" --json_out "$json" ${SSLYZE_ARGS:-})
    else
        # shellcheck disable=SC2206
        cmd=("$CERTAUDIT" scan --targets "$OUT/targets-$run-certaudit.txt" --format json --output "$json"
             --fail-on never ${CONCURRENCY:+--concurrency "$CONCURRENCY"} ${CERTAUDIT_ARGS:-})
    fi
    log "$run: $tool, $endpoints endpoints"
    serve0=$(cpu_ticks "$SERVE_PID") proxy0=$(cpu_ticks "$PROXY_PID")
    start=$EPOCHREALTIME
    "$TIME" -v -o "$OUT/$tool-$run.time" "${cmd[@]}" >"$OUT/$tool-$run.log" 2>&1 &
    TOOL_PID=$!
    rc=0
    wait "$TOOL_PID" || rc=$?
    end=$EPOCHREALTIME
    TOOL_PID=
    [ "$rc" -eq 0 ] || log "$run: $tool exited $rc (see $OUT/$tool-$run.log)"
    "$PYTHON" "$HERE/check.py" record "$OUT/results.jsonl" --run "$run" --tool "$tool" --manifest "$manifest" \
        --json "$json" --time "$OUT/$tool-$run.time" --endpoints "$endpoints" --exit "$rc" \
        --wall "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')" \
        --serve-cpu "$(awk -v a="$serve0" -v b="$(cpu_ticks "$SERVE_PID")" -v t="$CLK_TCK" 'BEGIN { printf "%.2f", (b - a) / t }')" \
        --proxy-cpu "$(awk -v a="$proxy0" -v b="$(cpu_ticks "$PROXY_PID")" -v t="$CLK_TCK" 'BEGIN { printf "%.2f", (b - a) / t }')"
}

# Untimed warm-up: each tool once on two endpoints (loads binaries, libraries, trust stores).
head -2 "$OUT/targets-direct-sslyze.txt" >"$OUT/targets-warmup-sslyze.txt"
{ echo '# warm-up'; grep -v '^#' "$OUT/targets-direct-certaudit.txt" | head -2; } >"$OUT/targets-warmup-certaudit.txt"
if has_tool sslyze; then
    "$SSLYZE" --certinfo --targets_in "$OUT/targets-warmup-sslyze.txt" --json_out "$OUT/warmup-sslyze.json" \
        >"$OUT/warmup-sslyze.log" 2>&1 || log "SSLyze warm-up exited $? (see $OUT/warmup-sslyze.log)"
fi
if has_tool certaudit; then
    "$CERTAUDIT" scan --targets "$OUT/targets-warmup-certaudit.txt" --format json --output "$OUT/warmup-certaudit.json" \
        --fail-on never >"$OUT/warmup-certaudit.log" 2>&1 || log "certaudit warm-up exited $? (see $OUT/warmup-certaudit.log)"
fi

for run in $RUNS; do
    case $run in direct|delayed|direct-quarter) ;; *) die "unknown run '$run' (direct, delayed, direct-quarter)";; esac
    for tool in $TOOLS; do
        case $tool in sslyze|certaudit) ;; *) die "unknown tool '$tool' (sslyze, certaudit)";; esac
        run_tool "$run" "$tool"
        sleep 1
    done
done

log "TIME-WAIT sockets now: $(($(ss -tan state time-wait 2>/dev/null | wc -l) - 1))"
echo
echo "## Live endpoints: $COUNT on 127.0.0.1, delayed run through a ${DELAY_MS} ms (each way) proxy"
echo
status=0
"$PYTHON" "$HERE/check.py" report "$OUT/results.jsonl" --out-json "$OUT/results.json" --out-md "$OUT/results.md" \
    ${CHECK:+--check} || status=$?
log "results: $OUT/results.md, $OUT/results.json"
exit "$status"
