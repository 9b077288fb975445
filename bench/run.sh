#!/usr/bin/env bash
# certaudit benchmark runner: certaudit scan vs. the Python `cryptography` baseline.
# See bench/README.md.
set -euo pipefail

usage() {
    cat <<'EOF'
usage: bench/run.sh [--certs N] [--bin PATH] [--runs R] [--seed S] [--check]

  --certs N   certificates in the main corpus (default 100000); a second corpus
              of N/4 is generated to check that peak RSS stays flat
  --bin PATH  certaudit binary to benchmark; without it, runs
              `swift build -c release --product certaudit` in the repo root
              and uses .build/release/certaudit
  --runs R    timed runs per measurement (default 3): median seconds, max RSS
  --seed S    corpus seed (default 1)
  --check     exit 3 if a target in bench/README.md is missed

Environment: PYTHON (default python3), BENCH_PY_TIMER=1 forces the Python
timing wrapper instead of GNU /usr/bin/time.
Writes bench/out/results.json.
EOF
}

die() { echo "run.sh: $*" >&2; exit 2; }

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
PY=${PYTHON:-python3}
CERTS=100000
BIN=""
RUNS=3
SEED=1
CHECK=0

while [ $# -gt 0 ]; do
    case "$1" in
        --certs) [ $# -ge 2 ] || die "--certs needs a value"; CERTS=$2; shift 2 ;;
        --certs=*) CERTS=${1#*=}; shift ;;
        --bin) [ $# -ge 2 ] || die "--bin needs a value"; BIN=$2; shift 2 ;;
        --bin=*) BIN=${1#*=}; shift ;;
        --runs) [ $# -ge 2 ] || die "--runs needs a value"; RUNS=$2; shift 2 ;;
        --runs=*) RUNS=${1#*=}; shift ;;
        --seed) [ $# -ge 2 ] || die "--seed needs a value"; SEED=$2; shift 2 ;;
        --seed=*) SEED=${1#*=}; shift ;;
        --check) CHECK=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
done
[[ "$CERTS" =~ ^[0-9]+$ ]] && [ "$CERTS" -ge 4 ] || die "--certs must be an integer >= 4"
[[ "$RUNS" =~ ^[0-9]+$ ]] && [ "$RUNS" -ge 1 ] || die "--runs must be an integer >= 1"
[[ "$SEED" =~ ^[0-9]+$ ]] || die "--seed must be a non-negative integer"
"$PY" -c 'import cryptography' 2>/dev/null || die "$PY cannot import cryptography"

# --- binary ---------------------------------------------------------------
if [ -z "$BIN" ]; then
    command -v swift >/dev/null || die "no --bin given and swift is not on PATH"
    echo "== building certaudit (swift build -c release --product certaudit)"
    (cd "$ROOT" && swift build -c release --product certaudit)
    BIN="$ROOT/.build/release/certaudit"
fi
[ -f "$BIN" ] && [ -x "$BIN" ] || die "not an executable file: $BIN"
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")

# --- scratch space ----------------------------------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/certaudit-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- timer: GNU time, or a getrusage(RUSAGE_CHILDREN) wrapper ---------------
cat >"$TMP/ptime.py" <<'EOF'
import resource, subprocess, sys, time
out, cmd = sys.argv[1], sys.argv[2:]
t = time.monotonic()
try:
    rc = subprocess.call(cmd)
except OSError as e:
    print(f"ptime: {e}", file=sys.stderr)
    rc = 127
elapsed = time.monotonic() - t
kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
with open(out, "w") as f:
    f.write(f"{elapsed:.2f} {kib}\n")
sys.exit(rc if rc >= 0 else 128 - rc)
EOF
if [ -z "${BENCH_PY_TIMER:-}" ] && [ -x /usr/bin/time ] \
    && /usr/bin/time -f '%e %M' -o "$TMP/probe" true 2>/dev/null \
    && [[ "$(tail -n1 "$TMP/probe")" =~ ^[0-9.]+\ [0-9]+$ ]]; then
    TIMER=gnu-time
else
    TIMER=python-getrusage
    [ -n "${BENCH_PY_TIMER:-}" ] || echo "note: GNU /usr/bin/time not found (Debian: apt-get install time); using the Python getrusage wrapper" >&2
