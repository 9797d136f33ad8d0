#!/usr/bin/env bash
# Real-network throughput of Ferry (Linux, root): iperf3 and ping between two namespaces joined by a veth pair,
# over (a) the bare veth, (b) Ferry direct (`ferry connect` against the test peer's server pump, MPPE-128 stateless),
# (c) Ferry wrapped: the same session through ferry-relay in a third namespace (client -> TLS WebSocket -> relay ->
# TCP 1723 + raw GRE from the relay's address -> server pump), (d) wireguard-go on the same veth.
# Prints a Markdown table: throughput both ways; idle RTT; "loaded" RTT, pinged while a bulk iperf3 upload fills the
# tunnel, and what the load adds; each end's CPU seconds per GB moved (utime+stime of the tunnel processes, all
# threads, read from /proc before and after each iperf3 run), and the relay's in a column of its own.
#
#   sudo packages/pptp-client/bench/tunnel/run.sh [--seconds 10] [--pings 20]
#                                                  [--only veth,ferry,ferry-wrap,wireguard,ferry-clear] [--profile DIR]
#
# Topology: fy-bench-a (client, 203.0.113.1) and fy-bench-b (server, 203.0.113.2) share a veth pair; fy-bench-r
# (relay, 203.0.113.5) has a veth pair to each of them, so the direct paths are the same one hop with or without the
# relay, and the wrapped path is two (client -> relay -> server).
# --profile DIR runs the ferry process, the relay and the server pump under `node --cpu-prof` and leaves the
# .cpuprofile files in DIR (open them in Chrome DevTools, or summarise with bench/tunnel/profile-summary.ts).
# Needs: iproute2, iperf3, ping, jq, openssl (the relay's throwaway CA), wireguard-go and wg (wireguard-tools), the
# built packages (npx tsc -b packages/cli).
# Network safety: only the namespaces fy-bench-a, fy-bench-b and fy-bench-r, 203.0.113.0/24 between them and
# 10.0.0.0/8 inside the tunnels; the root namespace is never changed, and everything is deleted on exit, however the
# script ends.
set -euo pipefail

SECONDS_PER_RUN=10
PINGS=20
ONLY="veth,ferry,ferry-wrap,wireguard"
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
NS_R=fy-bench-r # relay
ADDR_A=203.0.113.1
ADDR_B=203.0.113.2
ADDR_R=203.0.113.5
RELAY_NET=203.0.113.4/30 # routed to the relay from both ends (see setup_network)
RELAY_PORT=8443
RELAY_METRICS=127.0.0.1:9723 # the relay's /metrics, on fy-bench-r's own loopback
FERRY_SERVER_TUNNEL=10.0.0.1
WG_A=10.9.0.2
WG_B=10.9.0.1
BENCH_USER=bench
BENCH_PASSWORD="bench-$RANDOM$RANDOM"

BENCH=run.sh
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
if [[ ",$ONLY," == *",ferry-wrap,"* ]]; then
  command -v openssl >/dev/null || { echo "run.sh: openssl is missing" >&2; exit 1; }
fi
[ "$(id -u)" = 0 ] || { echo "run.sh: run as root (namespaces, TUN, raw sockets)" >&2; exit 1; }
for built in packages/cli/dist/ferry.js packages/wrap/dist/relay-server/main.js; do
  [ -f "$REPO_DIR/$built" ] || { echo "run.sh: build first (npx tsc -b packages/cli): no $built" >&2; exit 1; }
done

# shellcheck source=packages/pptp-client/bench/lib/namespaces.sh
source "$PKG_DIR/bench/lib/namespaces.sh"

# shellcheck disable=SC2317 # called by the trap
cleanup() {
  local pid
  for pid in "${STARTED[@]}"; do stop_process "$pid"; done
  delete_namespaces
  rm -rf "$WORK"
}
trap cleanup EXIT
set -E
trap 'on_error "$?" "$LINENO" "$BASH_COMMAND"' ERR
trap 'exit 130' INT TERM


