#!/usr/bin/env bash
# Self-test of the lab (root), without Ferry: builds the image, boots the VM, and checks every topology from its
# client namespaces: pptpd answers PPTP control messages and starts pppd, directly and through the NAT with the
# PPTP helper (where GRE from the server must reach the client behind the NAT, and must not without the helper);
# the relay host reaches the server; nat-dropgre and cgnat pass TCP 1723 but drop GRE both ways, silently;
# proxy-only lets nothing out but CONNECT to port 443 through tinyproxy; then once per other server variant.
# Where the relay host's port 443 is used, a stand-in listener there answers each connection with the address it
# came from (what the relay would report in its welcome). If the relay is built (packages/wrap/dist), relay.sh
# starts the real relay and a TLS handshake through the proxy must verify against the lab CA.
# Always tears everything down, even on failure.
set -euo pipefail

lab=$(cd "$(dirname "$0")" && pwd)
run="$lab/.run"
SERVER=198.51.100.10
RELAY=198.51.100.2
PROXY=10.1.0.1:3128
pass=0 fail=0
capture_pid="" echo_pid=""

cleanup() {
  stop_echo
  if [ -n "$capture_pid" ]; then kill "$capture_pid" 2> /dev/null || true; fi
  "$lab/vm.sh" stop || true
  "$lab/net.sh" down || true # also stops the relay and the proxy
}
trap cleanup EXIT

check() { # check NAME COMMAND...: runs one check and counts it
  local name=$1
  shift
  if "$@"; then echo "ok: $name"; pass=$((pass + 1)); else echo "FAIL: $name"; fail=$((fail + 1)); fi
}
not() { ! "$@"; }

# The VM console must show pppd started for the latest call and its clean end.
pppd_ran() {
  sleep 1
  "$lab/vm.sh" log | grep -q 'Connect: ppp0 <--> /dev/pts/' && "$lab/vm.sh" log | grep -q 'Connection terminated'
}

# capture NS IFACE FILTER COMMAND...: prints how many packets matching the capture FILTER crossed IFACE in NS
# while COMMAND ran.
capture() {
  local ns=$1 ifc=$2 filter=$3 pcap="$run/capture.pcap" started=0
  shift 3
  rm -f "$pcap"
  ip netns exec "$ns" tshark -q -i "$ifc" -f "$filter" -a duration:20 -w "$pcap" > "$run/tshark.log" 2>&1 &
  capture_pid=$!
  for _ in $(seq 50); do
    grep -q "Capturing on" "$run/tshark.log" && { started=1; break; }
    sleep 0.1
  done
  [ "$started" = 1 ] || { echo "tshark did not start" >&2; return 1; }
  "$@" > /dev/null 2>&1 || true
  sleep 0.5
  kill "$capture_pid" 2> /dev/null || true
  wait "$capture_pid" 2> /dev/null || true
  capture_pid=""
  tshark -r "$pcap" 2> /dev/null | wc -l
}

# Sends three PPTP-style GRE packets (RFC 2637 enhanced GRE, call ID 0) from NS to the server.
send_gre() {
  ip netns exec "$1" python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 47)
for seq in range(3):
    s.sendto(bytes([0x30, 0x01, 0x88, 0x0b, 0, 0, 0, 0, 0, 0, 0, seq]), (sys.argv[1], 0))
    time.sleep(0.1)
' "$SERVER"
}

# GRE from the server crosses a NAT towards fy-client only when the PPTP helper maps it back to the client.
gre_to_client() { capture fy-client eth0 'ip proto 47' "$lab/probe.sh" --call fy-client; }
gre_reaches_client() { [ "$(gre_to_client)" -gt 0 ]; }
gre_blocked_at_nat() { [ "$(gre_to_client)" = 0 ]; }
# GRE from fy-client to the server, seen on the server's bridge.
gre_to_server() { capture fy-srv fy-br0 "ip proto 47 and dst host $SERVER" send_gre fy-client; }
gre_reaches_server() { [ "$(gre_to_server)" -gt 0 ]; }
gre_blocked_to_server() { [ "$(gre_to_server)" = 0 ]; }
# Silent: while a call is placed (the server then sends GRE), no ICMP error comes back to the server.
icmp_to_server() { capture fy-srv fy-br0 "icmp and dst host $SERVER" "$lab/probe.sh" --call fy-client; }
no_icmp_to_server() { [ "$(icmp_to_server)" = 0 ]; }
# Not silent: a NAT without the helper answers the server's GRE with ICMP "protocol unreachable".
icmp_reaches_server() { [ "$(icmp_to_server)" -gt 0 ]; }