fi

# timed LABEL OK_CODES CMD...  -> runs CMD, appends "seconds kib rc" to $TMP/LABEL.runs
timed() {
    local label=$1 ok=$2 rc=0
    shift 2
    if [ "$TIMER" = gnu-time ]; then
        /usr/bin/time -f '%e %M' -o "$TMP/$label.time" "$@" >"$TMP/$label.stdout" 2>"$TMP/$label.stderr" || rc=$?
    else
        "$PY" "$TMP/ptime.py" "$TMP/$label.time" "$@" >"$TMP/$label.stdout" 2>"$TMP/$label.stderr" || rc=$?
    fi
    if [[ " $ok " != *" $rc "* ]]; then
        echo "run.sh: '$label' exited with $rc (accepted: $ok)" >&2
        echo "--- stderr (last 20 lines):" >&2; tail -n 20 "$TMP/$label.stderr" >&2 || true
        echo "--- stdout (last 20 lines):" >&2; tail -n 20 "$TMP/$label.stdout" >&2 || true
        exit 1
    fi
    # GNU time prepends "Command exited with non-zero status N" when N != 0.
    echo "$(tail -n1 "$TMP/$label.time") $rc" >>"$TMP/$label.runs"
}

# --- corpora -----------------------------------------------------------------
SMALL=$((CERTS / 4))
echo "== generating corpora: $CERTS and $SMALL certificates (seed $SEED) in $TMP"
"$PY" "$HERE/make_corpus.py" --out "$TMP/corpus" --certs "$CERTS" --seed "$SEED" \
    --manifest "$TMP/corpus.json" --quiet
"$PY" "$HERE/make_corpus.py" --out "$TMP/corpus-small" --certs "$SMALL" --seed "$((SEED + 1))" \
    --manifest "$TMP/corpus-small.json" --quiet

echo "== warming the page cache"
find "$TMP/corpus" "$TMP/corpus-small" -type f -exec cat {} + >/dev/null
# One untimed scan: loads the binary and its libraries, and fails fast if it is broken.
timed warmup "0 1 3" "$BIN" scan --format json --output "$TMP/report-warmup.json" "$TMP/corpus-small"
rm -f "$TMP/report-warmup.json"

echo "== timing ($RUNS run(s) each, timer: $TIMER)"
for i in $(seq "$RUNS"); do
    echo "   run $i/$RUNS: certaudit ($CERTS)"
    timed certaudit "0 1 3" "$BIN" scan --format json --output "$TMP/report.json" "$TMP/corpus"
    echo "   run $i/$RUNS: certaudit, text report ($CERTS)"
    timed certaudit-text "0 1 3" "$BIN" scan "$TMP/corpus"
    echo "   run $i/$RUNS: python ($CERTS)"
    timed python "0" "$PY" "$HERE/python_keyusage.py" "$TMP/corpus"
    echo "   run $i/$RUNS: certaudit ($SMALL)"
    timed certaudit-small "0 1 3" "$BIN" scan --format json --output "$TMP/report-small.json" "$TMP/corpus-small"
done

# --- report --------------------------------------------------------------------
mkdir -p "$HERE/out"
RESULTS="$HERE/out/results.json"
rc=0
"$PY" - "$TMP" "$RESULTS" "$BIN" "$TIMER" "$RUNS" "$SEED" "$CHECK" <<'EOF' || rc=$?
import datetime, json, os, platform, statistics, sys

tmp, results_path, binary, timer, runs, seed, check = sys.argv[1:8]

def load_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None

def last_json_line(path):
    try:
        with open(path) as f:
            lines = [l for l in f.read().splitlines() if l.strip().startswith("{")]
        return json.loads(lines[-1]) if lines else None
    except (OSError, ValueError):
        return None

def scan_count(report):
    try:
        n = report["summary"]["certificates"]
        return n if isinstance(n, int) else None
    except (KeyError, TypeError):
        return None

