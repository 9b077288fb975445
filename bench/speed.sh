#!/usr/bin/env bash
# Speed at the I/O ceiling (issue 11): certaudit scan against the C DER walk and the Python script of
# ../shared/bench, side by side in one run, on corpora made by ../shared/bench/gen_corpus.py.
#
# usage: bench/speed.sh [--bin PATH] [--sizes "25000 100000 400000"] [--runs R] [--corpora DIR] [--check]
#
#   --bin PATH     certaudit binary (default: swift build -c release, then .build/release/certaudit)
#   --sizes LIST   corpus sizes in certificates; peers, cache and bundle runs use the one nearest 100,000
#   --runs R       timed runs per measurement (median wall, max RSS); default 3
#   --corpora DIR  keep generated corpora here and reuse them (default: a temporary folder, removed)
#   --check        exit 3 when a target is missed
#
# Writes a table to standard output and bench/out/speed.json. Needs python3 with cryptography, gcc,
# libssl-dev (the C walk), GNU time. Warm page cache: every corpus is read once before it is timed.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
SHARED=$(cd "$ROOT/../shared/bench" 2>/dev/null && pwd) || { echo "speed.sh: ../shared/bench not found" >&2; exit 2; }
BIN=""
SIZES="25000 100000 400000"
RUNS=3
CORPORA=""
CHECK=0
while [ $# -gt 0 ]; do
    case "$1" in
        --bin) BIN=$2; shift 2 ;;
        --sizes) SIZES=$2; shift 2 ;;
        --runs) RUNS=$2; shift 2 ;;
        --corpora) CORPORA=$2; shift 2 ;;
        --check) CHECK=1; shift ;;
        -h|--help) sed -n 2,14p "$0"; exit 0 ;;
        *) echo "speed.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
[ -x /usr/bin/time ] || { echo "speed.sh: GNU time is needed (apt-get install time)" >&2; exit 2; }
if [ -z "$BIN" ]; then
    (cd "$ROOT" && swift build -c release --product certaudit >&2)
    BIN="$ROOT/.build/release/certaudit"
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/certaudit-speed.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
if [ -z "$CORPORA" ]; then CORPORA="$TMP/corpora"; fi
mkdir -p "$CORPORA" "$HERE/out"
gcc -O2 -o "$TMP/c_ku_walk" "$SHARED/c_ku_walk.c" -lcrypto

# One measurement: prints "wall user sys maxrss_kb" (median wall of RUNS, its CPU, max RSS of all).
measure() {
    local runs=$1; shift
    local results=()
    for _ in $(seq "$runs"); do
        /usr/bin/time -f '%e %U %S %M' -o "$TMP/time" "$@" >"$TMP/stdout" 2>"$TMP/stderr" || {
            status=$?
            # certaudit exits 1 (findings) or 3 (unreadable junk) on the corpus; anything else is a failure.
            if [ "$status" -ne 1 ] && [ "$status" -ne 3 ]; then
                echo "speed.sh: '$*' failed ($status):" >&2; tail -5 "$TMP/stderr" >&2; exit 2
            fi
        }
        results+=("$(tail -1 "$TMP/time")")
    done
    printf '%s\n' "${results[@]}" | sort -n | awk -v n="$runs" '
        { wall[NR]=$1; user[NR]=$2; sys[NR]=$3; if ($4>rss) rss=$4 }
        END { m=int((n+1)/2); printf "%s %s %s %d\n", wall[m], user[m], sys[m], rss }'
}

corpus() {
    local n=$1
    local dir="$CORPORA/c$n"
    if [ ! -f "$dir.summary.json" ]; then
        rm -rf "$dir"
        echo "== generating $n certificates in $dir" >&2
        python3 "$SHARED/gen_corpus.py" --n "$n" --out "$dir" --seed 1 --jobs 2 >/dev/null
    fi
    dir=$(readlink -f "$dir")
    find "$dir" -type f -exec cat {} + >/dev/null
    echo "$dir"
}

certs_of() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["certs_total"])' "$1.summary.json"; }

