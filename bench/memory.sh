#!/usr/bin/env bash
# Peak memory of certaudit on a hostile tree: 64 hard links to one 10 MB PEM bundle (about 7,000
# Veeam ONE 10a certificates each, three findings apiece), the case that peaked at 2.7 GB when work in flight was bounded by file count.
# Target (issue 8): peak RSS under 300 MB with the default --max-file-size. See bench/README.md.
#
# usage: bench/memory.sh [--bin PATH] [--links N]
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
BIN=""
LINKS=64
while [ $# -gt 0 ]; do
    case "$1" in
        --bin) BIN=$2; shift 2 ;;
        --links) LINKS=$2; shift 2 ;;
        *) echo "usage: bench/memory.sh [--bin PATH] [--links N]" >&2; exit 2 ;;
    esac
done
if [ -z "$BIN" ]; then
    (cd "$ROOT" && swift build -c release --product certaudit >&2)
    BIN="$ROOT/.build/release/certaudit"
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/certaudit-memory.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
mkdir "$TMP/tree"
python3 - "$ROOT/samples/veeam/veeam-one-10a.crt" "$TMP/tree/bundle-00.pem" <<'PY'
import sys
one = open(sys.argv[1], "rb").read()
limit = 10 * 1024 * 1024 - 4096
with open(sys.argv[2], "wb") as out:
    written = 0
    while written + len(one) <= limit:
        out.write(one)
        written += len(one)
PY
for i in $(seq 1 $((LINKS - 1))); do ln "$TMP/tree/bundle-00.pem" "$TMP/tree/bundle-$(printf %02d "$i").pem"; done
SIZE=$(stat -c %s "$TMP/tree/bundle-00.pem")
# Peak RSS of the child, from getrusage(RUSAGE_CHILDREN) (GNU time is not on every machine).
measure() {
    python3 - "$@" <<'PY'
import resource, subprocess, sys, time
t = time.monotonic()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
elapsed = time.monotonic() - t
print(f"{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f} {elapsed:.2f}")
PY
}
echo "tree: $LINKS hard links to one $((SIZE / 1024 / 1024)) MB PEM bundle ($(grep -c BEGIN "$TMP/tree/bundle-00.pem") certificates each)"
printf '%-40s %10s %8s\n' "invocation" "peak MB" "seconds"
read -r rss secs < <(measure "$BIN" scan "$TMP/tree")
printf '%-40s %10s %8s\n' "scan (text)" "$rss" "$secs"
read -r rss secs < <(measure "$BIN" scan --format json --output "$TMP/out.json" "$TMP/tree")
printf '%-40s %10s %8s\n' "scan --format json --output FILE" "$rss" "$secs"
read -r rss secs < <(measure "$BIN" scan --report sarif:"$TMP/r.sarif" --report html:"$TMP/r.html" "$TMP/tree")
printf '%-40s %10s %8s\n' "scan --report sarif --report html" "$rss" "$secs"
