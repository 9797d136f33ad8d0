/**
 * The tunnel must never carry its own carrier. With a default route through the tunnel, Ferry keeps a host route to
 * the server (or relay) via the old gateway; when the link goes down that route goes with it (the kernel deletes
 * routes through a gateway it can no longer reach), and until the network is back the GRE and TCP 1723 packets to the
 * server are routed into the TUN device. Carried, each would come back out of the TUN device wrapped once more, round
 * and round until it outgrew the MTU. This drops them instead: a packet from the TUN device addressed to the carrier's
 * own outer address can only be such a loop.
 */
import { readU32 } from "../util/bytes.js";
import { parseIpv4 } from "../util/ipv4.js";

const IPV4_MIN_HEADER = 20;
const IPV4_DESTINATION = 16;

/** Tells the packets of a loop by their IPv4 destination. Never throws, never reads out of bounds. */
export class SelfLoopGuard {
  private readonly outer: number | undefined;

  /** @param outerAddress the carrier's dotted IPv4 destination; anything else (IPv6, a name) guards nothing. */
  constructor(outerAddress: string) {
    this.outer = parseIpv4(outerAddress);
  }

  /** Whether `packet` (an IP packet from the TUN device) is addressed to the carrier's outer address. */
  loops(packet: Uint8Array): boolean {
    if (this.outer === undefined || packet.length < IPV4_MIN_HEADER || packet[0]! >>> 4 !== 4) return false;
    return readU32(packet, IPV4_DESTINATION) === this.outer;
  }
}
