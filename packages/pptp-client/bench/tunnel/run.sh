#!/usr/bin/env bash
# Real-network throughput of direct mode (Linux, root): iperf3 and ping between two namespaces joined by a veth
# pair, over (a) the bare veth, (b) Ferry (`ferry connect` against the test peer's server pump, MPPE-128 stateless),
# (c) wireguard-go on the same veth. Prints a Markdown table: throughput both ways, RTT, and each end's CPU seconds
# per GB moved (utime+stime of the tunnel processes, all threads, read from /proc before and after each iperf3 run).
#
#   sudo packages/pptp-client/bench/tunnel/run.sh [--seconds 10] [--pings 20] [--only veth,ferry,wireguard,ferry-clear]
#                                                  [--profile DIR]
#
# --profile DIR runs the ferry process and the server pump under `node --cpu-prof` and leaves the .cpuprofile files
# in DIR (open them in Chrome DevTools, or summarise with bench/tunnel/profile-summary.ts).
# Needs: iproute2, iperf3, ping, jq, wireguard-go and wg (wireguard-tools), the built package (npm run build).
# Network safety: only the namespaces fy-bench-a and fy-bench-b, 203.0.113.0/24 between them and 10.0.0.0/8 inside
# the tunnels; the root namespace is never changed, and everything is deleted on exit, however the script ends.
set -euo pipefail

SECONDS_PER_RUN=10
PINGS=20
ONLY="veth,ferry,wireguard"
PROFILE_DIR=""
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_PER_RUN="$2"; shift 2 ;;
    --pings) PINGS="$2"; shift 2 ;;
    --only) ONLY="$2"; shift 2 ;;
    --profile) PROFILE_DIR="$(mkdir -p "$2" && cd "$2" && pwd)"; shift 2 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

NS_A=fy-bench-a # client
NS_B=fy-bench-b # server
ADDR_A=203.0.113.1
ADDR_B=203.0.113.2
FERRY_SERVER_TUNNEL=10.0.0.1
WG_A=10.9.0.2
WG_B=10.9.0.1
BENCH_USER=bench
BENCH_PASSWORD="bench-$RANDOM$RANDOM"

PKG_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
REPO_DIR="$(cd "$PKG_DIR/../.." && pwd)"
WORK="$(mktemp -d /tmp/fy-bench.XXXXXX)"
CLK_TCK="$(getconf CLK_TCK)"
STARTED=() # PIDs of the processes this script started, ended by id on exit

for command in ip iperf3 ping jq node; do
  command -v "$command" >/dev/null || { echo "run.sh: $command is missing" >&2; exit 1; }
done
if [[ ",$ONLY," == *",wireguard,"* ]]; then
  for command in wireguard-go wg; do
    command -v "$command" >/dev/null || { echo "run.sh: $command is missing (apt-get install wireguard-go wireguard-tools)" >&2; exit 1; }
  done
fi
[ "$(id -u)" = 0 ] || { echo "run.sh: run as root (namespaces, TUN, raw sockets)" >&2; exit 1; }
[ -f "$PKG_DIR/dist/cli/ferry.js" ] || { echo "run.sh: build first (npm run build)" >&2; exit 1; }

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
  for ns in "$NS_A" "$NS_B"; do
    # Deleting a namespace does not end its processes: end the ones still in it (only ours run there), by id.
    for pid in $(ip netns pids "$ns" 2>/dev/null); do stop_process "$pid"; done
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "/etc/netns/$ns"
  done
}

