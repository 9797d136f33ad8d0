#!/usr/bin/env bash
# probe.sh [--call] NAMESPACE [SERVER]: from inside NAMESPACE, sends a hand-made PPTP Start-Control-Connection-
# Request to SERVER:1723 and succeeds only if a Start-Control-Connection-Reply with result 1 (OK) comes back.
# With --call it then places an Outgoing-Call-Request, expects a reply with result 1 (the server has started
# pppd, which logs "Connect: ppp0" on the VM console) and holds the call for 3 s before hanging up.
set -euo pipefail

call=0
if [ "${1:-}" = --call ]; then call=1; shift; fi
ns=${1:?usage: probe.sh [--call] NAMESPACE [SERVER]}
server=${2:-198.51.100.10}

# RFC 2637 section 2.1, 156 bytes: length 156, PPTP message type 1 (control), magic cookie 1A2B3C4D,
# control message type 1 (SCCRQ), reserved0, protocol version 1.0, reserved1, framing capabilities 1 (async),
# bearer capabilities 1 (analog), maximum channels 0, firmware revision 0, host name and vendor (64 bytes each).
header='\x00\x9c\x00\x01\x1a\x2b\x3c\x4d\x00\x01\x00\x00\x01\x00\x00\x00'
header+='\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00\x00'
zeros64=$(printf '\\x00%.0s' $(seq 64))
sccrq="${header}ferry-lab${zeros64:36}${zeros64}" # "ferry-lab" is 9 bytes; 55 NULs pad the host name

# RFC 2637 section 2.7, 168 bytes: length 168, control message type 7 (OCRQ), call ID 0x4001, call serial 1,
# minimum BPS 300, maximum BPS 100000000, bearer type 3 (any), framing type 3 (any), receive window 64,
# processing delay 0, phone number length 0, reserved, phone number and subaddress (64 bytes each).
ocrq='\x00\xa8\x00\x01\x1a\x2b\x3c\x4d\x00\x07\x00\x00\x40\x01\x00\x01\x00\x00\x01\x2c\x05\xf5\xe1\x00'
ocrq+='\x00\x00\x00\x03\x00\x00\x00\x03\x00\x40\x00\x00\x00\x00\x00\x00'"${zeros64}${zeros64}"

# shellcheck disable=SC2016 # the inner script expands its own positional parameters
reply=$(ip netns exec "$ns" timeout 10 bash -c '
  exec 3<>"/dev/tcp/$1/1723"
  printf "$2" >&3
  head -c 156 <&3 | od -An -v -tx1 | tr -d " \n"
  if [ "$3" = 1 ]; then
    printf "$4" >&3
    head -c 32 <&3 | od -An -v -tx1 | tr -d " \n"
    sleep 3
  fi
' probe "$server" "$sccrq" "$call" "$ocrq") || true

hex_text() { # hex_text HEX: the bytes as text, NULs dropped
  local escaped="" i
  for ((i = 0; i < ${#1}; i += 2)); do escaped+="\\x${1:i:2}"; done
  printf '%b' "$escaped" | tr -d '\0'
}

# Reply bytes: 2-3 message type 0001, 4-7 magic cookie, 8-9 control type 0002 (SCCRP), 14 result code.
if [ "${reply:4:12}" = 00011a2b3c4d ] && [ "${reply:16:4}" = 0002 ] && [ "${reply:28:2}" = 01 ]; then
  echo "probe $ns -> $server:1723: SCCRP result 1, server host name: $(hex_text "${reply:56:128}")"
else
  echo "probe $ns -> $server:1723: no valid SCCRP (got ${reply:-nothing})" >&2
  exit 1
fi
[ "$call" = 1 ] || exit 0

# OCRP follows the 156-byte SCCRP: control type 0008 at bytes 8-9, result code at byte 16.
ocrp=${reply:312}
if [ "${ocrp:16:4}" = 0008 ] && [ "${ocrp:32:2}" = 01 ]; then
  echo "probe $ns -> $server:1723: OCRP result 1, server call ID 0x${ocrp:24:4}"
else
  echo "probe $ns -> $server:1723: no valid OCRP (got ${ocrp:-nothing})" >&2
  exit 1
fi
