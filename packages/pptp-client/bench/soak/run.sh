#!/usr/bin/env bash
# Soak test of Ferry (Linux, root): one `ferry connect` session held for a long time (default 30 minutes) with steady
# traffic through it, and a forced reconnect every few minutes; samples the ferry process's memory and file
# descriptors, the TUN devices and routes in the client namespace, and the JSON events, to show that they stay flat
# and that every reconnect restores the tunnel.
#
#   sudo packages/pptp-client/bench/soak/run.sh [--minutes 30] [--reconnect-every 300] [--transport direct|wrap]
#                                               [--method alternate|gre|pump] [--rate 20M]
#
# Traffic, the whole time: iperf3 --bidir at --rate each way (TCP, one stream, in 60 s runs restarted when a run ends
# or fails) and ping every 0.2 s to the server's tunnel address (10.0.0.1).
# Forced reconnects, every --reconnect-every seconds:
#   gre   the server namespace drops all GRE (iptables INPUT and OUTPUT) until ferry reports `reconnecting`: LCP
#         echoes go unanswered (every 10 s, 4 failures) and ferry ends the session with PEER_DEAD;
#   pump  the server pump is restarted (SIGTERM): ferry sees the control connection end;
#   alternate (default) gre, pump, gre, ...
# The server pump (bench/tunnel/server-pump.ts) serves one client and exits when it leaves; a supervisor restarts it,
# so a reconnect may first find TCP 1723 closed for a moment (SERVER_UNREACHABLE, retried by ferry).
# Every 10 s one CSV row: the ferry process's VmRSS (/proc/PID/status) and open fds (/proc/PID/fd), TUN devices and
# IPv4 routes in the client namespace, whether the tunnel route is there, the JSON event counts and ping replies; and,
# from inside ferry (heap-sampler.mjs, preloaded), V8's heap used and reserved, so a leak of objects can be told from
# the heap's own sizing.
# At the end: a Markdown summary on stdout; samples.csv, heap.csv, reconnects.csv and all logs stay in $WORK (printed).
#
# Topology: fy-soak-a (client, 203.0.113.1) and fy-soak-b (server, 203.0.113.2) share a veth pair; with
# --transport wrap, fy-soak-r (relay, 203.0.113.5) has a veth pair to each (as in bench/tunnel/run.sh).
# Needs: iproute2, iptables, iperf3, ping, jq, node, openssl (wrap only), the built packages (npx tsc -b packages/cli).
# Network safety: only the namespaces fy-soak-a, fy-soak-b and fy-soak-r, 203.0.113.0/24 between them and 10.0.0.0/8
# inside the tunnel; the root namespace is never changed; the namespaces and every process this script started (by
# id) are gone on exit, however the script ends. ferry's /run/ferry is a tmpfs private to its mount namespace and
# FERRY_STATE_DIR is in $WORK, so nothing of the host's ferry state is read or written.
set -euo pipefail

MINUTES=30
RECONNECT_EVERY=300
TRANSPORT=direct
METHOD=alternate
RATE=20M
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) MINUTES="$2"; shift 2 ;;
    --reconnect-every) RECONNECT_EVERY="$2"; shift 2 ;;
    --transport) TRANSPORT="$2"; shift 2 ;;
    --method) METHOD="$2"; shift 2 ;;
    --rate) RATE="$2"; shift 2 ;;
    *) echo "soak: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ "$MINUTES" =~ ^[0-9]+$ && "$MINUTES" -ge 1 ]] || { echo "soak: --minutes must be a whole number >= 1" >&2; exit 2; }
[[ "$RECONNECT_EVERY" =~ ^[0-9]+$ && "$RECONNECT_EVERY" -ge 30 ]] ||
  { echo "soak: --reconnect-every must be a whole number of seconds >= 30" >&2; exit 2; }
