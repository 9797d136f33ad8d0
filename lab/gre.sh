#!/usr/bin/env bash
# Raw GRE for tests that play a hostile network: watch a session's GRE and forge packets into it.
#   gre.sh capture NS SOURCE COUNT [SECONDS]   prints, one hex line each, the first COUNT GRE data packets (payload
#                                              present) that NS receives from SOURCE, whole IPv4 packets as they
#                                              came in; fails if fewer arrive within SECONDS (default 10). A second
#                                              raw socket: the kernel hands it a copy, the session still gets them.
#   gre.sh send NS HEX...                      sends each HEX (a whole IPv4 packet, any source address) from NS with
#                                              IP_HDRINCL, so the packet leaves as written (the kernel fills in the
#                                              checksum and length)
# Only inside the lab's namespaces (fy-*); the packets go where their own destination address says.
set -euo pipefail

usage() { echo "usage: gre.sh capture NS SOURCE COUNT [SECONDS] | send NS HEX..." >&2; exit 2; }

in_lab_ns() {
  [[ ${1:-} == fy-* && -e "/run/netns/$1" ]] || { echo "gre.sh: no lab namespace ${1:-}" >&2; exit 1; }
}

case "${1:-}" in
  capture)
    [ "$#" -ge 4 ] || usage
    in_lab_ns "$2"
    ip netns exec "$2" python3 -c '
import socket, sys, time
source, count, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 47)
deadline = time.monotonic() + seconds
found = 0
while found < count:
    left = deadline - time.monotonic()
    if left <= 0:
        sys.exit("gre.sh: %d of %d GRE data packets from %s" % (found, count, source))
    s.settimeout(left)
    try:
        packet, (sender, _) = s.recvfrom(65535)
    except socket.timeout:
        continue
    ihl = (packet[0] & 0x0f) * 4
    gre = packet[ihl:]
    # Enhanced GRE (RFC 2637): S (0x10 of byte 0) says a sequence number and a payload follow.
    if sender != source or len(gre) < 8 or not (gre[0] & 0x10) or int.from_bytes(gre[4:6], "big") == 0:
        continue
    print(packet.hex(), flush=True)
    found += 1
' "$3" "$4" "${5:-10}"
    ;;
  send)
    [ "$#" -ge 3 ] || usage
    in_lab_ns "$2"
    ns=$2
    shift 2
    ip netns exec "$ns" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)  # IPPROTO_RAW implies IP_HDRINCL
for text in sys.argv[1:]:
    packet = bytes.fromhex(text)
    s.sendto(packet, (socket.inet_ntoa(packet[16:20]), 0))
' "$@"
    ;;
  *) usage ;;
esac
