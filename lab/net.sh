#!/usr/bin/env bash
# Builds and removes the lab's network namespaces (see README.md for the diagram).
#   net.sh up TOPOLOGY   public | nat-helper | nat-nohelper | nat-dropgre | cgnat | proxy-only; keeps the core
#                        (fy-srv, fy-inet, fy-relay), rebuilds the client side
#   net.sh down          stops the lab's relay and proxy (by pid file), deletes every namespace this script makes
#                        and their /etc/netns entries; safe to run any number of times, also after a failed run
#   net.sh status        lists the lab's namespaces and addresses
# Faults, for tests (loss and link are undone by their counterpart, or by the next `up` or `down`):
#   net.sh loss PERCENT  fy-inet drops PERCENT % of the packets it forwards, at random, each packet and each direction
#                        on its own (iptables statistic match; the kernel has no netem); `loss 0` stops it
#   net.sh link down|up [NS]   takes eth0 of client NS (default fy-client) down, as sleep or a lost Wi-Fi would (the
#                        kernel then deletes every route through it), and brings it back up with the default route
#                        it had, as DHCP would on wake; routes other programs had added are left for them to notice
#   net.sh conntrack-flush [NS]   empties NS's IPv4 connection tracking table (default fy-nat), as `conntrack -F`
#                        would (over ctnetlink, so the conntrack tool is not needed)
# Everything happens inside namespaces named fy-*; the root namespace is never configured.
set -euo pipefail

lab=$(cd "$(dirname "$0")" && pwd)
RUN=/run/ferry-lab
CORE_NS="fy-srv fy-inet fy-relay"
EDGE_NS="fy-client fy-client2 fy-client3 fy-nat fy-cgn"
CLIENTS=3
# The ends of the edge's cables that live in fy-inet (see edge_down).
INET_EDGE_IFS="fy-c1 fy-c2 fy-c3 fy-n1 fy-g1"
PROXY_PORT=3128
RELAY_PORT=443

ns_exists() { [ -e "/run/netns/$1" ]; }

# Creates a namespace with loopback up and its own resolv.conf, which `ip netns exec` bind-mounts over
# /etc/resolv.conf (without it, a DNS test inside the namespace would rewrite the host's resolver).
ns_add() {
  mkdir -p "/etc/netns/$1"
  printf '# ferry lab namespace %s\nnameserver 203.0.113.1\n' "$1" > "/etc/netns/$1/resolv.conf"
  ip netns add "$1"
  ip -n "$1" link set lo up
}

ns_del() {
  if ns_exists "$1"; then ip netns del "$1"; fi
  rm -rf "/etc/netns/$1"
}

# veth NS_A IF_A NS_B IF_B: a cable between two namespaces; created inside them, never in the root namespace.
veth() {
  ip -n "$1" link add "$2" type veth peer name "$4" netns "$3"
  ip -n "$1" link set "$2" up
  ip -n "$3" link set "$4" up
}

bridge() { # bridge NS NAME [ADDRESS]
  ip -n "$1" link add "$2" type bridge
  ip -n "$1" link set "$2" up
  if [ -n "${3:-}" ]; then ip -n "$1" addr add "$3" dev "$2"; fi
}

router() { ip netns exec "$1" sysctl -qw net.ipv4.ip_forward=1; }

ipt() { # ipt NS IPTABLES-ARGS...
  local ns=$1
  shift
  ip netns exec "$ns" iptables "$@"
}

# host NS ADDRESS GATEWAY: an end host whose only interface is eth0 (its peer is left for the caller).
host_addr() {
  ip -n "$1" addr add "$2" dev eth0
  ip -n "$1" route add default via "$3"
}

# A pid from PIDFILE if that process still runs the program COMM (a reused pid is never taken for it).
pid_of() { # pid_of PIDFILE COMM
  local pid
  [ -f "$1" ] || return 1
  pid=$(cat "$1")
  [[ $pid =~ ^[0-9]+$ ]] && [ -d "/proc/$pid" ] && [ "$(cat "/proc/$pid/comm" 2> /dev/null)" = "$2" ] && echo "$pid"
}

kill_pidfile() { # kill_pidfile PIDFILE COMM: TERM, then KILL after 5 s; removes the pid file
  local pid
  if pid=$(pid_of "$1" "$2"); then
    kill "$pid" 2> /dev/null || true
    for _ in $(seq 50); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
    if [ -d "/proc/$pid" ]; then kill -9 "$pid" 2> /dev/null || true; fi
  fi
  rm -f "$1"
}