case "$TRANSPORT" in direct | wrap) ;; *) echo "soak: --transport direct|wrap" >&2; exit 2 ;; esac
case "$METHOD" in alternate | gre | pump) ;; *) echo "soak: --method alternate|gre|pump" >&2; exit 2 ;; esac

NS_A=fy-soak-a # client
NS_B=fy-soak-b # server
NS_R=fy-soak-r # relay (wrap only)
ADDR_A=203.0.113.1
ADDR_B=203.0.113.2
ADDR_R=203.0.113.5
RELAY_NET=203.0.113.4/30
RELAY_PORT=8443
SERVER_TUNNEL=10.0.0.1
TUNNEL_ROUTE=10.0.0.0/24
SAMPLE_SECONDS=10
SOAK_USER=soak
SOAK_PASSWORD="soak-$RANDOM$RANDOM"

BENCH=soak
PKG_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
REPO_DIR="$(cd "$PKG_DIR/../.." && pwd)"
WORK="$(mktemp -d /tmp/fy-soak.XXXXXX)" # kept: the CSV files and logs are the result
STARTED=() # PIDs of the processes this script started, ended by id on exit

for command in ip iptables iperf3 ping jq node awk; do
  command -v "$command" >/dev/null || { echo "soak: $command is missing" >&2; exit 1; }
done
[ "$TRANSPORT" = direct ] || command -v openssl >/dev/null || { echo "soak: openssl is missing" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "soak: run as root (namespaces, TUN, raw sockets)" >&2; exit 1; }
for built in packages/cli/dist/ferry.js packages/wrap/dist/relay-server/main.js; do
  [ -f "$REPO_DIR/$built" ] || { echo "soak: build first (npx tsc -b packages/cli): no $built" >&2; exit 1; }
done

# shellcheck source=packages/pptp-client/bench/lib/namespaces.sh
source "$PKG_DIR/bench/lib/namespaces.sh"
log() { echo "soak $(date +%H:%M:%S) $*" >&2; }

# shellcheck disable=SC2317 # called by the trap
cleanup() {
  local pid
  # In the order started: the pump's supervisor (the pump it ran goes after ferry), ferry, traffic, the sampler.
  for pid in "${STARTED[@]}"; do stop_process "$pid"; done
  [ -s "$WORK/pump.pid" ] && stop_process "$(cat "$WORK/pump.pid")"
  delete_namespaces
  [ "$(cat "$LOCK/pid" 2>/dev/null)" = "$$" ] && rm -rf "$LOCK"
  echo "soak: samples, reconnects and logs are in $WORK" >&2
}
# One soak at a time: a second one would delete the first one's namespaces (their names are fixed). A directory as
# the lock (a flock'd descriptor would be inherited by ferry and counted among its fds); a dead owner's is stale.
LOCK=/tmp/fy-soak.lock
trap cleanup EXIT
if ! mkdir "$LOCK" 2>/dev/null; then
  if kill -0 "$(cat "$LOCK/pid" 2>/dev/null || echo none)" 2>/dev/null; then
    echo "soak: another soak run is in progress (PID $(cat "$LOCK/pid"))" >&2
    rmdir "$WORK"
    trap - EXIT
    exit 1
  fi
  rm -rf "$LOCK"
  mkdir "$LOCK"
fi
echo "$$" >"$LOCK/pid"
set -E
trap 'on_error "$?" "$LINENO" "$BASH_COMMAND"' ERR
trap 'exit 130' INT TERM


