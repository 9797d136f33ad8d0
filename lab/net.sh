#!/usr/bin/env bash
# Builds and removes the lab's network namespaces (see README.md for the diagram).
#   net.sh up TOPOLOGY   public | nat-helper | nat-nohelper; keeps fy-srv/fy-inet, rebuilds the client side
#   net.sh down          deletes every namespace this script makes, and their /etc/netns entries
#   net.sh status        lists the lab's namespaces and addresses
# Everything happens inside namespaces named fy-*; the root namespace is never configured.
set -euo pipefail

CORE_NS="fy-srv fy-inet"
EDGE_NS="fy-client fy-client2 fy-nat"

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

# host NS ADDRESS GATEWAY: an end host whose only interface is eth0 (its peer is left for the caller).
host_addr() {
  ip -n "$1" addr add "$2" dev eth0
  ip -n "$1" route add default via "$3"
}

# fy-srv: bridge fy-br0 joining the VM's tap fy-tap0 and the cable to fy-inet (198.51.100.1).
# fy-inet: router between 198.51.100.0/24 and 203.0.113.0/24 (bridge fy-br1, 203.0.113.1).
core_up() {
  if ns_exists fy-srv && ns_exists fy-inet; then return; fi
  ns_del fy-srv # leftovers of a half-built core
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
}

public_up() {
  local i
  for i in 1 2; do
    local ns=fy-client${i#1}
    ns_add "$ns"
    veth "$ns" eth0 fy-inet "fy-c$i"
    ip -n fy-inet link set "fy-c$i" master fy-br1
    host_addr "$ns" "203.0.113.2$((i - 1))/24" 203.0.113.1
  done
}

# fy-nat: a home router, 203.0.113.2 outside, 10.1.0.1 inside (bridge fy-br2), masquerading; with the PPTP
# conntrack helper attached to TCP 1723 when $1 is "helper" (kernels since 4.7 never attach it by themselves).
nat_up() {
  local i
  ns_add fy-nat
  veth fy-nat fy-wan fy-inet fy-n1
  ip -n fy-inet link set fy-n1 master fy-br1
  ip -n fy-nat addr add 203.0.113.2/24 dev fy-wan
  ip -n fy-nat route add default via 203.0.113.1
  bridge fy-nat fy-br2 10.1.0.1/24
  router fy-nat
  ip netns exec fy-nat iptables -t nat -A POSTROUTING -o fy-wan -j MASQUERADE
  if [ "$1" = helper ]; then
    # Built into some kernels, modules on others: modprobe only matters for the latter.
    modprobe -q nf_nat_pptp 2> /dev/null || true
    ip netns exec fy-nat iptables -t raw -A PREROUTING -i fy-br2 -p tcp --dport 1723 -j CT --helper pptp
  fi
  for i in 1 2; do
    local ns=fy-client${i#1}
    ns_add "$ns"
    veth "$ns" eth0 fy-nat "fy-c$i"
    ip -n fy-nat link set "fy-c$i" master fy-br2
    host_addr "$ns" "10.1.0.2$((i - 1))/24" 10.1.0.1
  done
}

# The kernel dismantles a deleted namespace's devices asynchronously, so the cables' ends in fy-inet are
# deleted first, synchronously: otherwise the next `up` can find their names still taken.
edge_down() {
  local ns ifc
  if ns_exists fy-inet; then
    for ifc in fy-c1 fy-c2 fy-n1; do ip -n fy-inet link del "$ifc" 2> /dev/null || true; done
  fi
  for ns in $EDGE_NS; do ns_del "$ns"; done
}

down() {
  local ns
  for ns in $EDGE_NS $CORE_NS; do ns_del "$ns"; done
}

status() {
  local ns
  for ns in $CORE_NS $EDGE_NS; do
    ns_exists "$ns" || continue
    echo "== $ns"
    ip -n "$ns" -br addr | grep -v '^lo '
  done
}

case "${1:-}" in
  up)
    topology=${2:?usage: net.sh up public|nat-helper|nat-nohelper}
    core_up
    edge_down
    case "$topology" in
      public) public_up ;;
      nat-helper) nat_up helper ;;
      nat-nohelper) nat_up none ;;
      *) echo "net.sh: unknown topology $topology" >&2; exit 2 ;;
    esac
    ;;
  down) down ;;
  status) status ;;
  *) echo "usage: net.sh up TOPOLOGY | down | status" >&2; exit 2 ;;
esac