tcp_open() { # tcp_open NS HOST PORT: a TCP connection from NS succeeds within 3 s
  # shellcheck disable=SC2016 # the inner script expands its own positional parameters
  ip netns exec "$1" timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2"' tcp_open "$2" "$3" 2> /dev/null
}

# The stand-in on the relay host's port 443: answers each connection with its source address and closes.
start_echo() {
  # shellcheck disable=SC2016 # JavaScript, not shell
  ip netns exec fy-relay node -e '
    require("node:net").createServer((s) => s.end(`${s.remoteAddress}\n`)).listen(443, process.argv[1]);
  ' "$RELAY" &
  echo_pid=$!
  for _ in $(seq 50); do
    ip netns exec fy-relay ss -Hltn 'sport = :443' | grep -q . && return
    sleep 0.1
  done
  echo "the stand-in on $RELAY:443 did not start" >&2
  return 1
}
stop_echo() {
  if [ -n "$echo_pid" ]; then kill "$echo_pid" 2> /dev/null || true; wait "$echo_pid" 2> /dev/null || true; fi
  echo_pid=""
}

# relay_sees NS EXPECTED [PROXY]: connecting from NS to the relay host's port 443 (through the HTTP proxy
# with CONNECT, if given), the stand-in there sees the connection come from address EXPECTED.
relay_sees() {
  local seen
  # shellcheck disable=SC2016 # the inner script expands its own positional parameters
  seen=$(ip netns exec "$1" timeout 5 bash -c '
    if [ -n "$3" ]; then
      exec 3<>"/dev/tcp/${3%:*}/${3#*:}"
      printf "CONNECT %s:443 HTTP/1.1\r\nHost: %s:443\r\n\r\n" "$1" "$1" >&3
      read -r status <&3
      case "$status" in "HTTP/1."?" 200 "*) ;; *) echo "proxy: $status"; exit 1 ;; esac
      while read -r line <&3 && [ -n "${line%$'"'\r'"'}" ]; do :; done
    else
      exec 3<>"/dev/tcp/$1/443"
    fi
    read -r address <&3
    echo "$address"
  ' relay_sees "$RELAY" "$1" "${3:-}" 2>&1) || true
  [ "$seen" = "$2" ] || { echo "relay_sees $1: expected $2, got ${seen:-nothing}" >&2; return 1; }
}