setup_network() {
  delete_namespaces # a run that was killed with SIGKILL may have left them
  local ns
  for ns in "$NS_A" "$NS_B"; do
    mkdir -p "/etc/netns/$ns"
    echo "nameserver 127.0.0.1" >"/etc/netns/$ns/resolv.conf"
    ip netns add "$ns"
    ip -n "$ns" link set lo up
  done
  ip -n "$NS_A" link add fys-a type veth peer name fys-b netns "$NS_B"
  ip -n "$NS_A" link set fys-a mtu 1500 up
  ip -n "$NS_B" link set fys-b mtu 1500 up
  ip -n "$NS_A" addr add "$ADDR_A/24" dev fys-a
  ip -n "$NS_B" addr add "$ADDR_B/24" dev fys-b
  if [ "$TRANSPORT" = wrap ]; then
    mkdir -p "/etc/netns/$NS_R"
    echo "nameserver 127.0.0.1" >"/etc/netns/$NS_R/resolv.conf"
    ip netns add "$NS_R"
    ip -n "$NS_R" link set lo up
    ip -n "$NS_R" link add fys-ra type veth peer name fys-ar netns "$NS_A"
    ip -n "$NS_R" link add fys-rb type veth peer name fys-br netns "$NS_B"
    local dev
    for dev in fys-ra fys-rb; do ip -n "$NS_R" link set "$dev" mtu 1500 up; done
    ip -n "$NS_A" link set fys-ar mtu 1500 up
    ip -n "$NS_B" link set fys-br mtu 1500 up
    ip -n "$NS_R" addr add "$ADDR_R/32" dev lo
    ip -n "$NS_R" route add "$ADDR_A/32" dev fys-ra src "$ADDR_R"
    ip -n "$NS_R" route add "$ADDR_B/32" dev fys-rb src "$ADDR_R"
    ip -n "$NS_A" route add "$RELAY_NET" dev fys-ar src "$ADDR_A"
    ip -n "$NS_B" route add "$RELAY_NET" dev fys-br src "$ADDR_B"
  fi
  in_a ping -c 1 -W 2 -q "$ADDR_B" >/dev/null
}

make_relay_credentials() {
  local days=2 curve=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
  openssl req -x509 "${curve[@]}" -days "$days" -subj "/CN=Ferry soak CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" \
    -keyout "$WORK/relay-ca.key" -out "$WORK/relay-ca.pem" 2>"$WORK/openssl.log"
  openssl req -new "${curve[@]}" -subj "/CN=$ADDR_R" \
    -keyout "$WORK/relay.key" -out "$WORK/relay.csr" 2>>"$WORK/openssl.log"
  printf 'subjectAltName=IP:%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' "$ADDR_R" \
    >"$WORK/relay-ext.cnf"
  openssl x509 -req -in "$WORK/relay.csr" -CA "$WORK/relay-ca.pem" -CAkey "$WORK/relay-ca.key" \
    -CAcreateserial -days "$days" -extfile "$WORK/relay-ext.cnf" -out "$WORK/relay.pem" 2>>"$WORK/openssl.log"
  (umask 077 && printf 'soak-%s%s%s\n' "$RANDOM" "$RANDOM" "$RANDOM" >"$WORK/relay-tokens")
  head -1 "$WORK/relay-tokens" >"$WORK/relay-token"
}

start_relay() {
  (cd "$REPO_DIR" && exec ip netns exec "$NS_R" node packages/wrap/bin/ferry-relay.js \
    --listen "$ADDR_R:$RELAY_PORT" --cert "$WORK/relay.pem" --key "$WORK/relay.key" \
    --tokens-file "$WORK/relay-tokens" --allow "$ADDR_B" --drain-seconds 0 >"$WORK/relay.log" 2>&1) &
  RELAY_PID="$!"
  STARTED+=("$RELAY_PID")
  wait_for_line "$WORK/relay.log" ' listening ' 30 "$RELAY_PID" 20
}

# The server pump serves one client and exits when it leaves: restart it each time, its PID in $WORK/pump.pid.
# (A subshell: SIGTERM ends it at once; the pump it ran is ended by cleanup, by the PID in the file.)
supervise_pump() {
  local pid
  while :; do
    echo "--- pump start $(date +%s)" >>"$WORK/pump.log"
    (cd "$REPO_DIR" && exec ip netns exec "$NS_B" node --import tsx "$PKG_DIR/bench/tunnel/server-pump.ts" \
      --host "$ADDR_B" --user "$SOAK_USER" --password "$SOAK_PASSWORD" --mppe 128 >>"$WORK/pump.log" 2>&1) &
    pid="$!"
    echo "$pid" >"$WORK/pump.pid"
    wait "$pid" || true
    sleep 0.2
  done
}

