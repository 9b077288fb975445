# Shared by postfix.sh and dovecot.sh, which source it ("$(dirname "${BASH_SOURCE[0]}")/daemon-lib.sh"):
# the watchdog and traps that make sure a daemon's master and everything it started end with the
# script, and the start-up helpers alive and fail.
#
#   watch_master PID LOG   once the master (PID, this script's child) runs; LOG: the file fail prints
#   alive PID              true while PID exists and is not a zombie
#   fail MESSAGE           MESSAGE and the log on stderr, the master's process group SIGKILLed, exit 1
#
# watch_master takes descriptor 7 for the watchdog's pipe: a child that may outlive this script (a
# probe under timeout, a sleep) gets 7>&- so that it does not delay the watchdog after a SIGKILL.

# A watchdog in a session of its own holds the read end of a pipe only this script writes to: when this
# script ends, however it ends (SIGKILL included), the pipe closes and the watchdog SIGKILLs the
# master's process group, which holds the master and every process it started. SIGTERM and SIGINT are
# passed on to the master, the orderly stop, and the script exits once it has. Call it after starting
# the master, so that the master does not hold the pipe's write end itself.
watch_master() {
  daemon_master=$1
  daemon_log=$2
  exec 7> >(exec setsid bash -c 'cat >/dev/null; kill -KILL -- "-$1" "$1" 2>/dev/null' _ "$daemon_master" >/dev/null 2>&1)
  trap 'kill -TERM "$daemon_master" 2>/dev/null; wait "$daemon_master"; exit 143' TERM
  trap 'kill -TERM "$daemon_master" 2>/dev/null; wait "$daemon_master"; exit 130' INT
}

alive() { # true while the process exists and is not a zombie
  local stat
  read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != Z ]
}

fail() {
  echo "$0: $1; log $daemon_log:" >&2
  cat "$daemon_log" >&2 || true
  kill -KILL -- "-$daemon_master" "$daemon_master" 2>/dev/null || true
  exit 1
}
