#!/usr/bin/env bash
# Self-test of the lab (root): builds the image, boots the VM, and checks from the client namespaces that
# pptpd answers PPTP control messages and starts pppd, directly and through the NAT with the PPTP helper
# (where GRE from the server must reach the client behind the NAT, and must not without the helper), then
# once per other server variant.
# Always tears everything down, even on failure.
set -euo pipefail

lab=$(cd "$(dirname "$0")" && pwd)
run="$lab/.run"
pass=0 fail=0

cleanup() {
  "$lab/vm.sh" stop || true
  "$lab/net.sh" down || true
  if [ -n "${capture_pid:-}" ]; then kill "$capture_pid" 2> /dev/null || true; fi
}
trap cleanup EXIT

check() { # check NAME COMMAND...: runs one check and counts it
  local name=$1
  shift
  if "$@"; then echo "ok: $name"; pass=$((pass + 1)); else echo "FAIL: $name"; fail=$((fail + 1)); fi
}

# The VM console must show pppd started for the latest call and its clean end.
pppd_ran() {
  sleep 1
  "$lab/vm.sh" log | grep -q 'Connect: ppp0 <--> /dev/pts/' && "$lab/vm.sh" log | grep -q 'Connection terminated'
}

# Captures GRE on fy-client's eth0 while a call is placed and prints how many packets arrived: GRE from the
# server crosses the NAT only when the PPTP helper maps it back to the client.
gre_to_client() {
  local pcap="$run/fy-client-gre.pcap" started=0
  rm -f "$pcap"
  ip netns exec fy-client tshark -q -i eth0 -f 'ip proto 47' -a duration:8 -w "$pcap" > "$run/tshark.log" 2>&1 &
  capture_pid=$!
  for _ in $(seq 50); do
    grep -q "Capturing on" "$run/tshark.log" && { started=1; break; }
    sleep 0.1
  done
  [ "$started" = 1 ] || { echo "tshark did not start" >&2; return 1; }
  "$lab/probe.sh" --call fy-client > /dev/null || true
  kill "$capture_pid" 2> /dev/null || true
  wait "$capture_pid" 2> /dev/null || true
  capture_pid=""
  tshark -r "$pcap" 2> /dev/null | wc -l
}
gre_reaches_client() { [ "$(gre_to_client)" -gt 0 ]; }
gre_blocked_at_nat() { [ "$(gre_to_client)" = 0 ]; }

build_start=$(date +%s%N)
"$lab/image/build.sh"
echo "image build: $((($(date +%s%N) - build_start) / 1000000)) ms"

"$lab/net.sh" down
"$lab/net.sh" up public
"$lab/vm.sh" start require-128
check "public: SCCRQ from fy-client" "$lab/probe.sh" fy-client
check "public: SCCRQ from fy-client2" "$lab/probe.sh" fy-client2
check "public: OCRQ starts pppd" "$lab/probe.sh" --call fy-client
check "public: pppd connect and disconnect logged" pppd_ran

"$lab/net.sh" up nat-helper
check "nat-helper: SCCRQ from fy-client" "$lab/probe.sh" fy-client
check "nat-helper: SCCRQ from fy-client2" "$lab/probe.sh" fy-client2
if command -v tshark > /dev/null; then
  check "nat-helper: GRE from the server reaches fy-client (tshark)" gre_reaches_client
  "$lab/net.sh" up nat-nohelper
  check "nat-nohelper: GRE from the server stops at fy-nat (tshark)" gre_blocked_at_nat
fi

"$lab/net.sh" up public
for variant in stateful 40 none; do
  "$lab/vm.sh" start "$variant"
  check "$variant: OCRQ starts pppd with this variant's options" "$lab/probe.sh" --call fy-client
  check "$variant: pppd connect and disconnect logged" pppd_ran
done

echo "selftest: $pass passed, $fail failed"
[ "$fail" = 0 ]