ROWS="$TMP/rows"
: >"$ROWS"
row() { # name certs wall user sys rss
    echo "$1|$2|$3|$4|$5|$6" >>"$ROWS"
    awk -v name="$1" -v c="$2" -v w="$3" -v u="$4" -v s="$5" -v r="$6" 'BEGIN {
        printf "%-46s %8d %8.2f %7.2f %7.2f %10.0f %8.1f\n", name, c, w, u, s, (w > 0 ? c / w : 0), r / 1024 }'
}
printf '%-46s %8s %8s %7s %7s %10s %8s\n' "measurement" "certs" "wall s" "user" "sys" "certs/s" "RSS MB"

# The main size: the one nearest 100,000.
MAIN=$(for n in $SIZES; do echo "$(( n > 100000 ? n - 100000 : 100000 - n )) $n"; done | sort -n | head -1 | cut -d' ' -f2)
DIR=$(corpus "$MAIN")
CERTS=$(certs_of "$DIR")

read -r w u s r < <(measure "$RUNS" bash -c "find '$DIR' -type f -exec cat {} + >/dev/null")
row "cat of every file (find + cat)" "$CERTS" "$w" "$u" "$s" "$r"
read -r w u s r < <(measure "$RUNS" "$TMP/c_ku_walk" -m walk "$DIR")
row "C DER walk to KeyUsage, one thread" "$CERTS" "$w" "$u" "$s" "$r"; C_WALL=$w
read -r w u s r < <(measure "$RUNS" python3 "$SHARED/pyscan.py" "$DIR")
row "Python cryptography script, one process" "$CERTS" "$w" "$u" "$s" "$r"; PY_WALL=$w
read -r w u s r < <(measure "$RUNS" "$BIN" scan "$DIR")
row "certaudit scan (text to stdout)" "$CERTS" "$w" "$u" "$s" "$r"; TEXT_WALL=$w; TEXT_RSS=$r
read -r w u s r < <(measure "$RUNS" "$BIN" scan --format json --output "$TMP/report.json" "$DIR")
row "certaudit scan --format json --output FILE" "$CERTS" "$w" "$u" "$s" "$r"; JSON_WALL=$w

