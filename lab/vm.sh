#!/usr/bin/env bash
# Runs the PPTP server VM inside the fy-srv namespace (needs `net.sh up TOPOLOGY` first).
#   vm.sh start [require-128|stateful|40|none|noauth] [debug]   boots it, waits until TCP 1723 answers from fy-client
#   vm.sh stop                                           stops it (by pid)
#   vm.sh kill                                           kills it outright (SIGKILL, by pid), as a power cut would
#   vm.sh log                                            prints the serial console
#   vm.sh ctl restart-pptpd                              restarts pptpd in the VM (its pppds too), as
#                                                        `systemctl restart pptpd` would; "ferry-lab: pptpd
#                                                        restarted" appears in the console log when done
set -euo pipefail

SERVER=198.51.100.10
BOOT_TIMEOUT=60

lab=$(cd "$(dirname "$0")" && pwd)
run="$lab/.run"
pidfile="$run/qemu.pid"
console="$run/console.log"
# The control channel: a virtio-serial port backed by two FIFOs, ctl.in (host to VM) and ctl.out (unused).
control="$run/ctl"

running_pid() {
  local pid
  [ -f "$pidfile" ] || return 1
  pid=$(cat "$pidfile")
  [ -d "/proc/$pid" ] && [ "$(cat "/proc/$pid/comm")" = qemu-system-x86 ] && echo "$pid"
}

stop() {
  local pid
  if pid=$(running_pid); then
    kill "$pid"
    for _ in $(seq 50); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
    if [ -d "/proc/$pid" ]; then kill -9 "$pid"; fi
  fi
  rm -f "$pidfile"
}

# SIGKILL: the guest gets no chance to close its connections or say goodbye to its peers.
kill_vm() {
  local pid
  if pid=$(running_pid); then
    kill -9 "$pid"
    for _ in $(seq 50); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
  fi
  rm -f "$pidfile"
}

port_open() { ip netns exec fy-client timeout 1 bash -c "exec 3<>/dev/tcp/$SERVER/1723" 2> /dev/null; }

start() {
  local variant=${1:-require-128} debug=0 start_ns elapsed
  [ "${2:-}" = debug ] && debug=1
  if [ ! -e /run/netns/fy-srv ] || [ ! -e /run/netns/fy-client ]; then
    echo "vm.sh: no lab network; run: $lab/net.sh up public" >&2
    exit 1
  fi
  "$lab/image/build.sh" > /dev/null
  stop
  mkdir -p "$run"
  : > "$console"
  rm -f "$control.in" "$control.out"
  mkfifo "$control.in" "$control.out"
  start_ns=$(date +%s%N)
  ip netns exec fy-srv qemu-system-x86_64 -accel tcg -cpu max -m 256 -nodefaults -no-reboot \
    -display none -monitor none -serial "file:$console" -daemonize -pidfile "$pidfile" \
    -kernel "$lab/.build/vmlinuz" -initrd "$lab/.build/initrd.img" \
    -append "console=ttyS0 panic=-1 quiet ferry.ip=$SERVER/24 ferry.gw=198.51.100.1 ferry.mppe=$variant ferry.debug=$debug" \
    -netdev tap,id=n0,ifname=fy-tap0,script=no,downscript=no \
    -device virtio-net-pci,netdev=n0,mac=52:54:00:fe:00:10 \
    -chardev pipe,id=ctl,path="$control" -device virtio-serial-pci -device virtserialport,chardev=ctl,name=ferry.ctl
  until port_open; do
    elapsed=$((($(date +%s%N) - start_ns) / 1000000))
    if ! running_pid > /dev/null || [ "$elapsed" -gt $((BOOT_TIMEOUT * 1000)) ]; then
      echo "vm.sh: pptpd did not answer on $SERVER:1723 within ${elapsed} ms; console:" >&2
      tail -n 30 "$console" >&2
      stop
      exit 1
    fi
    sleep 0.2
  done
  elapsed=$((($(date +%s%N) - start_ns) / 1000000))
  echo "vm up: pptpd answers on $SERVER:1723 after ${elapsed} ms (mppe=$variant debug=$debug, pid $(cat "$pidfile"))"
}

# One line to the VM's control loop (lab/image/init); qemu holds the FIFO open, so the write cannot block for long.
ctl() {
  [ "$#" -eq 1 ] || { echo "usage: vm.sh ctl COMMAND" >&2; exit 2; }
  running_pid > /dev/null || { echo "vm.sh: the VM is not running" >&2; exit 1; }
  # shellcheck disable=SC2016 # expanded by the inner bash, from its arguments
  timeout 5 bash -c 'printf "%s\n" "$1" > "$2"' ctl "$1" "$control.in"
}

case "${1:-}" in
  start) shift; start "$@" ;;
  ctl) shift; ctl "$@" ;;
  stop) stop ;;
  kill) kill_vm ;;
  log) cat "$console" ;;
  *) echo "usage: vm.sh start [require-128|stateful|40|none|noauth] [debug] | stop | kill | log | ctl COMMAND" >&2; exit 2 ;;
esac
