#!/usr/bin/env bash
# Times `certaudit remediate` on N broken self-signed RSA-2048 certificates: with new RSA-2048 keys
# (generated in parallel on all cores) and with --key reuse (keys beside the certificates).
# usage: bench/remediate.sh [--count N] [--bin PATH]
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
COUNT=100
BIN=""
while [ $# -gt 0 ]; do
    case "$1" in
        --count) COUNT=$2; shift 2 ;;
        --bin) BIN=$2; shift 2 ;;
        *) echo "usage: bench/remediate.sh [--count N] [--bin PATH]" >&2; exit 2 ;;
    esac
done
if [ -z "$BIN" ]; then
    (cd "$ROOT" && swift build -c release --product certaudit)
    BIN="$ROOT/.build/release/certaudit"
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/certaudit-remediate-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
python3 "$HERE/make_broken_certs.py" --out "$TMP/certs" --count "$COUNT"
for mode in new reuse; do
    /usr/bin/time -f "%e %M" -o "$TMP/$mode.time" \
        "$BIN" remediate --key "$mode" --out "$TMP/out-$mode" "$TMP/certs" >"$TMP/$mode.log"
    read -r seconds kib <"$TMP/$mode.time"
    written=$(grep -c ': wrote ' "$TMP/$mode.log" || true)
    echo "remediate --key $mode: $written of $COUNT certificates in $seconds s, peak RSS $((kib / 1024)) MB"
done