# utime+stime of a process and all its threads, in clock ticks (fields 14 and 15 of /proc/PID/stat).
cpu_ticks() {
  [ -n "$1" ] || { echo 0; return; }
  sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

setup_network() {
  delete_namespaces # a run that was killed with SIGKILL may have left them
  local ns
  for ns in "$NS_A" "$NS_B" "$NS_R"; do
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
  # The relay: one veth pair to each end, so a <-> b still takes the direct pair (the same path as without a relay)
  # and only the relay's address goes to fy-bench-r, which does not forward (ip_forward stays 0). The ends route a
  # /30 to it, not a /32: ferry adds its own /32 host route to the relay, which must not exist already (and the
  # relay cannot be 203.0.113.3, which shares every prefix shorter than /32 with the server's .2).
  ip -n "$NS_R" link add fyb-ra type veth peer name fyb-ar netns "$NS_A"
  ip -n "$NS_R" link add fyb-rb type veth peer name fyb-br netns "$NS_B"
  local dev
  for dev in fyb-ra fyb-rb; do ip -n "$NS_R" link set "$dev" mtu 1500 up; done
  ip -n "$NS_A" link set fyb-ar mtu 1500 up
  ip -n "$NS_B" link set fyb-br mtu 1500 up
  ip -n "$NS_R" addr add "$ADDR_R/32" dev lo
  ip -n "$NS_R" route add "$ADDR_A/32" dev fyb-ra src "$ADDR_R"
  ip -n "$NS_R" route add "$ADDR_B/32" dev fyb-rb src "$ADDR_R"
  ip -n "$NS_A" route add "$RELAY_NET" dev fyb-ar src "$ADDR_A"
  ip -n "$NS_B" route add "$RELAY_NET" dev fyb-br src "$ADDR_B"
  ip netns exec "$NS_B" iperf3 --server --interval 0 >"$WORK/iperf3-server.log" 2>&1 &
  STARTED+=("$!")
  sleep 0.5
  in_a ping -c 1 -W 2 -q "$ADDR_B" >/dev/null
  in_a ping -c 1 -W 2 -q "$ADDR_R" >/dev/null
  in_b ping -c 1 -W 2 -q "$ADDR_R" >/dev/null
}

# The relay's throwaway CA and its leaf certificate for IP:203.0.113.5, and a bearer token; all in $WORK.
make_relay_credentials() {
  local days=2 curve=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
  openssl req -x509 "${curve[@]}" -days "$days" -subj "/CN=Ferry bench CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" \
    -keyout "$WORK/relay-ca.key" -out "$WORK/relay-ca.pem" 2>"$WORK/openssl.log"
  openssl req -new "${curve[@]}" -subj "/CN=$ADDR_R" \
    -keyout "$WORK/relay.key" -out "$WORK/relay.csr" 2>>"$WORK/openssl.log"
  printf 'subjectAltName=IP:%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' "$ADDR_R" \
    >"$WORK/relay-ext.cnf"
  openssl x509 -req -in "$WORK/relay.csr" -CA "$WORK/relay-ca.pem" -CAkey "$WORK/relay-ca.key" \
    -CAcreateserial -days "$days" -extfile "$WORK/relay-ext.cnf" -out "$WORK/relay.pem" 2>>"$WORK/openssl.log"
  (umask 077 && printf 'bench-%s%s%s\n' "$RANDOM" "$RANDOM" "$RANDOM" >"$WORK/relay-tokens")
  head -1 "$WORK/relay-tokens" >"$WORK/relay-token" # the client's file: the same token
}

# Nearest-rank median and 95th percentile of the numbers on stdin, one a line: "median p95", or "- -" if none.
percentiles() {
  sort -n | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "- -"; exit }
    m = int((NR + 1) / 2); p = int(NR * 0.95); if (p < NR * 0.95) p++; if (p < 1) p = 1
    printf "%.2f %.2f\n", v[m], v[p] }'
}

