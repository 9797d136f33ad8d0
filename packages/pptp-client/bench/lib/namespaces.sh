# shellcheck shell=bash
# Shared by the benchmarks that run tunnels between network namespaces of their own (tunnel/run.sh, soak/run.sh).
# Expects NS_A (client), NS_B (server) and NS_R (relay) to name the script's namespaces.

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
