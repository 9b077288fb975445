#!/usr/bin/env bash
# certaudit git pre-commit hook: audits the certificate files being committed.
#
# Install (per repository):
#   install -m 755 contrib/pre-commit/certaudit-hook.sh .git/hooks/pre-commit
#
# It scans only staged, added/copied/modified files whose names end in .pem .crt .cer .der .p7b .p12
# or .pfx (any case); .key files are left out (private keys hold no certificate). It scans the
# *staged* content (exported from the index to a temporary folder), not the working-tree copy, so
# what is checked is exactly what gets committed.
#
# Exit status: 0 when no certificate file is staged or the scan passes; 1 findings at or above
# `error`; 3 a staged file could not be read; 2 certaudit usage/rule error or certaudit missing.
#
# Settings (environment): CERTAUDIT (binary, default `certaudit`), CERTAUDIT_HOOK_ARGS (extra scan
# options, space-separated, e.g. "--profile all"), CERTAUDIT_HOOK_PASSWORD_FILE (passed as
# --password-file for .p12/.pfx), CERTAUDIT_PFX_PASSWORD (read by certaudit itself).
set -euo pipefail

certaudit=${CERTAUDIT:-certaudit}
bypass="To commit anyway (not recommended): git commit --no-verify"

# Staged certificate-like files, NUL-separated so any file name works.
files=()
while IFS= read -r -d '' path; do
  case "$path" in
    *.[pP][eE][mM] | *.[cC][rR][tT] | *.[cC][eE][rR] | *.[dD][eE][rR] | *.[pP]7[bB] | *.[pP]12 | *.[pP][fF][xX])
      files+=("$path")
      ;;
  esac
done < <(git diff --cached --name-only --diff-filter=ACM -z)

if [ ${#files[@]} -eq 0 ]; then
  exit 0
fi

if ! command -v "$certaudit" >/dev/null 2>&1; then
  echo "certaudit pre-commit hook: '$certaudit' not found in PATH; cannot audit ${#files[@]} staged certificate file(s)." >&2
  echo "$bypass" >&2
  exit 2
fi

# Export the staged versions under the same relative paths, so messages name repository paths.
staged=$(mktemp -d "${TMPDIR:-/tmp}/certaudit-hook.XXXXXX")
trap 'rm -rf -- "$staged"' EXIT
printf '%s\0' "${files[@]}" | git checkout-index -z --stdin --prefix="$staged/"

args=(scan --fail-on error)
if [ -n "${CERTAUDIT_HOOK_ARGS:-}" ]; then
  read -r -a extra <<< "$CERTAUDIT_HOOK_ARGS"
  args+=("${extra[@]}")
fi
if [ -n "${CERTAUDIT_HOOK_PASSWORD_FILE:-}" ]; then
  args+=(--password-file "$(realpath -- "$CERTAUDIT_HOOK_PASSWORD_FILE")")
fi

status=0
(cd "$staged" && "$certaudit" "${args[@]}" -- "${files[@]}") || status=$?

case $status in
  0) exit 0 ;;
  1) echo "certaudit: staged certificate(s) have findings at or above 'error' (see above); commit refused." >&2 ;;
  3) echo "certaudit: a staged certificate file could not be read (see above); commit refused." >&2 ;;
  2) echo "certaudit: usage or rule error (status 2); commit refused." >&2 ;;
  *) echo "certaudit: failed with status $status; commit refused." >&2 ;;
esac
echo "$bypass" >&2
exit "$status"