# Steady traffic: iperf3 --bidir at $RATE each way in 60 s runs (one JSON file each), restarted when one ends or
# fails; the server aborts a test that receives nothing for 10 s (a reconnect), so it is free for the next.
supervise_iperf3_server() {
  while :; do
    in_b iperf3 --server --bind "$SERVER_TUNNEL" --rcv-timeout 10000 >>"$WORK/iperf3-server.log" 2>&1 || true
    sleep 1
  done
}
supervise_iperf3_client() {
  local run=0
  while :; do
    run=$((run + 1))
    in_a iperf3 --client "$SERVER_TUNNEL" --bidir --bitrate "$RATE" --time 60 --connect-timeout 3000 \
      --rcv-timeout 10000 --json >"$WORK/iperf3-$(printf %04d "$run").json" 2>&1 || true
    sleep 1
  done
}
supervise_ping() {
  while :; do
    in_a ping -i 0.2 -W 1 -O "$SERVER_TUNNEL" >>"$WORK/ping.log" 2>&1 || true
    sleep 1
  done
}

count_events() { grep -c "\"event\":\"$1\"" "$WORK/ferry.log" 2>/dev/null || true; }
tun_count() { in_a sh -c 'ls -d /sys/class/net/*/tun_flags 2>/dev/null | wc -l'; }
route_count() { ip -n "$NS_A" -4 route show | wc -l; }
has_tunnel_route() { if ip -n "$NS_A" -4 route show "$TUNNEL_ROUTE" | grep -q .; then echo 1; else echo 0; fi; }

# One CSV row every $SAMPLE_SECONDS s, on the grid of the start time.
sample_loop() {
  local start="$1" pid="$2" tick=0 rss fds
  echo "t_s,rss_kb,fds,tun_devices,routes,tunnel_route,connected,reconnecting,errors,ping_replies" >"$WORK/samples.csv"
  while kill -0 "$pid" 2>/dev/null; do
    rss="$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo "")"
    fds="$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)"
    echo "$(($(date +%s) - start)),$rss,$fds,$(tun_count),$(route_count),$(has_tunnel_route),$(count_events connected),$(count_events reconnecting),$(count_events error),$(grep -c 'bytes from' "$WORK/ping.log" 2>/dev/null || true)" \
      >>"$WORK/samples.csv"
    tick=$((tick + 1))
    local wait=$((start + tick * SAMPLE_SECONDS - $(date +%s)))
    [ "$wait" -gt 0 ] && sleep "$wait"
  done
}

gre_drop() { # $1: -I or -D
  in_b iptables -w "$1" INPUT -p gre -j DROP
  in_b iptables -w "$1" OUTPUT -p gre -j DROP
}

# Waits up to $2 seconds until the count of event $1 in ferry.log exceeds $3; prints the seconds waited or "-".
wait_event_count() {
  local event="$1" seconds="$2" before="$3" t0
  t0="$(date +%s.%N)"
  for _ in $(seq $((seconds * 10))); do
    if [ "$(count_events "$event")" -gt "$before" ]; then
      awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'
      return 0
    fi
    kill -0 "$FERRY_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "-"
}

