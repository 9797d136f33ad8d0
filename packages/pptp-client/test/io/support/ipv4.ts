/** Hand-built IPv4 packets for the TUN tests (RFC 791 header, RFC 792 echo, RFC 768 UDP). */
import { readU16, writeU16 } from "../../../src/util/bytes.js";

/** The Internet checksum (RFC 1071) of bytes [start, end). */
export function internetChecksum(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let sum = 0;
  for (let i = start; i + 1 < end; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if ((end - start) % 2 === 1) sum += bytes[end - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export function ipv4Address(text: string): number[] {
  return text.split(".").map(Number);
}

export function ipv4Text(bytes: Uint8Array, offset: number): string {
  return Array.from(bytes.subarray(offset, offset + 4)).join(".");
}

export interface Ipv4Summary {
  readonly protocol: number;
  readonly source: string;
  readonly destination: string;
  /** The ICMP type for ICMP packets. */
  readonly icmpType?: number;
}

export function summarize(packet: Uint8Array): Ipv4Summary {
  const headerLength = (packet[0]! & 0x0f) * 4;
  const protocol = packet[9]!;
  return {
    protocol,
    source: ipv4Text(packet, 12),
    destination: ipv4Text(packet, 16),
    ...(protocol === 1 ? { icmpType: packet[headerLength]! } : {}),
  };
}

function setIpv4Checksum(packet: Uint8Array): void {
  const headerLength = (packet[0]! & 0x0f) * 4;
  writeU16(packet, 10, 0);
  writeU16(packet, 10, internetChecksum(packet, 0, headerLength));
}

/** The reply to an ICMP echo request: addresses swapped, type 0, both checksums redone. */
export function icmpEchoReply(request: Uint8Array): Uint8Array {
  const reply = request.slice(0, readU16(request, 2));
  const headerLength = (reply[0]! & 0x0f) * 4;
  reply.set(request.subarray(16, 20), 12);
  reply.set(request.subarray(12, 16), 16);
  reply[8] = 64;
  setIpv4Checksum(reply);
  reply[headerLength] = 0;
  writeU16(reply, headerLength + 2, 0);
  writeU16(reply, headerLength + 2, internetChecksum(reply, headerLength));
  return reply;
}

/** A UDP datagram with checksum 0 (allowed over IPv4) and a correct IPv4 header checksum. */
export function udpPacket(
  source: string,
  destination: string,
  destinationPort: number,
  payload: Uint8Array,
): Uint8Array {
  const packet = new Uint8Array(28 + payload.length);
  packet[0] = 0x45;
  writeU16(packet, 2, packet.length);
  packet[8] = 64;
  packet[9] = 17;
  packet.set(ipv4Address(source), 12);
  packet.set(ipv4Address(destination), 16);
  setIpv4Checksum(packet);
  writeU16(packet, 20, 40000);
  writeU16(packet, 22, destinationPort);
  writeU16(packet, 24, 8 + payload.length);
  packet.set(payload, 28);
  return packet;
}
