/** IPv4 TCP segments for the MSS clamp tests: checksum checks and a builder for arbitrary option layouts. */
import { readU16, writeU16 } from "../../src/util/bytes.js";
import { internetChecksum } from "../io/support/ipv4.js";

/** The TCP segment of an IPv4 packet preceded by its pseudo-header (RFC 793 section 3.1). */
function withPseudoHeader(packet: Uint8Array): Uint8Array {
  const headerLength = (packet[0]! & 0x0f) * 4;
  const segment = packet.subarray(headerLength, readU16(packet, 2));
  const summed = new Uint8Array(12 + segment.length);
  summed.set(packet.subarray(12, 20), 0);
  summed[9] = 6;
  writeU16(summed, 10, segment.length);
  summed.set(segment, 12);
  return summed;
}

/** True when the TCP checksum of an IPv4 packet verifies (the sum over pseudo-header and segment is all ones). */
export function tcpChecksumValid(packet: Uint8Array): boolean {
  return internetChecksum(withPseudoHeader(packet)) === 0;
}

/** The TCP checksum recomputed from scratch, for comparison with an incremental update. */
export function recomputedTcpChecksum(packet: Uint8Array): number {
  const copy = packet.slice();
  const headerLength = (copy[0]! & 0x0f) * 4;
  writeU16(copy, headerLength + 16, 0);
  return internetChecksum(withPseudoHeader(copy));
}

export interface SegmentLayout {
  /** IPv4 options bytes (a multiple of 4, at most 40). */
  readonly ipOptions: Uint8Array;
  /** TCP options bytes (a multiple of 4, at most 40). */
  readonly tcpOptions: Uint8Array;
  readonly flags: number;
  readonly payload: Uint8Array;
}

/** An IPv4 TCP packet with the given layout and a correct TCP checksum (addresses from 198.51.100.0/24). */
export function tcpPacket(layout: SegmentLayout): Uint8Array {
  const ipHeader = 20 + layout.ipOptions.length;
  const tcpHeader = 20 + layout.tcpOptions.length;
  const packet = new Uint8Array(ipHeader + tcpHeader + layout.payload.length);
  packet[0] = 0x40 | (ipHeader / 4);
  writeU16(packet, 2, packet.length);
  writeU16(packet, 6, 0x4000);
  packet[8] = 64;
  packet[9] = 6;
  packet.set([198, 51, 100, 2, 198, 51, 100, 1], 12);
  packet.set(layout.ipOptions, 20);
  writeU16(packet, ipHeader, 40000);
  writeU16(packet, ipHeader + 2, 80);
  packet[ipHeader + 12] = (tcpHeader / 4) << 4;
  packet[ipHeader + 13] = layout.flags;
  writeU16(packet, ipHeader + 14, 64240);
  packet.set(layout.tcpOptions, ipHeader + 20);
  packet.set(layout.payload, ipHeader + tcpHeader);
  writeU16(packet, ipHeader + 16, recomputedTcpChecksum(packet));
  return packet;
}

/** The MSS option's value, or undefined when the options carry none (a straightforward walk, for tests). */
export function mssOption(packet: Uint8Array): number | undefined {
  const tcp = (packet[0]! & 0x0f) * 4;
  const end = tcp + (packet[tcp + 12]! >>> 4) * 4;
  for (let at = tcp + 20; at < end; ) {
    const kind = packet[at]!;
    if (kind === 0) return undefined;
    if (kind === 1) {
      at++;
      continue;
    }
    if (kind === 2) return readU16(packet, at + 2);
    at += packet[at + 1]!;
  }
  return undefined;
}