# fy-srv: bridge fy-br0 joining the VM's tap fy-tap0, the cable to fy-inet (198.51.100.1) and the relay host.
# fy-inet: router between 198.51.100.0/24 and 203.0.113.0/24 (bridge fy-br1, 203.0.113.1).
core_up() {
  if ! ns_exists fy-srv || ! ns_exists fy-inet; then
    ns_del fy-relay # leftovers of a half-built core
    ns_del fy-srv
    ns_del fy-inet
    ns_add fy-srv
    ns_add fy-inet
    bridge fy-srv fy-br0
    ip -n fy-srv tuntap add dev fy-tap0 mode tap
    ip -n fy-srv link set fy-tap0 master fy-br0 up
    veth fy-srv fy-uplink fy-inet fy-srv0
    ip -n fy-srv link set fy-uplink master fy-br0
    ip -n fy-inet addr add 198.51.100.1/24 dev fy-srv0
    bridge fy-inet fy-br1 203.0.113.1/24
    router fy-inet
  fi
  relay_host_up
}

# fy-relay: the relay host, 198.51.100.2/24 on fy-br0 next to the VM, default route via fy-inet. Added to a core
# that lacks it (e.g. one built before the relay existed) without touching the VM's side.
relay_host_up() {
  if ns_exists fy-relay && ip -n fy-relay -br addr show dev eth0 2> /dev/null | grep -q '198\.51\.100\.2/24'; then
    return
  fi
  ns_del fy-relay
  ip -n fy-srv link del fy-rly0 2> /dev/null || true
  ns_add fy-relay
  veth fy-relay eth0 fy-srv fy-rly0
  ip -n fy-srv link set fy-rly0 master fy-br0
  host_addr fy-relay 198.51.100.2/24 198.51.100.1
}

# CLIENTS hosts fy-client, fy-client2, fy-client3, eth0 at PREFIX.20, .21, .22 on bridge BRIDGE of namespace NS.
clients_up() { # clients_up NS BRIDGE PREFIX GATEWAY
  local i ns
  for ((i = 1; i <= CLIENTS; i++)); do
    ns=fy-client${i#1}
    ns_add "$ns"
    veth "$ns" eth0 "$1" "fy-c$i"
    ip -n "$1" link set "fy-c$i" master "$2"
    host_addr "$ns" "$3.$((19 + i))/24" "$4"
  done
}

public_up() {
  clients_up fy-inet fy-br1 203.0.113 203.0.113.1
}

# fy-nat: a home router whose inside is 10.1.0.1 (bridge fy-br2, the clients) and whose outside fy-wan is
# 203.0.113.2 on fy-br1 (UPSTREAM "inet") or 100.64.0.2 behind fy-cgn (UPSTREAM "cgn").
home_router_up() { # home_router_up UPSTREAM
  ns_add fy-nat
  if [ "$1" = cgn ]; then
    veth fy-nat fy-wan fy-cgn fy-cpe
    ip -n fy-nat addr add 100.64.0.2/24 dev fy-wan
    ip -n fy-nat route add default via 100.64.0.1
  else
    veth fy-nat fy-wan fy-inet fy-n1
    ip -n fy-inet link set fy-n1 master fy-br1
    ip -n fy-nat addr add 203.0.113.2/24 dev fy-wan
    ip -n fy-nat route add default via 203.0.113.1
  fi
  bridge fy-nat fy-br2 10.1.0.1/24
  clients_up fy-nat fy-br2 10.1.0 10.1.0.1
}

# Silently drops GRE passing through NS or addressed to it (no ICMP "protocol unreachable" back); TCP passes.
drop_gre() {
  ipt "$1" -A FORWARD -p gre -j DROP
  ipt "$1" -A INPUT -p gre -j DROP
}

# A home NAT masquerading out of fy-wan; with the PPTP conntrack helper attached to TCP 1723 when MODE is
# "helper" (kernels since 4.7 never attach it by themselves), dropping GRE when MODE is "dropgre".
nat_up() { # nat_up helper|none|dropgre
  home_router_up inet
  router fy-nat
  ipt fy-nat -t nat -A POSTROUTING -o fy-wan -j MASQUERADE
  case "$1" in
    helper)
      # Built into some kernels, modules on others: modprobe only matters for the latter.
      modprobe -q nf_nat_pptp 2> /dev/null || true
      ipt fy-nat -t raw -A PREROUTING -i fy-br2 -p tcp --dport 1723 -j CT --helper pptp
      ;;
    dropgre) drop_gre fy-nat ;;
  esac
}

