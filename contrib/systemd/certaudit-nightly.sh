#!/usr/bin/env bash
# certaudit nightly audit, run by certaudit-nightly.service.
# Install: install -D -m 755 contrib/systemd/certaudit-nightly.sh /usr/local/libexec/certaudit-nightly.sh
# (the Debian package installs it as /usr/libexec/certaudit/certaudit-nightly.sh).
#
# 1. scan: records a run in the history database, writes the Prometheus textfile and the HTML page;
# 2. report: compares that run with the previous one and prints a Markdown summary (to the journal,
#    and to $STATE_DIR/latest-report.md).
# The script's exit status is the report's: 1 when there are new errors since the previous run, so
# the unit fails and OnFailure= / monitoring can act. A scan that could not run at all (status 2 or
# anything unexpected) also fails the unit, and no report is made from a run that was not recorded.
#
# Settings can be overridden in /etc/certaudit/env (EnvironmentFile= of the unit):
#   CERTAUDIT_SCAN_PATHS  space-separated paths (default "/etc/ssl /srv/certs")
#   CERTAUDIT_KEEP_RUNS   runs kept in the history (default 90)
#   CERTAUDIT_SCAN_ARGS   extra scan options, space-separated (e.g. "--profile all --exclude private")
#   CERTAUDIT_PFX_PASSWORD  read by certaudit itself (never passed on the command line)
#   CERTAUDIT_CONFIG      configuration file passed with --config when it exists
#                         (default /etc/certaudit/certaudit.yaml)
#   CERTAUDIT             the binary (default: certaudit on PATH, else /usr/local/bin/certaudit)
# A password file is used when present: $CREDENTIALS_DIRECTORY/pfx-passwords (LoadCredential=, see
# the unit), else /etc/certaudit/pfx-passwords if readable.
set -euo pipefail

certaudit=${CERTAUDIT:-$(command -v certaudit || echo /usr/local/bin/certaudit)}
config=${CERTAUDIT_CONFIG:-/etc/certaudit/certaudit.yaml}
state_dir=${CERTAUDIT_STATE_DIR:-/var/lib/certaudit}
textfile_dir=${CERTAUDIT_TEXTFILE_DIR:-/var/lib/node_exporter/textfile_collector}
history="$state_dir/history.sqlite"
read -r -a scan_paths <<< "${CERTAUDIT_SCAN_PATHS:-/etc/ssl /srv/certs}"

args=(scan --history "$history" --keep-runs "${CERTAUDIT_KEEP_RUNS:-90}"
      --report "html:$state_dir/latest.html"
      --output "$state_dir/latest.txt")
if [ -f "$config" ]; then
  args+=(--config "$config")
fi
if [ -d "$textfile_dir" ] && [ -w "$textfile_dir" ]; then
  args+=(--report "prometheus:$textfile_dir/certaudit.prom")
else
  echo "certaudit-nightly: $textfile_dir missing or not writable; no Prometheus metrics written" >&2
fi
if [ -n "${CREDENTIALS_DIRECTORY:-}" ] && [ -r "$CREDENTIALS_DIRECTORY/pfx-passwords" ]; then
  args+=(--password-file "$CREDENTIALS_DIRECTORY/pfx-passwords")
elif [ -r /etc/certaudit/pfx-passwords ]; then
  args+=(--password-file /etc/certaudit/pfx-passwords)
fi
if [ -n "${CERTAUDIT_SCAN_ARGS:-}" ]; then
  read -r -a extra <<< "$CERTAUDIT_SCAN_ARGS"
  args+=("${extra[@]}")
fi

# Scan exit statuses 1 (findings) and 3 (some input unreadable) are EXPECTED on a normal night: the
# run is still recorded in the history, so they must not stop the report step. `|| status=$?` keeps
# `set -e` from aborting here.
scan_status=0
"$certaudit" "${args[@]}" "${scan_paths[@]}" || scan_status=$?
case $scan_status in
  0 | 1 | 3) ;;
  *)
    echo "certaudit-nightly: scan failed with status $scan_status (usage, rule or config error); no report" >&2
    exit "$scan_status"
    ;;
esac

# Report: exit 1 = new errors since the previous run -> the unit fails (wanted).
report_status=0
"$certaudit" report --history "$history" --since last --format markdown \
  --output "$state_dir/latest-report.md" || report_status=$?
if [ -f "$state_dir/latest-report.md" ]; then
  cat "$state_dir/latest-report.md"
fi
if [ "$report_status" -eq 1 ]; then
  echo "certaudit-nightly: new errors since the previous run (scan status $scan_status)" >&2
fi
exit "$report_status"
