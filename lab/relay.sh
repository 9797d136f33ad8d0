#!/usr/bin/env bash
# Runs the wrap relay (packages/wrap/bin/ferry-relay.js) on the lab's relay host, namespace fy-relay
# (198.51.100.2, next to the PPTP server VM; needs `net.sh up TOPOLOGY` first).
#   relay.sh start [EXTRA-ARGS...]   (re)starts it in the background on 198.51.100.2:443, metrics on :9464, allowed
#                                    to dial only 198.51.100.10; waits until it listens (10 s at most)
#   relay.sh stop                    stops it gracefully (SIGTERM: goaway to its clients), by pid file only
#   relay.sh kill                    kills it outright (SIGKILL), as a crash would
#   relay.sh log                     prints its output
#   relay.sh ca                      prints the path of the lab CA certificate that signs the relay's certificate
# On first use it makes, under /run/ferry-lab/relay/: a lab CA (ca.pem, ca.key), the relay's certificate
# (relay.pem, relay.key: SAN IP:198.51.100.2 and DNS:relay.lab) and a tokens file (tokens) holding the token
# ferry-lab-token. Pid and output: /run/ferry-lab/relay.pid, /run/ferry-lab/relay.log.
# FERRY_RELAY=path/to/other-relay.js runs another build of the relay with the same command line.
set -euo pipefail

lab=$(cd "$(dirname "$0")" && pwd)
RUN=/run/ferry-lab
DIR=$RUN/relay
PIDFILE=$RUN/relay.pid
STARTFILE=$RUN/relay.start # the process's start time (field 22 of /proc/PID/stat): a reused pid is never killed
LOG=$RUN/relay.log
ADDRESS=198.51.100.2
PORT=443
METRICS_PORT=9464
SERVER=198.51.100.10
TOKEN=ferry-lab-token
RELAY=${FERRY_RELAY:-$lab/../packages/wrap/bin/ferry-relay.js}
START_TIMEOUT=10

start_time() { # start_time PID: the process's start time in clock ticks since boot
  local stat fields
  stat=$(cat "/proc/$1/stat" 2> /dev/null) || return 1
  stat=${stat##*) } # past "pid (comm) ", whose comm may hold spaces
  read -ra fields <<< "$stat"
  echo "${fields[19]}" # field 22 of stat is the 20th after comm
}

running_pid() {
  local pid
  [ -f "$PIDFILE" ] && [ -f "$STARTFILE" ] || return 1
  pid=$(cat "$PIDFILE")
  [[ $pid =~ ^[0-9]+$ ]] && [ "$(start_time "$pid")" = "$(cat "$STARTFILE")" ] && echo "$pid"
}

# stop [SIGNAL]: SIGTERM by default; after 5 s, SIGKILL.
stop() {
  local pid
  if pid=$(running_pid); then
    kill "-${1:-TERM}" "$pid" 2> /dev/null || true
    for _ in $(seq 50); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
    if [ -d "/proc/$pid" ]; then kill -9 "$pid" 2> /dev/null || true; fi
  fi
  rm -f "$PIDFILE" "$STARTFILE"
}

# The lab CA, the relay's certificate and the tokens file, made once into a temporary directory and then moved
# into place, so that an interrupted run never leaves a half-made set behind.
credentials() {
  local tmp
  [ -f "$DIR/ca.pem" ] && [ -f "$DIR/relay.pem" ] && [ -f "$DIR/relay.key" ] && [ -f "$DIR/tokens" ] && return
  rm -rf "$DIR" "$DIR.tmp"
  tmp=$DIR.tmp
  mkdir -p "$tmp"
  chmod 700 "$tmp"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -noenc -days 3650 \
    -subj "/CN=Ferry lab CA" -keyout "$tmp/ca.key" -out "$tmp/ca.pem" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2> /dev/null
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -noenc \
    -subj "/CN=relay.lab" -keyout "$tmp/relay.key" -out "$tmp/relay.csr" 2> /dev/null
  printf '%s\n' "subjectAltName=IP:$ADDRESS,DNS:relay.lab" "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" > "$tmp/relay.ext"
  openssl x509 -req -in "$tmp/relay.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" -CAcreateserial -days 825 \
    -extfile "$tmp/relay.ext" -out "$tmp/relay.pem" 2> /dev/null
  rm -f "$tmp/relay.csr" "$tmp/relay.ext" "$tmp/ca.srl"
  printf '%s\n' "$TOKEN" > "$tmp/tokens"
  chmod 644 "$tmp/ca.pem" "$tmp/relay.pem"
  chmod 600 "$tmp/ca.key" "$tmp/relay.key" "$tmp/tokens"
  mv "$tmp" "$DIR"
  chmod 755 "$DIR"
}

listening() { # listening PID: that process (not some other) listens on the relay's port
  ip netns exec fy-relay ss -Hltnp "sport = :$PORT" 2> /dev/null | grep -q "pid=$1,"
}

start() {
  local pid elapsed start_ns
  if [ ! -e /run/netns/fy-relay ]; then
    echo "relay.sh: no relay host; run: $lab/net.sh up public" >&2
    exit 1
  fi
  if [ ! -f "$RELAY" ]; then
    echo "relay.sh: $RELAY does not exist (build: npm run build)" >&2
    exit 1
  fi
  stop
  mkdir -p "$RUN"
  credentials
  : > "$LOG"
  start_ns=$(date +%s%N)
  # ip netns exec execs node in place, so $! is the relay's own pid.
  ip netns exec fy-relay "$(command -v node)" "$RELAY" --listen "$ADDRESS:$PORT" \
    --cert "$DIR/relay.pem" --key "$DIR/relay.key" --tokens-file "$DIR/tokens" --allow "$SERVER" \
    --metrics "$ADDRESS:$METRICS_PORT" "$@" >> "$LOG" 2>&1 < /dev/null &
  pid=$!
  echo "$pid" > "$PIDFILE"
  start_time "$pid" > "$STARTFILE" || true
  until listening "$pid"; do
    elapsed=$((($(date +%s%N) - start_ns) / 1000000))
    if [ ! -d "/proc/$pid" ] || [ "$elapsed" -gt $((START_TIMEOUT * 1000)) ]; then
      echo "relay.sh: the relay did not listen on $ADDRESS:$PORT within ${elapsed} ms; its log:" >&2
      cat "$LOG" >&2
      stop
      exit 1
    fi
    sleep 0.1
  done
  elapsed=$((($(date +%s%N) - start_ns) / 1000000))
  echo "relay up: $ADDRESS:$PORT after ${elapsed} ms (pid $pid, log $LOG); CA $DIR/ca.pem, token $TOKEN"
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) stop ;;
  kill) stop KILL ;;
  log) cat "$LOG" 2> /dev/null || true ;;
  ca) echo "$DIR/ca.pem" ;;
  *) echo "usage: relay.sh start [EXTRA-ARGS...] | stop | kill | log | ca" >&2; exit 2 ;;
esac