# Carrier-grade NAT: the home NAT fy-nat (no helper) masquerades 10.1.0.0/24 to 100.64.0.2, and the carrier's
# fy-cgn (100.64.0.1 inside, 203.0.113.3 outside) masquerades that again and drops GRE.
cgnat_up() {
  ns_add fy-cgn
  veth fy-cgn fy-wan fy-inet fy-g1
  ip -n fy-inet link set fy-g1 master fy-br1
  ip -n fy-cgn addr add 203.0.113.3/24 dev fy-wan
  ip -n fy-cgn route add default via 203.0.113.1
  home_router_up cgn
  ip -n fy-cgn addr add 100.64.0.1/24 dev fy-cpe
  router fy-cgn
  ipt fy-cgn -t nat -A POSTROUTING -o fy-wan -j MASQUERADE
  drop_gre fy-cgn
  router fy-nat
  ipt fy-nat -t nat -A POSTROUTING -o fy-wan -j MASQUERADE
}

# The only way out is an HTTP proxy: fy-nat forwards nothing (forwarding off, FORWARD policy DROP, no NAT) and
# runs tinyproxy on 10.1.0.1:3128, which accepts clients from 10.1.0.0/24 and CONNECT only to port 443.
proxy_only_up() {
  local pid
  home_router_up inet
  ipt fy-nat -P FORWARD DROP
  command -v tinyproxy > /dev/null || { echo "net.sh: tinyproxy is not installed (scripts/install.sh)" >&2; exit 1; }
  mkdir -p "$RUN"
  : > "$RUN/tinyproxy.log"
  chown nobody "$RUN/tinyproxy.log"
  cat > "$RUN/tinyproxy.conf" << EOF
# ferry lab: the proxy of the proxy-only topology (written by lab/net.sh, run in namespace fy-nat)
User nobody
Group nogroup
Listen 10.1.0.1
Port $PROXY_PORT
Timeout 600
MaxClients 100
Allow 10.1.0.0/24
ConnectPort $RELAY_PORT
DisableViaHeader Yes
LogFile "$RUN/tinyproxy.log"
LogLevel Info
EOF
  # -d: foreground; ip netns exec execs tinyproxy in place, so $! is tinyproxy's own pid.
  ip netns exec fy-nat tinyproxy -d -c "$RUN/tinyproxy.conf" > "$RUN/tinyproxy.out" 2>&1 < /dev/null &
  pid=$!
  echo "$pid" > "$RUN/tinyproxy.pid"
  for _ in $(seq 100); do
    if ip netns exec fy-nat ss -Hltn "sport = :$PROXY_PORT" | grep -q .; then return; fi
    [ -d "/proc/$pid" ] || break
    sleep 0.1
  done
  echo "net.sh: tinyproxy did not listen on 10.1.0.1:$PROXY_PORT; its output:" >&2
  cat "$RUN/tinyproxy.out" "$RUN/tinyproxy.log" >&2
  exit 1
}

# The kernel dismantles a deleted namespace's devices asynchronously, so the cables' ends in fy-inet are
# deleted first, synchronously: otherwise the next `up` can find their names still taken.
edge_down() {
  local ns ifc
  kill_pidfile "$RUN/tinyproxy.pid" tinyproxy
  if ns_exists fy-inet; then
    for ifc in $INET_EDGE_IFS; do ip -n fy-inet link del "$ifc" 2> /dev/null || true; done
  fi
  for ns in $EDGE_NS; do ns_del "$ns"; done
}

down() {
  local ns
  "$lab/relay.sh" stop || true
  edge_down
  for ns in $CORE_NS; do ns_del "$ns"; done
}