# shellcheck disable=SC2317 # called by the trap
cleanup() {
  local pid
  for pid in "${STARTED[@]}"; do stop_process "$pid"; done
  delete_namespaces
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Waits up to $3 seconds for a line matching $2 in the log $1.
wait_for_line() {
  local log="$1" pattern="$2" seconds="$3"
  for _ in $(seq $((seconds * 10))); do
    grep -q -- "$pattern" "$log" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "run.sh: timed out waiting for '$pattern' in $log:" >&2
  cat "$log" >&2
  return 1
}

# utime+stime of a process and all its threads, in clock ticks (fields 14 and 15 of /proc/PID/stat).
cpu_ticks() {
  [ -n "$1" ] || { echo 0; return; }
  sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

setup_network() {
  delete_namespaces # a run that was killed with SIGKILL may have left them
  local ns
  for ns in "$NS_A" "$NS_B"; do
    # Before the first `ip netns exec`: it bind-mounts this file over /etc/resolv.conf, so nothing reaches the host's.
    mkdir -p "/etc/netns/$ns"
    echo "nameserver 127.0.0.1" >"/etc/netns/$ns/resolv.conf"
    ip netns add "$ns"
    ip -n "$ns" link set lo up
  done
  # Created inside the namespaces, never in the root one.
  ip -n "$NS_A" link add fyb-a type veth peer name fyb-b netns "$NS_B"
  ip -n "$NS_A" link set fyb-a mtu 1500 up
  ip -n "$NS_B" link set fyb-b mtu 1500 up
  ip -n "$NS_A" addr add "$ADDR_A/24" dev fyb-a
  ip -n "$NS_B" addr add "$ADDR_B/24" dev fyb-b
  ip netns exec "$NS_B" iperf3 --server --interval 0 >"$WORK/iperf3-server.log" 2>&1 &
  STARTED+=("$!")
  sleep 0.5
  in_a ping -c 1 -W 2 -q "$ADDR_B" >/dev/null
}

ROWS=()

# measure NAME TARGET CLIENT_PID SERVER_PID: ping, then iperf3 both ways with CPU accounting; appends a table row.
measure() {
  local name="$1" target="$2" client_pid="$3" server_pid="$4"
  local rtt
  rtt="$(in_a ping -c "$PINGS" -i 0.2 -q "$target" | awk -F/ '/^rtt|^round-trip/ { print $5 }')"
  local direction cells=()
  for direction in forward reverse; do
    local flag=() json="$WORK/$name-$direction.json"
    [ "$direction" = reverse ] && flag=(--reverse)
    local client_before server_before client_after server_after
    client_before="$(cpu_ticks "$client_pid")"
    server_before="$(cpu_ticks "$server_pid")"
    in_a iperf3 --client "$target" --time "$SECONDS_PER_RUN" --json "${flag[@]}" >"$json"
    client_after="$(cpu_ticks "$client_pid")"
    server_after="$(cpu_ticks "$server_pid")"
    local bytes bps
    bytes="$(jq '.end.sum_received.bytes' "$json")"
    bps="$(jq '.end.sum_received.bits_per_second' "$json")"
    cells+=("$(awk -v b="$bps" 'BEGIN { printf "%.3f", b / 1e9 }')")
    if [ -z "$client_pid" ]; then
      cells+=("-")
    else
      cells+=("$(awk -v c="$((client_after - client_before))" -v s="$((server_after - server_before))" \
        -v t="$CLK_TCK" -v b="$bytes" 'BEGIN { gb = b / 1e9; printf "%.1f / %.1f", c / t / gb, s / t / gb }')")
    fi
  done
  ROWS+=("| $name | ${cells[0]} | ${cells[2]} | $rtt | ${cells[1]} | ${cells[3]} |")
  echo "measured $name: ${ROWS[-1]}" >&2
}

bench_veth() {
  measure "veth (no tunnel)" "$ADDR_B" "" ""
}

# bench_ferry [clear]: "clear" runs the tunnel without MPPE, to show what encryption costs.
bench_ferry() {
  local clear="${1:-}" server_mppe=128 client_mppe=128 label="Ferry (MPPE-128 stateless)"
  if [ "$clear" = clear ]; then server_mppe=none client_mppe=optional label="Ferry (no MPPE)"; fi
  local prof=()
  [ -n "$PROFILE_DIR" ] && prof=(--cpu-prof --cpu-prof-dir="$PROFILE_DIR")
  (cd "$REPO_DIR" && exec ip netns exec "$NS_B" node "${prof[@]}" --import tsx \
    "$PKG_DIR/bench/tunnel/server-pump.ts" --host "$ADDR_B" --user "$BENCH_USER" --password "$BENCH_PASSWORD" \
    --mppe "$server_mppe" >"$WORK/pump.log" 2>&1) &
  local pump_pid="$!"
  STARTED+=("$pump_pid")
  wait_for_line "$WORK/pump.log" '^ready' 30

  printf '%s\n' "$BENCH_PASSWORD" >"$WORK/password"
  # ferry keeps crash-recovery state in /run/ferry; a tmpfs private to this mount namespace (ip netns exec made one)
  # keeps it from ever being "restored" by a ferry run on the host.
  ip netns exec "$NS_A" sh -c 'mkdir -p /run/ferry && mount -t tmpfs fy-bench /run/ferry && exec "$@"' sh \
    node "${prof[@]}" "$PKG_DIR/bin/ferry.js" connect --server "$ADDR_B" --user "$BENCH_USER" --password-stdin \
    --mppe "$client_mppe" --route 10.0.0.0/24 --no-dns --json <"$WORK/password" >"$WORK/ferry.log" 2>&1 &
  local ferry_pid="$!"
  STARTED+=("$ferry_pid")
  wait_for_line "$WORK/ferry.log" '"event":"connected"' 30
  grep '"event":"connected"' "$WORK/ferry.log" >&2

  measure "$label" "$FERRY_SERVER_TUNNEL" "$ferry_pid" "$pump_pid"

  stop_process "$ferry_pid" INT # a clean disconnect, which also writes the CPU profile
  stop_process "$pump_pid"
  grep '^stats' "$WORK/pump.log" >&2 || true
}

bench_wireguard() {
  local key_a key_b
  key_a="$(wg genkey)"
  key_b="$(wg genkey)"
  printf '%s\n' "$key_a" >"$WORK/wg-a.key"
  printf '%s\n' "$key_b" >"$WORK/wg-b.key"
  # Distinct names: wireguard-go's control sockets live in /var/run/wireguard, which the namespaces share.
  ip netns exec "$NS_A" env WG_PROCESS_FOREGROUND=1 wireguard-go fywg-a >"$WORK/wg-a.log" 2>&1 &
  local wg_a="$!"
  STARTED+=("$wg_a")
  ip netns exec "$NS_B" env WG_PROCESS_FOREGROUND=1 wireguard-go fywg-b >"$WORK/wg-b.log" 2>&1 &
  local wg_b="$!"
  STARTED+=("$wg_b")
  for _ in $(seq 50); do
    [ -S /var/run/wireguard/fywg-a.sock ] && [ -S /var/run/wireguard/fywg-b.sock ] && break
    sleep 0.1
  done
  in_a wg set fywg-a private-key "$WORK/wg-a.key" listen-port 51820 \
    peer "$(wg pubkey <"$WORK/wg-b.key")" allowed-ips "$WG_B/32" endpoint "$ADDR_B:51820"
  in_b wg set fywg-b private-key "$WORK/wg-b.key" listen-port 51820 \
    peer "$(wg pubkey <"$WORK/wg-a.key")" allowed-ips "$WG_A/32" endpoint "$ADDR_A:51820"
  ip -n "$NS_A" addr add "$WG_A/24" dev fywg-a
  ip -n "$NS_B" addr add "$WG_B/24" dev fywg-b
  ip -n "$NS_A" link set fywg-a up
  ip -n "$NS_B" link set fywg-b up

  measure "wireguard-go" "$WG_B" "$wg_a" "$wg_b"

  stop_process "$wg_a"
  stop_process "$wg_b"
}

# Other work on the machine (a VM, a test run) takes CPU from both tunnel ends: say so next to the figures.
# Busy share of all CPUs over one second, from the aggregate line of /proc/stat (idle and iowait count as idle).
cpu_busy_percent() {
  local before after
  before="$(head -1 /proc/stat)"
  sleep 1
  after="$(head -1 /proc/stat)"
  printf '%s\n%s\n' "$before" "$after" | awk '{ t = 0; for (i = 2; i <= NF; i++) t += $i; idle[NR] = $5 + $6; total[NR] = t }
    END { printf "%.0f", 100 * (1 - (idle[2] - idle[1]) / (total[2] - total[1])) }'
}
BUSY_AT_START="$(cpu_busy_percent)"
setup_network
for scenario in ${ONLY//,/ }; do
  case "$scenario" in
    veth) bench_veth ;;
    ferry) bench_ferry ;;
    ferry-clear) bench_ferry clear ;;
    wireguard) bench_wireguard ;;
    *) echo "run.sh: unknown scenario $scenario" >&2; exit 2 ;;
  esac
done

echo
echo "iperf3 TCP, one stream, ${SECONDS_PER_RUN} s each way; RTT: mean of $PINGS pings; $(nproc) CPUs, $(uname -r)."
echo "CPU busy before the run: ${BUSY_AT_START}% (anything but a few % means other work competed: low, noisy figures)."
echo "Forward: client namespace -> server namespace (Ferry: 10.0.0.2 -> 10.0.0.1). CPU: client end / server end."
echo
echo "| Path | Forward Gbit/s | Reverse Gbit/s | RTT ms | CPU-s/GB forward | CPU-s/GB reverse |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
[ -n "$PROFILE_DIR" ] && echo && echo "CPU profiles: $PROFILE_DIR"
exit 0