# Incremental: a cold scan that writes the cache, warm re-scans, then 1% of the files touched.
sleep 1.2  # files changed in the last second are never kept
rm -f "$TMP/facts.cache"
read -r w u s r < <(measure 1 "$BIN" scan --cache "$TMP/facts.cache" "$DIR")
row "certaudit scan --cache (cold, writes it)" "$CERTS" "$w" "$u" "$s" "$r"; COLD_CACHE_WALL=$w
read -r w u s r < <(measure "$RUNS" "$BIN" scan --cache "$TMP/facts.cache" "$DIR")
row "certaudit scan --cache (warm, unchanged)" "$CERTS" "$w" "$u" "$s" "$r"; WARM_WALL=$w; WARM_RSS=$r
CACHE_MB=$(( $(stat -c %s "$TMP/facts.cache") / 1048576 ))
find "$DIR" -type f | sort | awk 'NR % 100 == 0' | xargs touch
sleep 1.2
read -r w u s r < <(measure 1 "$BIN" scan --cache "$TMP/facts.cache" --format json --output "$TMP/warm1.json" "$DIR")
row "certaudit scan --cache (1% of files touched)" "$CERTS" "$w" "$u" "$s" "$r"
CHANGED=$(python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["summary"]["cache"]; print(c["read"], c["reused"])' "$TMP/warm1.json")

# Scaling: the text scan at every size.
declare -A SCALE_RSS SCALE_RATE
for n in $SIZES; do
    d=$(corpus "$n"); c=$(certs_of "$d")
    read -r w u s r < <(measure "$RUNS" "$BIN" scan "$d")
    row "certaudit scan, $n-certificate corpus" "$c" "$w" "$u" "$s" "$r"
    SCALE_RSS[$n]=$r; SCALE_RATE[$n]=$(awk -v c="$c" -v w="$w" 'BEGIN { printf "%.0f", c / w }')
done

# One 55 MB-class bundle of 100,000 certificates (the corpus' single-certificate PEM files, cycled).
python3 - "$DIR" "$TMP/bundle.pem" <<'PY'
import os, sys
blocks = []
for folder, _, names in sorted(os.walk(sys.argv[1])):
    for name in sorted(names):
        data = open(os.path.join(folder, name), "rb").read()
        if data.count(b"-----BEGIN CERTIFICATE-----") == 1 and data.startswith(b"-----BEGIN"):
            blocks.append(data if data.endswith(b"\n") else data + b"\n")
    if len(blocks) >= 100000:
        break
with open(sys.argv[2], "wb") as out:
    for index in range(100000):
        out.write(blocks[index % len(blocks)])
PY
BUNDLE_MB=$(( $(stat -c %s "$TMP/bundle.pem") / 1048576 ))
read -r w u s r < <(measure "$RUNS" "$BIN" scan --max-file-size 128M --format json --output "$TMP/bundle.json" "$TMP/bundle.pem")
row "certaudit scan, one ${BUNDLE_MB} MB bundle" 100000 "$w" "$u" "$s" "$r"
read -r w u s r < <(measure "$RUNS" "$TMP/c_ku_walk" -m walk "$TMP/bundle.pem")
row "C DER walk, the same bundle" 100000 "$w" "$u" "$s" "$r"

# The hostile-input case: 64 links to a 10 MB bundle (bench/memory.sh).
MEMORY=$("$HERE/memory.sh" --bin "$BIN" | awk '/^scan \(text\)/ { print $(NF-1) }')

python3 - "$ROWS" "$HERE/out/speed.json" <<PY
import json, sys
rows = [dict(zip(["name", "certificates", "wall", "user", "sys", "rssKB"], line.strip().split("|"))) for line in open(sys.argv[1])]
for row in rows:
    for key in ["certificates", "wall", "user", "sys", "rssKB"]:
        row[key] = float(row[key])
summary = {
    "corpus": "$DIR", "certificates": $CERTS,
    "textVsPython": $PY_WALL / $TEXT_WALL, "textVsCWalk": $C_WALL / $TEXT_WALL,
    "jsonVsPython": $PY_WALL / $JSON_WALL, "jsonVsCWalk": $C_WALL / $JSON_WALL,
    "warmSpeedup": $TEXT_WALL / $WARM_WALL, "cacheMB": $CACHE_MB,
    "onePercentReadReused": "$CHANGED", "bundleMB": $BUNDLE_MB, "hostileBundlesPeakRSSMB": "$MEMORY",
    "rows": rows,
}
json.dump(summary, open(sys.argv[2], "w"), indent=2)
PY

echo
awk -v p="$PY_WALL" -v c="$C_WALL" -v t="$TEXT_WALL" -v j="$JSON_WALL" -v warm="$WARM_WALL" 'BEGIN {
    printf "text scan: %.2fx the Python script (target 3x), %.2fx the C walk (target 0.7x)\n", p / t, c / t
    printf "JSON scan: %.2fx the Python script (target 3x), %.2fx the C walk (target 0.7x)\n", p / j, c / j
    printf "warm re-scan with --cache: %.1fx faster than the cold text scan (target 5x)\n", t / warm }'
echo "cache file: $CACHE_MB MB; after touching 1% of the files: read, reused = $CHANGED"
printf 'peak RSS by size (MB):'; for n in $SIZES; do printf ' %s: %.0f' "$n" "$(( ${SCALE_RSS[$n]} / 1024 ))"; done; echo
printf 'certs/s by size:'; for n in $SIZES; do printf ' %s: %s' "$n" "${SCALE_RATE[$n]}"; done; echo
echo "64 links to a 10 MB bundle (bench/memory.sh): peak RSS $MEMORY MB"
echo "written: bench/out/speed.json"

if [ "$CHECK" -eq 1 ]; then
    awk -v p="$PY_WALL" -v c="$C_WALL" -v t="$TEXT_WALL" -v j="$JSON_WALL" -v warm="$WARM_WALL" -v rss="$TEXT_RSS" 'BEGIN {
        bad = (p / t < 3) || (c / t < 0.7) || (p / j < 3) || (c / j < 0.7) || (t / warm < 5) || (rss > 100 * 1024)
        exit bad ? 3 : 0 }' || { echo "speed.sh: a target is missed" >&2; exit 3; }
fi