def measure(label):
    rows = []
    with open(os.path.join(tmp, label + ".runs")) as f:
        for line in f:
            s, kib, rc = line.split()
            rows.append((float(s), int(kib), int(rc)))
    return {
        "runs_seconds": [r[0] for r in rows],
        "seconds": round(statistics.median(r[0] for r in rows), 3),
        "peak_rss_mb": round(max(r[1] for r in rows) / 1024, 1),
        "exit_codes": sorted({r[2] for r in rows}),
    }

big = load_json(os.path.join(tmp, "corpus.json"))
small = load_json(os.path.join(tmp, "corpus-small.json"))
py_out = last_json_line(os.path.join(tmp, "python.stdout")) or {}

runs_out = []
for tool, label, corpus, reported in (
    ("certaudit (json)", "certaudit", big, scan_count(load_json(os.path.join(tmp, "report.json")))),
    ("certaudit (text)", "certaudit-text", big, None),
    ("python-cryptography", "python", big, py_out.get("certificates")),
    ("certaudit (N/4)", "certaudit-small", small,
     scan_count(load_json(os.path.join(tmp, "report-small.json")))),
):
    m = measure(label)
    n = corpus["certificates"]
    m.update({
        "tool": tool,
        "certificates": n,
        "files": corpus["files"],
        "reported_certificates": reported,
        "certs_per_second": round(n / max(m["seconds"], 0.01)),
    })
    runs_out.append(m)

ca, ca_text, py, ca_small = runs_out
# Targets are judged on the default invocation (default profiles, default text report); the JSON row
# shows the cost of writing (and fsyncing) a full per-certificate JSON report on top.
ratio = ca_text["certs_per_second"] / py["certs_per_second"]
growth = ca["peak_rss_mb"] / max(ca_small["peak_rss_mb"], 0.1)
targets = {
    "throughput_ratio_vs_python": {"value": round(ratio, 2), "target": ">= 2.0", "ok": ratio >= 2.0},
    "certs_per_second": {"value": ca_text["certs_per_second"], "target": ">= 60000",
                         "ok": ca_text["certs_per_second"] >= 60000},
    "peak_rss_mb": {"value": ca["peak_rss_mb"], "target": "< 300", "ok": ca["peak_rss_mb"] < 300},
    "rss_growth_n_vs_n_over_4": {"value": round(growth, 2), "target": "<= 1.5", "ok": growth <= 1.5},
}

print()
hdr = f"{'tool':<22}{'certificates':>13}{'scan says':>11}{'seconds':>9}{'certs/s':>10}{'peak RSS MB':>13}"
print(hdr)
print("-" * len(hdr))
for r in runs_out:
    said = "-" if r["reported_certificates"] is None else str(r["reported_certificates"])
    flag = "" if r["reported_certificates"] in (None, r["certificates"]) else "  (!) count mismatch"
    print(f"{r['tool']:<22}{r['certificates']:>13}{said:>11}{r['seconds']:>9.2f}"
          f"{r['certs_per_second']:>10}{r['peak_rss_mb']:>13.1f}{flag}")
print()
print(f"ratio certaudit/python (certs/s): {ratio:.2f}x with the default text report, "
      f"{ca['certs_per_second'] / py['certs_per_second']:.2f}x with the full JSON report")
print(f"peak RSS certaudit: {ca['peak_rss_mb']:.1f} MB at {ca['certificates']} certs, "
      f"{ca_small['peak_rss_mb']:.1f} MB at {ca_small['certificates']} ({growth:.2f}x)")
print()
for name, t in targets.items():
    print(f"  [{'ok' if t['ok'] else 'MISS'}] {name}: {t['value']} (target {t['target']})")

result = {
    "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    "host": {"cpus": os.cpu_count(), "platform": platform.platform(),
             "python": platform.python_version()},
    "binary": binary,
    "timer": timer,
    "runs_per_measurement": int(runs),
    "seed": int(seed),
    "corpus": big,
    "corpus_small": small,
    "python_output": py_out,
    "results": runs_out,
    "ratio_certaudit_over_python": round(ratio, 3),
    "targets": targets,
}
with open(results_path, "w") as f:
    json.dump(result, f, indent=2)
    f.write("\n")
print(f"\nwrote {results_path}")
if check == "1" and not all(t["ok"] for t in targets.values()):
    sys.exit(3)
EOF
exit "$rc"
