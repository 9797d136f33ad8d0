#!/usr/bin/env bash
# The demo to run first (as root): a real PPTP server (Debian's pptpd in a VM) behind an internet router.
# Act 1: a client behind a home NAT with the PPTP helper; `ferry connect` brings up an encrypted tunnel directly:
# progress, a ping, a download through the tunnel, a clean disconnect.
# Act 2: the same client behind a NAT that silently drops GRE; Ferry tries direct, notices that no GRE comes back,
# and comes up through ferry-relay on the server side. Everything is torn down at the end.
set -euo pipefail

lab=$(cd "$(dirname "$0")" && pwd)
ferry="$lab/../packages/cli/bin/ferry.js"
run="$lab/.run"
out="$run/demo-ferry.log"
server_ppp=10.200.0.1

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# Waits for ferry's "Connected ..." line, or fails when ferry stops first or 30 s pass.
wait_connected() {
  for _ in $(seq 150); do
    grep -q '^Connected' "$out" && return
    kill -0 "$ferry_pid" 2>/dev/null || { echo "demo: ferry stopped before connecting" >&2; exit 1; }
    sleep 0.2
  done
  echo "demo: not connected after 30 s" >&2
  exit 1
}

# Ctrl-C to ferry, and its exit status.
disconnect() {
  kill -INT "$ferry_pid"
  wait "$ferry_pid" && echo "ferry exited with status 0"
  ferry_pid=""
}

if [ "$(id -u)" -ne 0 ]; then
  echo "demo: run as root (it builds network namespaces and boots a VM): sudo npm run demo" >&2
  exit 1
fi
if [ ! -f "$lab/../packages/cli/dist/ferry.js" ]; then
  echo "demo: Ferry is not built yet; run: sudo bash scripts/install.sh" >&2
  exit 1
fi

ferry_pid=""
cleanup() {
  if [ -n "$ferry_pid" ] && kill -0 "$ferry_pid" 2>/dev/null; then kill -INT "$ferry_pid"; wait "$ferry_pid" || true; fi
  "$lab/relay.sh" stop
  "$lab/vm.sh" stop
  "$lab/net.sh" down
}
trap cleanup EXIT

say "Building the lab: a home NAT with the PPTP helper, an internet router, and the server VM"
"$lab/image/build.sh"
"$lab/net.sh" up nat-helper > /dev/null
"$lab/vm.sh" start require-128

say "ferry connect --server 198.51.100.10 --user ferry --route 10.200.0.0/24   (from behind the NAT)"
mkdir -p "$run"
echo ferry-lab-pass | ip netns exec fy-client node "$ferry" connect --server 198.51.100.10 --user ferry \
  --password-stdin --route 10.200.0.0/24 > "$out" 2>&1 &
ferry_pid=$!
tail -f "$out" --pid "$ferry_pid" &
wait_connected

say "The tunnel on the client: interface and routes"
ip netns exec fy-client ip -br addr show dev ferry0
ip netns exec fy-client ip route show dev ferry0

say "ping $server_ppp (the server's end of the tunnel), then full-size packets (the tunnel MTU) with don't-fragment"
ip netns exec fy-client ping -c 3 -W 2 "$server_ppp"
ip netns exec fy-client ping -c 2 -W 2 -M "do" -s 1368 "$server_ppp"

say "Download 8 MB over HTTP through the tunnel (the VM is emulated, so this is slow by nature)"
ip netns exec fy-client node -e "
  const t = performance.now();
  fetch('http://$server_ppp/zero-8M').then((r) => r.arrayBuffer()).then((b) => {
    const s = (performance.now() - t) / 1000;
    console.log(\`\${b.byteLength} bytes in \${s.toFixed(2)} s, \${(b.byteLength * 8 / s / 1e6).toFixed(1)} Mbit/s\`);
  });"

say "Ctrl-C: clean disconnect (LCP Terminate-Request, Call-Clear-Request), settings restored"
disconnect
grep 'ferry-lab: ip-down' "$run/console.log" | tail -n 1 | sed 's/^/server log: /'
ip netns exec fy-client ip -br link | grep -q ferry0 && echo "ferry0 is still there!" || echo "ferry0 is gone; routes and DNS are as they were."

say "Act 2: a NAT that silently drops GRE (IP protocol 47), and ferry-relay on the server side (198.51.100.2)"
"$lab/net.sh" up nat-dropgre > /dev/null
"$lab/relay.sh" start
printf 'ferry-lab-token\n' > "$run/relay-token"
state=$(mktemp -d)

say "ferry connect ... --relay wss://198.51.100.2/ferry   (auto: tries direct first)"
echo ferry-lab-pass | FERRY_STATE_DIR="$state" ip netns exec fy-client node "$ferry" connect --server 198.51.100.10 \
  --user ferry --password-stdin --route 10.200.0.0/24 --relay wss://198.51.100.2/ferry \
  --relay-token-file "$run/relay-token" --relay-ca /run/ferry-lab/relay/ca.pem > "$out" 2>&1 &
ferry_pid=$!
tail -f "$out" --pid "$ferry_pid" &
wait_connected

say "ping $server_ppp through the relay"
ip netns exec fy-client ping -c 3 -W 2 "$server_ppp"
disconnect
rm -rf "$state"
