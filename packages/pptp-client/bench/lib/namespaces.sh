# shellcheck shell=bash
# Shared by the benchmarks that run tunnels between network namespaces of their own (tunnel/run.sh, soak/run.sh).
# Expects NS_A (client), NS_B (server) and NS_R (relay) to name the script's namespaces, BENCH the script's name
# for messages, and WORK its work folder (where ferry.log, relay.log and pump.log are written).

# Foreground commands only: a function in the background would be a subshell, and $! its PID, not the command's.
in_a() { ip netns exec "$NS_A" "$@"; }
in_b() { ip netns exec "$NS_B" "$@"; }

# Sends SIGTERM (or $2) to a process we started and waits up to 5 s for it to go.
stop_process() {
  local pid="$1" signal="${2:-TERM}"
  kill -s "$signal" "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -s KILL "$pid" 2>/dev/null || true
}

delete_namespaces() {
  local ns pid
  for ns in "$NS_A" "$NS_B" "$NS_R"; do
    # Deleting a namespace does not end its processes: end the ones still in it (only ours run there), by id.
    for pid in $(ip netns pids "$ns" 2>/dev/null || true); do stop_process "$pid"; done
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "/etc/netns/$ns"
  done
}

# A failing command ends the script (set -e); say which, with the end of the tunnel logs, before they are deleted.
# shellcheck disable=SC2317 # called by the trap
on_error() {
  local status="$1" line="$2" command="$3" log
  trap - ERR
  echo "$BENCH: line $line: '$command' failed (status $status)" >&2
  for log in ferry relay pump; do
    [ -s "$WORK/$log.log" ] && { echo "--- end of $log.log:" >&2; tail -n 8 "$WORK/$log.log" >&2; }
  done
  return 0
}

# Waits up to $3 seconds for a line matching $2 in the log $1 written by the process $4 (gives up when it ends).
# $5 is how many of the log's last lines to show on failure (default: all of it).
wait_for_line() {
  local log="$1" pattern="$2" seconds="$3" pid="${4:-}" shown="${5:-+1}"
  for _ in $(seq $((seconds * 10))); do
    grep -q -- "$pattern" "$log" 2>/dev/null && return 0
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      echo "$BENCH: the process writing $log ended before '$pattern':" >&2
      tail -n "$shown" "$log" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "$BENCH: timed out waiting for '$pattern' in $log:" >&2
  tail -n "$shown" "$log" >&2
  return 1
}