# force_reconnect N METHOD: forces one reconnect, waits for it, checks what it restored; appends to reconnects.csv.
force_reconnect() {
  local n="$1" method="$2" connected_before reconnecting_before at detect back code tun routes route ping_ok
  connected_before="$(count_events connected)"
  reconnecting_before="$(count_events reconnecting)"
  at=$(($(date +%s) - START))
  log "forced reconnect $n ($method) at ${at}s"
  if [ "$method" = gre ]; then
    gre_drop -I
    detect="$(wait_event_count reconnecting 150 "$reconnecting_before")"
    gre_drop -D
  else
    stop_process "$(cat "$WORK/pump.pid")"
    detect="$(wait_event_count reconnecting 60 "$reconnecting_before")"
  fi
  back="$(wait_event_count connected 120 "$connected_before")"
  code="$(grep '"event":"reconnecting"' "$WORK/ferry.log" | sed -n "$((reconnecting_before + 1))p" | jq -r '.code' 2>/dev/null || echo "?")"
  sleep 2
  tun="$(tun_count)"
  routes="$(route_count)"
  route="$(has_tunnel_route)"
  if in_a ping -c 3 -i 0.3 -W 2 -q "$SERVER_TUNNEL" >/dev/null 2>&1; then ping_ok=1; else ping_ok=0; fi
  echo "$n,$method,$at,$code,$detect,$back,$(($(count_events reconnecting) - reconnecting_before)),$tun,$routes,$route,$ping_ok" \
    >>"$WORK/reconnects.csv"
  log "reconnect $n: $code after ${detect}s, connected again ${back}s later; TUN $tun, routes $routes (connected: $ROUTES_CONNECTED), tunnel route $route, ping $ping_ok"
}

log "work directory $WORK"
setup_network
ROUTES_BEFORE="$(route_count)"
TUN_BEFORE="$(tun_count)"
supervise_pump &
STARTED+=("$!")
wait_for_line "$WORK/pump.log" '^ready' 30 "" 20

TRANSPORT_ARGS=(--transport direct)
if [ "$TRANSPORT" = wrap ]; then
  make_relay_credentials
  start_relay
  TRANSPORT_ARGS=(--transport wrap --relay "wss://$ADDR_R:$RELAY_PORT/ferry" --relay-token-file "$WORK/relay-token"
    --relay-ca "$WORK/relay-ca.pem")
fi

printf '%s\n' "$SOAK_PASSWORD" >"$WORK/password"
mkdir -p "$WORK/ferry-state"
ip netns exec "$NS_A" env FERRY_STATE_DIR="$WORK/ferry-state" FERRY_SOAK_HEAP_CSV="$WORK/heap.csv" \
  NODE_OPTIONS="--import $PKG_DIR/bench/soak/heap-sampler.mjs" sh -c 'mkdir -p /run/ferry && mount -t tmpfs fy-soak /run/ferry && exec "$@"' sh \
  node "$REPO_DIR/packages/cli/bin/ferry.js" connect --server "$ADDR_B" --user "$SOAK_USER" \
  --password-stdin --mppe 128 "${TRANSPORT_ARGS[@]}" --route "$TUNNEL_ROUTE" --no-dns --json \
  <"$WORK/password" >"$WORK/ferry.log" 2>&1 &
FERRY_PID="$!"
STARTED+=("$FERRY_PID")
wait_for_line "$WORK/ferry.log" '"event":"connected"' 30 "$FERRY_PID" 20
sleep 1
ROUTES_CONNECTED="$(route_count)"
log "connected (ferry PID $FERRY_PID): $(grep -m1 '"event":"connected"' "$WORK/ferry.log")"

supervise_iperf3_server &
STARTED+=("$!")
sleep 0.5
supervise_iperf3_client &
STARTED+=("$!")
supervise_ping &
STARTED+=("$!")

START="$(date +%s)"
END=$((START + MINUTES * 60))
sample_loop "$START" "$FERRY_PID" &
STARTED+=("$!")

echo "n,method,at_s,code,detect_s,reconnect_s,reconnecting_events,tun_devices,routes,tunnel_route,ping_ok" \
  >"$WORK/reconnects.csv"