# The round-trip times (ms) in a ping's output, one a line.
ping_times() { sed -n 's/.* time=\([0-9.]*\) ms.*/\1/p' "$1"; }

ROWS=()

# measure NAME TARGET CLIENT_PID SERVER_PID [RELAY_PID]: idle ping, iperf3 both ways with CPU accounting, then ping
# during an upload (loaded RTT); appends a table row.
measure() {
  local name="$1" target="$2" client_pid="$3" server_pid="$4" relay_pid="${5:-}"
  local slug="${name//[^A-Za-z0-9]/_}"
  in_a ping -c "$PINGS" -i 0.2 -W 2 "$target" >"$WORK/$slug-idle.ping" || true # losses show as fewer times
  local idle_median
  read -r idle_median _ < <(ping_times "$WORK/$slug-idle.ping" | percentiles)
  local direction cells=() relay_cells=()
  for direction in forward reverse; do
    local flag=() json="$WORK/$slug-$direction.json"
    [ "$direction" = reverse ] && flag=(--reverse)
    local client_before server_before relay_before client_after server_after relay_after
    client_before="$(cpu_ticks "$client_pid")"
    server_before="$(cpu_ticks "$server_pid")"
    relay_before="$(cpu_ticks "$relay_pid")"
    if ! in_a iperf3 --client "$target" --time "$SECONDS_PER_RUN" --json "${flag[@]}" >"$json"; then
      echo "run.sh: iperf3 $direction over $name failed: $(jq -r '.error // "?"' "$json" 2>/dev/null)" >&2
      return 1
    fi
    client_after="$(cpu_ticks "$client_pid")"
    server_after="$(cpu_ticks "$server_pid")"
    relay_after="$(cpu_ticks "$relay_pid")"
    local bytes bps
    bytes="$(jq '.end.sum_received.bytes' "$json")"
    bps="$(jq '.end.sum_received.bits_per_second' "$json")"
    cells+=("$(awk -v b="$bps" 'BEGIN { printf "%.3f", b / 1e9 }')")
    echo "$name $direction: $(jq '.end.sum_sent.retransmits // "?"' "$json") TCP retransmits" >&2
    if [ -z "$client_pid" ]; then
      cells+=("-")
    else
      cells+=("$(awk -v c="$((client_after - client_before))" -v s="$((server_after - server_before))" \
        -v t="$CLK_TCK" -v b="$bytes" 'BEGIN { gb = b / 1e9; printf "%.1f / %.1f", c / t / gb, s / t / gb }')")
    fi
    if [ -n "$relay_pid" ]; then
      relay_cells+=("$(awk -v r="$((relay_after - relay_before))" -v t="$CLK_TCK" -v b="$bytes" \
        'BEGIN { printf "%.1f", r / t / (b / 1e9) }')")
    fi
  done

  # Loaded RTT: a bulk upload (client -> server) for the run's seconds; pings from its second second to one second
  # before its end, so that neither TCP's start nor its end is in them.
  local count=$(((SECONDS_PER_RUN - 2) * 5))
  [ "$count" -ge 5 ] || count=5
  ip netns exec "$NS_A" iperf3 --client "$target" --time "$SECONDS_PER_RUN" --json >"$WORK/$slug-loaded.json" &
  local upload_pid="$!"
  STARTED+=("$upload_pid")
  sleep 1
  in_a ping -c "$count" -i 0.2 -W 2 "$target" >"$WORK/$slug-loaded.ping" || true # lost pings are data, not errors
  wait "$upload_pid" || echo "run.sh: the loaded-RTT upload over $name failed (see $slug-loaded.json)" >&2
  local loaded_median loaded_p95 received
  read -r loaded_median loaded_p95 < <(ping_times "$WORK/$slug-loaded.ping" | percentiles)
  received="$(ping_times "$WORK/$slug-loaded.ping" | wc -l)"
  local loaded="$loaded_median / $loaded_p95" added="-"
  [ "$received" -lt "$count" ] && loaded+=" ($((count - received))/$count lost)"
  if [ "$received" -gt 0 ]; then
    added="$(awk -v m="$loaded_median" -v p="$loaded_p95" -v i="$idle_median" \
      'BEGIN { printf "%+.2f / %+.2f", m - i, p - i }')"
  fi
  local upload_bps retransmits
  upload_bps="$(jq '.end.sum_received.bits_per_second // 0' "$WORK/$slug-loaded.json" 2>/dev/null || echo 0)"
  retransmits="$(jq '.end.sum_sent.retransmits // "?"' "$WORK/$slug-loaded.json" 2>/dev/null || echo "?")"
  echo "loaded RTT over $name: upload $(awk -v b="$upload_bps" 'BEGIN { printf "%.3f", b / 1e9 }') Gbit/s" \
    "($retransmits TCP retransmits), $received of $count pings answered" >&2

  local relay_cell="-"
  [ -n "$relay_pid" ] && relay_cell="${relay_cells[0]} / ${relay_cells[1]}"
  ROWS+=("| $name | ${cells[0]} | ${cells[2]} | $idle_median | $loaded | $added | ${cells[1]} | ${cells[3]} | $relay_cell |")
  echo "measured $name: ${ROWS[-1]}" >&2
}