# proxy_refuses NS TARGET: the proxy answers CONNECT TARGET with 403 (only port 443 is allowed).
proxy_refuses() {
  local status
  # shellcheck disable=SC2016 # the inner script expands its own positional parameters
  status=$(ip netns exec "$1" timeout 5 bash -c '
    exec 3<>"/dev/tcp/${1%:*}/${1#*:}"
    printf "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n" "$2" "$2" >&3
    read -r status <&3
    echo "$status"
  ' proxy_refuses "$PROXY" "$2" 2> /dev/null) || true
  [[ $status == "HTTP/1."?" 403 "* ]]
}

# The real relay through the proxy: a TLS handshake that verifies against the lab CA for the address 198.51.100.2.
relay_tls_via_proxy() {
  ip netns exec "$1" timeout 10 openssl s_client -proxy "$PROXY" -connect "$RELAY:443" \
    -CAfile "$("$lab/relay.sh" ca)" -verify_ip "$RELAY" -verify_return_error -brief < /dev/null 2>&1 |
    grep -q '^Verification: OK'
}

clients="fy-client fy-client2 fy-client3"

build_start=$(date +%s%N)
"$lab/image/build.sh"
echo "image build: $((($(date +%s%N) - build_start) / 1000000)) ms"
mkdir -p "$run"

"$lab/net.sh" down
"$lab/net.sh" up public
"$lab/vm.sh" start require-128
for ns in $clients; do check "public: SCCRQ from $ns" "$lab/probe.sh" "$ns"; done
check "public: OCRQ starts pppd" "$lab/probe.sh" --call fy-client
check "public: pppd connect and disconnect logged" pppd_ran
check "relay host: SCCRQ from fy-relay to the server" "$lab/probe.sh" fy-relay
start_echo
check "public: the relay host sees fy-client3 as 203.0.113.22" relay_sees fy-client3 203.0.113.22

"$lab/net.sh" up nat-helper
for ns in $clients; do check "nat-helper: SCCRQ from $ns" "$lab/probe.sh" "$ns"; done
check "nat-helper: the relay host sees fy-client as 203.0.113.2" relay_sees fy-client 203.0.113.2
if command -v tshark > /dev/null; then
  check "nat-helper: GRE from the server reaches fy-client (tshark)" gre_reaches_client
  "$lab/net.sh" up nat-nohelper
  check "nat-nohelper: GRE from the server stops at fy-nat (tshark)" gre_blocked_at_nat
  check "nat-nohelper: GRE from fy-client reaches the server (tshark)" gre_reaches_server
  check "nat-nohelper: fy-nat answers the server's GRE with ICMP (not silent)" icmp_reaches_server
fi

"$lab/net.sh" up nat-dropgre
for ns in $clients; do check "nat-dropgre: SCCRQ from $ns" "$lab/probe.sh" "$ns"; done
check "nat-dropgre: the relay host sees fy-client2 as 203.0.113.2" relay_sees fy-client2 203.0.113.2
if command -v tshark > /dev/null; then
  check "nat-dropgre: GRE from the server stops at fy-nat (tshark)" gre_blocked_at_nat
  check "nat-dropgre: GRE from fy-client stops at fy-nat (tshark)" gre_blocked_to_server
  check "nat-dropgre: no ICMP error reaches the server (silent drop)" no_icmp_to_server
fi

"$lab/net.sh" up cgnat
for ns in $clients; do check "cgnat: SCCRQ from $ns" "$lab/probe.sh" "$ns"; done
check "cgnat: the home router's outside is 100.64.0.2" \
  bash -c 'ip -n fy-nat -br addr show dev fy-wan | grep -q "100\.64\.0\.2/"'
check "cgnat: the relay host sees fy-client as 203.0.113.3 (the carrier NAT)" relay_sees fy-client 203.0.113.3
if command -v tshark > /dev/null; then
  check "cgnat: GRE from the server stops at fy-cgn (tshark)" gre_blocked_at_nat
  check "cgnat: GRE from fy-client stops at fy-cgn (tshark)" gre_blocked_to_server
  check "cgnat: no ICMP error reaches the server (silent drop)" no_icmp_to_server
fi

"$lab/net.sh" up proxy-only
check "proxy-only: no direct TCP from fy-client to $SERVER:1723" not tcp_open fy-client "$SERVER" 1723
check "proxy-only: no direct TCP from fy-client to $RELAY:443" not tcp_open fy-client "$RELAY" 443
for ns in $clients; do
  check "proxy-only: CONNECT $RELAY:443 through $PROXY from $ns (seen as 203.0.113.2)" \
    relay_sees "$ns" 203.0.113.2 "$PROXY"
done
check "proxy-only: the proxy refuses CONNECT to $SERVER:1723" proxy_refuses fy-client "$SERVER:1723"
stop_echo
if [ -f "$lab/../packages/wrap/dist/relay-server/main.js" ]; then
  check "relay.sh start: the relay listens on $RELAY:443" "$lab/relay.sh" start
  check "proxy-only: TLS to the relay through the proxy verifies against the lab CA" relay_tls_via_proxy fy-client
  "$lab/relay.sh" stop
else
  echo "skipped: the real relay (not built: packages/wrap/dist/relay-server/main.js; npm run build)"
fi

"$lab/net.sh" up public
for variant in stateful 40 none; do
  "$lab/vm.sh" start "$variant"
  check "$variant: OCRQ starts pppd with this variant's options" "$lab/probe.sh" --call fy-client
  check "$variant: pppd connect and disconnect logged" pppd_ran
done

echo "selftest: $pass passed, $fail failed"
[ "$fail" = 0 ]