FORCED=0
FERRY_ENDED=""
while :; do
  next=$((START + (FORCED + 1) * RECONNECT_EVERY))
  [ "$next" -lt $((END - 30)) ] || break
  while [ "$(date +%s)" -lt "$next" ] && kill -0 "$FERRY_PID" 2>/dev/null; do sleep 1; done
  kill -0 "$FERRY_PID" 2>/dev/null || { FERRY_ENDED=1; break; }
  FORCED=$((FORCED + 1))
  method="$METHOD"
  if [ "$METHOD" = alternate ]; then
    if [ $((FORCED % 2)) = 1 ]; then method=gre; else method=pump; fi
  fi
  force_reconnect "$FORCED" "$method"
done
while [ "$(date +%s)" -lt "$END" ] && kill -0 "$FERRY_PID" 2>/dev/null; do sleep 1; done
kill -0 "$FERRY_PID" 2>/dev/null || FERRY_ENDED=1
ELAPSED=$(($(date +%s) - START))
sleep "$SAMPLE_SECONDS" # one more sample, at the end

# Stop the traffic and ferry (a clean disconnect), then look at what it left behind.
for pid in "${STARTED[@]}"; do [ "$pid" = "$FERRY_PID" ] || [ "$pid" = "${RELAY_PID:-}" ] || stop_process "$pid"; done
FINAL_RSS="$(awk '/^VmRSS:/ { print $2 }' "/proc/$FERRY_PID/status" 2>/dev/null || echo "-")"
stop_process "$FERRY_PID" INT
sleep 1
TUN_AFTER="$(tun_count)"
ROUTES_AFTER="$(route_count)"

# ---- summary ----
IPERF_BYTES="$(cat "$WORK"/iperf3-*.json 2>/dev/null | jq -s '[.[] | .intervals[]? | (.sum.bytes // 0) + (.sum_bidir_reverse.bytes // 0)] | add // 0' 2>/dev/null || echo 0)"
PING_SENT="$(grep -c -E 'bytes from|no answer yet' "$WORK/ping.log" 2>/dev/null || true)"
PING_REPLIES="$(grep -c 'bytes from' "$WORK/ping.log" 2>/dev/null || true)"
SEEN=$(($(count_events connected) - 1))
# series_stats FILE COLUMN [DECIMALS]: "first min max last slope count" of one CSV column (column 1 is seconds), the
# slope in units per minute (DECIMALS places, default 1) by least squares over the last two thirds of the run (the
# first third is warm-up); "-" for each when the file has no rows.
series_stats() {
  awk -F, -v col="$2" -v digits="${3:-1}" -v third="$((ELAPSED / 3))" 'NR > 1 && $col != "" {
      n++; v = $col + 0; if (n == 1) { first = min = max = v }
      if (v < min) min = v; if (v > max) max = v; last = v
      if ($1 >= third) { x = $1 / 60; k++; sx += x; sy += v; sxx += x * x; sxy += x * v }
    } END {
      if (n == 0) { print "- - - - - 0"; exit }
      d = k * sxx - sx * sx; slope = d > 0 ? (k * sxy - sx * sy) / d : 0
      printf "%d %d %d %d %." digits "f %d\n", first, min, max, last, slope, n }' "$1" 2>/dev/null || echo "- - - - - 0"
}
read -r RSS_FIRST RSS_MIN RSS_MAX RSS_LAST RSS_SLOPE N_SAMPLES < <(series_stats "$WORK/samples.csv" 2)
read -r FD_FIRST FD_MIN FD_MAX FD_LAST FD_SLOPE _ < <(series_stats "$WORK/samples.csv" 3 3)
# The JavaScript heap as V8 sees it (heap-sampler.mjs): used is the live objects, total what V8 has reserved for them.
read -r HEAP_FIRST HEAP_MIN HEAP_MAX HEAP_LAST HEAP_SLOPE _ < <(series_stats "$WORK/heap.csv" 2)
read -r _ TOTAL_MIN TOTAL_MAX _ _ _ < <(series_stats "$WORK/heap.csv" 3)
read -r _ _ EXT_MAX _ _ _ < <(series_stats "$WORK/heap.csv" 4)
TUN_SAMPLES="$(awk -F, 'NR > 1 { c[$4]++ } END { for (v in c) printf "%s%s TUN: %d samples", (s++ ? ", " : ""), v, c[v] }' "$WORK/samples.csv")"
RESTORED="$(awk -F, -v r="$ROUTES_CONNECTED" 'NR > 1 { n++; if ($6 != "-" && $8 == 1 && $9 == r && $10 == 1 && $11 == 1) ok++ }
  END { printf "%d of %d", ok, n }' "$WORK/reconnects.csv")"