bench_veth() {
  measure "veth (no tunnel)" "$ADDR_B" "" ""
}

# Starts ferry-relay in fy-bench-r (allowing only the server) and sets RELAY_PID; needs make_relay_credentials.
start_relay() {
  local prof=()
  [ -n "$PROFILE_DIR" ] && prof=(--cpu-prof --cpu-prof-dir="$PROFILE_DIR")
  # --drain-seconds 0: on SIGTERM the relay ends its (already closed) sessions at once instead of after 30 s.
  (cd "$REPO_DIR" && exec ip netns exec "$NS_R" node "${prof[@]}" packages/wrap/bin/ferry-relay.js \
    --listen "$ADDR_R:$RELAY_PORT" --cert "$WORK/relay.pem" --key "$WORK/relay.key" \
    --tokens-file "$WORK/relay-tokens" --allow "$ADDR_B" --metrics "$RELAY_METRICS" --drain-seconds 0 \
    >"$WORK/relay.log" 2>&1) &
  RELAY_PID="$!"
  STARTED+=("$RELAY_PID")
  wait_for_line "$WORK/relay.log" ' listening ' 30 "$RELAY_PID"
}

# bench_ferry [clear|wrap]: "clear" runs the tunnel without MPPE, to show what encryption costs; "wrap" runs it
# through ferry-relay (MPPE-128 stateless, like direct).
bench_ferry() {
  local mode="${1:-direct}" server_mppe=128 client_mppe=128 label="Ferry (MPPE-128 stateless)"
  local transport=(--transport direct) relay_pid=""
  if [ "$mode" = clear ]; then server_mppe=none client_mppe=optional label="Ferry (no MPPE)"; fi
  if [ "$mode" = wrap ]; then
    label="Ferry wrap via relay (MPPE-128 stateless)"
    make_relay_credentials
    start_relay
    relay_pid="$RELAY_PID"
    transport=(--transport wrap --relay "wss://$ADDR_R:$RELAY_PORT/ferry" --relay-token-file "$WORK/relay-token"
      --relay-ca "$WORK/relay-ca.pem")
  fi
  local prof=()
  [ -n "$PROFILE_DIR" ] && prof=(--cpu-prof --cpu-prof-dir="$PROFILE_DIR")
  (cd "$REPO_DIR" && exec ip netns exec "$NS_B" node "${prof[@]}" --import tsx \
    "$PKG_DIR/bench/tunnel/server-pump.ts" --host "$ADDR_B" --user "$BENCH_USER" --password "$BENCH_PASSWORD" \
    --mppe "$server_mppe" >"$WORK/pump.log" 2>&1) &
  local pump_pid="$!"
  STARTED+=("$pump_pid")
  wait_for_line "$WORK/pump.log" '^ready' 30 "$pump_pid"

  printf '%s\n' "$BENCH_PASSWORD" >"$WORK/password"
  mkdir -p "$WORK/ferry-state"
  # ferry keeps crash-recovery state in /run/ferry; a tmpfs private to this mount namespace (ip netns exec made one)
  # keeps it from ever being "restored" by a ferry run on the host. FERRY_STATE_DIR keeps its transport decisions
  # out of the host's /var/lib/ferry.
  ip netns exec "$NS_A" env FERRY_STATE_DIR="$WORK/ferry-state" \
    sh -c 'mkdir -p /run/ferry && mount -t tmpfs fy-bench /run/ferry && exec "$@"' sh \
    node "${prof[@]}" "$REPO_DIR/packages/cli/bin/ferry.js" connect --server "$ADDR_B" --user "$BENCH_USER" \
    --password-stdin --mppe "$client_mppe" "${transport[@]}" --route 10.0.0.0/24 --no-dns --json \
    <"$WORK/password" >"$WORK/ferry.log" 2>&1 &
  local ferry_pid="$!"
  STARTED+=("$ferry_pid")
  wait_for_line "$WORK/ferry.log" '"event":"connected"' 30 "$ferry_pid"
  grep '"event":"connected"' "$WORK/ferry.log" >&2

  measure "$label" "$FERRY_SERVER_TUNNEL" "$ferry_pid" "$pump_pid" "$relay_pid"

  stop_process "$ferry_pid" INT # a clean disconnect, which also writes the CPU profile
  stop_process "$pump_pid"
  grep '^stats' "$WORK/pump.log" >&2 || true
  if [ -n "$relay_pid" ]; then
    # What the relay dropped (backpressure: the WebSocket to the client was full) and forwarded, over all the runs.
    ip netns exec "$NS_R" node -e 'fetch(process.argv[1]).then((r) => r.text()).then((t) => process.stdout.write(t))' \
      "http://$RELAY_METRICS/metrics" | grep -E '^ferry_relay_(gre_dropped|packets)_total' >&2 || true
    stop_process "$relay_pid"
    grep -E ' (session-[a-z]+|tls-error) ' "$WORK/relay.log" >&2 || true
  fi
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
    ferry-wrap) bench_ferry wrap ;;
    wireguard) bench_wireguard ;;
    *) echo "run.sh: unknown scenario $scenario" >&2; exit 2 ;;
  esac
done

echo
echo "iperf3 TCP, one stream, ${SECONDS_PER_RUN} s each way; $(nproc) CPUs, $(uname -r)."
echo "CPU busy before the run: ${BUSY_AT_START}% (anything but a few % means other work competed: low, noisy figures)."
echo "Forward: client namespace -> server namespace (Ferry: 10.0.0.2 -> 10.0.0.1). CPU: client end / server end"
echo "(Ferry: the ferry process / the server pump); the relay's own CPU is in the last column, in neither end's."
echo "Idle RTT: median of $PINGS pings. Loaded RTT: median / 95th percentile of pings every 0.2 s during a third,"
echo "${SECONDS_PER_RUN} s iperf3 upload (client -> server); added: loaded minus idle median."
echo
echo "| Path | Forward Gbit/s | Reverse Gbit/s | Idle RTT ms | Loaded RTT ms (median / p95) | Added ms (median / p95) |" \
  "CPU-s/GB forward | CPU-s/GB reverse | Relay CPU-s/GB (fwd / rev) |"
echo "|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
[ -n "$PROFILE_DIR" ] && echo && echo "CPU profiles: $PROFILE_DIR"
exit 0