# A chain of its own in fy-inet's FORWARD chain, so that `loss` never touches another test's rules.
loss() { # loss PERCENT
  local percent=${1:-} probability
  if ! [[ $percent =~ ^[0-9]+([.][0-9]+)?$ ]] || awk -v p="$percent" 'BEGIN { exit !(p > 100) }'; then
    echo "usage: net.sh loss PERCENT (0 to 100)" >&2
    exit 2
  fi
  ns_exists fy-inet || { echo "net.sh: no lab network; run: net.sh up TOPOLOGY" >&2; exit 1; }
  ipt fy-inet -N FY_LOSS 2> /dev/null || ipt fy-inet -F FY_LOSS
  ipt fy-inet -C FORWARD -j FY_LOSS 2> /dev/null || ipt fy-inet -I FORWARD 1 -j FY_LOSS
  if awk -v p="$percent" 'BEGIN { exit !(p > 0) }'; then
    probability=$(awk -v p="$percent" 'BEGIN { printf "%.6f", p / 100 }')
    ipt fy-inet -A FY_LOSS -m statistic --mode random --probability "$probability" -j DROP
  fi
}

link() { # link down|up [NS]
  local ns=${2:-fy-client} saved route
  saved="$RUN/link-$ns.route"
  ns_exists "$ns" || { echo "net.sh: no namespace $ns" >&2; exit 1; }
  case "${1:-}" in
    down)
      mkdir -p "$RUN"
      ip -n "$ns" route show default dev eth0 > "$saved"
      ip -n "$ns" link set eth0 down
      ;;
    up)
      ip -n "$ns" link set eth0 up
      if [ -s "$saved" ]; then
        read -ra route < "$saved"
        if [ -z "$(ip -n "$ns" route show default dev eth0)" ]; then ip -n "$ns" route add "${route[@]}" dev eth0; fi
        rm -f "$saved"
      fi
      ;;
    *) echo "usage: net.sh link down|up [NS]" >&2; exit 2 ;;
  esac
}

# ctnetlink: an IPCTNL_MSG_CT_DELETE (subsystem 1, message 2) without a tuple deletes every IPv4 entry; the kernel
# acknowledges with error 0.
conntrack_flush() { # conntrack_flush [NS]
  local ns=${1:-fy-nat}
  ns_exists "$ns" || { echo "net.sh: no namespace $ns" >&2; exit 1; }
  ip netns exec "$ns" python3 -c '
import socket, struct, sys
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)  # NETLINK_NETFILTER
s.bind((0, 0))
body = struct.pack("=BBH", socket.AF_INET, 0, 0)  # nfgenmsg: family, version, resource id
s.send(struct.pack("=IHHII", 16 + len(body), (1 << 8) | 2, 0x1 | 0x4, 1, 0) + body)  # REQUEST|ACK
reply = s.recv(4096)
kind, error = struct.unpack("=H", reply[4:6])[0], struct.unpack("=i", reply[16:20])[0]
if kind != 2 or error != 0:
    sys.exit("net.sh: conntrack flush failed: netlink error %d" % error)
'
}

status() {
  local ns
  for ns in $CORE_NS $EDGE_NS; do
    ns_exists "$ns" || continue
    echo "== $ns"
    ip -n "$ns" -br addr | grep -v '^lo '
  done
  if pid_of "$RUN/tinyproxy.pid" tinyproxy > /dev/null; then echo "tinyproxy: pid $(cat "$RUN/tinyproxy.pid")"; fi
}

case "${1:-}" in
  up)
    topology=${2:?usage: net.sh up public|nat-helper|nat-nohelper|nat-dropgre|cgnat|proxy-only}
    case "$topology" in
      public | nat-helper | nat-nohelper | nat-dropgre | cgnat | proxy-only) ;;
      *) echo "net.sh: unknown topology $topology" >&2; exit 2 ;;
    esac
    core_up
    ipt fy-inet -F FY_LOSS 2> /dev/null || true # no loss left over from a test that failed half-way
    edge_down
    case "$topology" in
      public) public_up ;;
      nat-helper) nat_up helper ;;
      nat-nohelper) nat_up none ;;
      nat-dropgre) nat_up dropgre ;;
      cgnat) cgnat_up ;;
      proxy-only) proxy_only_up ;;
    esac
    ;;
  down) down ;;
  status) status ;;
  loss) loss "${2:-}" ;;
  link) link "${2:-}" "${3:-}" ;;
  conntrack-flush) conntrack_flush "${2:-}" ;;
  *) echo "usage: net.sh up TOPOLOGY | down | status | loss PERCENT | link down|up [NS] | conntrack-flush [NS]" >&2; exit 2 ;;
esac