echo
echo "## Soak: Ferry $TRANSPORT, $MINUTES min, forced reconnect every $RECONNECT_EVERY s ($METHOD)"
echo
echo "$(nproc) CPUs, $(uname -r), node $(node --version); traffic: iperf3 --bidir $RATE each way + ping every 0.2 s."
[ -n "$FERRY_ENDED" ] && echo && echo "**ferry ended by itself before the end of the run**; last lines of its log:" &&
  echo && echo '```' && tail -n 5 "$WORK/ferry.log" && echo '```'
echo
echo "| figure | value |"
echo "| --- | --- |"
echo "| duration | $((ELAPSED / 60)) min $((ELAPSED % 60)) s ($N_SAMPLES samples every ${SAMPLE_SECONDS} s) |"
echo "| reconnects seen / forced | $SEEN / $FORCED ($(count_events reconnecting) \`reconnecting\` events, $(count_events error) \`error\` events) |"
echo "| routes and TUN restored after a reconnect | $RESTORED (TUN device up, $ROUTES_CONNECTED IPv4 routes as after the first connect, tunnel route, ping) |"
echo "| bytes moved (iperf3, both ways) | $(awk -v b="$IPERF_BYTES" 'BEGIN { printf "%.2f GB", b / 1e9 }') |"
echo "| ping replies | $PING_REPLIES of $PING_SENT ($(awk -v r="$PING_REPLIES" -v s="$PING_SENT" 'BEGIN { if (s > 0) printf "%.1f", 100 * (s - r) / s; else printf "-" }')% lost, mostly during reconnects) |"
echo "| ferry RSS first / min / max / last | $RSS_FIRST / $RSS_MIN / $RSS_MAX / $RSS_LAST KB (before disconnect: ${FINAL_RSS} KB) |"
echo "| RSS slope, last 2/3 of the run | $RSS_SLOPE KB/min |"
echo "| JS heap used first / min / max / last | $HEAP_FIRST / $HEAP_MIN / $HEAP_MAX / $HEAP_LAST KB (slope, last 2/3: $HEAP_SLOPE KB/min) |"
echo "| JS heap reserved (V8 heap total) min / max; external max | $TOTAL_MIN / $TOTAL_MAX KB; $EXT_MAX KB |"
echo "| ferry open fds first / min / max / last | $FD_FIRST / $FD_MIN / $FD_MAX / $FD_LAST (slope, last 2/3: $FD_SLOPE per min) |"
echo "| TUN devices in the client namespace | $TUN_SAMPLES; $TUN_BEFORE before connecting, $TUN_AFTER after disconnecting |"
echo "| IPv4 routes in the client namespace | $ROUTES_BEFORE before, $ROUTES_CONNECTED connected, $ROUTES_AFTER after disconnecting |"
echo
echo "Reconnects (detect: from forcing to \`reconnecting\`; reconnect: from there to \`connected\`):"
echo
echo "| # | method | at s | code | detect s | reconnect s | attempts | TUN | routes | tunnel route | ping |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
awk -F, 'NR > 1 { line = $0; gsub(/,/, " | ", line); printf "| %s |\n", line }' "$WORK/reconnects.csv"
echo
echo "Samples: $WORK/samples.csv, heap.csv; reconnects: $WORK/reconnects.csv; logs: ferry.log, pump.log, ping.log, iperf3-*.json."
[ -n "$FERRY_ENDED" ] && exit 1
exit 0
