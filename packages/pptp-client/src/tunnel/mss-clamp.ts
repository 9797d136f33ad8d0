/**
 * TCP MSS clamping for the tunnel (the PPTP counterpart of iptables' TCPMSS --clamp-mss-to-pmtu).
 *
 * Hosts behind the tunnel announce an MSS fitting their own 1500-byte link; GRE, PPP and MPPE eat into
 * that, and PMTU discovery is often broken by ICMP filters, so large segments vanish silently. Rewriting
 * the MSS option of SYN and SYN-ACK packets in both directions keeps every segment small enough to fit.
 *
 * Runs on every packet: anything that is not an IPv4 TCP SYN leaves after two or three byte reads.
 */
import { readU16, writeU16 } from "../util/bytes.js";

const IPV4_MIN_HEADER = 20;
const TCP_MIN_HEADER = 20;
const PROTOCOL_TCP = 6;
const TCP_FLAG_SYN = 0x02;
const OPTION_END = 0;
const OPTION_NOP = 1;
const OPTION_MSS = 2;
const OPTION_MSS_LENGTH = 4;

/** IPv4 and TCP headers with no options: what a tunnel of this MTU leaves for a segment's payload. */
export function mssForMtu(mtu: number): number {
  return mtu - IPV4_MIN_HEADER - TCP_MIN_HEADER;
}

/**
 * Lowers, in place, the MSS option of an IPv4 TCP SYN (or SYN-ACK) to `maxMss` when it is larger, and
 * patches the TCP checksum incrementally (RFC 1624, eqn. 3). Returns whether the packet was changed.
 * Anything malformed, fragmented past the first fragment, or without an MSS option is left alone.
 * Never throws and never reads out of bounds.
 *
 * @param maxMss an integer in 0..65535, usually mssForMtu(tunnel MTU).
 */
export function clampTcpMss(packet: Uint8Array, maxMss: number): boolean {
  const length = packet.length;
  if (length < IPV4_MIN_HEADER + TCP_MIN_HEADER) return false;
  const versionIhl = packet[0]!;
  if (versionIhl >>> 4 !== 4 || packet[9] !== PROTOCOL_TCP) return false;

  const tcp = (versionIhl & 0x0f) * 4;
  // Only the first fragment (offset 0) carries the TCP header.
  if (tcp < IPV4_MIN_HEADER || (packet[6]! & 0x1f) !== 0 || packet[7] !== 0) return false;
  if (tcp + TCP_MIN_HEADER > length || (packet[tcp + 13]! & TCP_FLAG_SYN) === 0) return false;

  // Trust neither the buffer nor the header alone: options must lie within both.
  const end = Math.min(length, readU16(packet, 2));
  const optionsEnd = tcp + (packet[tcp + 12]! >>> 4) * 4;
  if (optionsEnd > end) return false;

  let at = tcp + TCP_MIN_HEADER;
  while (at < optionsEnd) {
    const kind = packet[at]!;
    if (kind === OPTION_END) return false;
    if (kind === OPTION_NOP) {
      at++;
      continue;
    }
    if (at + 1 >= optionsEnd) return false;
    const optionLength = packet[at + 1]!;
    if (optionLength < 2 || at + optionLength > optionsEnd) return false;
    if (kind === OPTION_MSS) {
      if (optionLength !== OPTION_MSS_LENGTH) return false;
      return lowerMss(packet, tcp, at + 2, maxMss);
    }
    at += optionLength;
  }
  return false;
}

function lowerMss(packet: Uint8Array, tcp: number, field: number, maxMss: number): boolean {
  const oldMss = readU16(packet, field);
  if (oldMss <= maxMss) return false;
  writeU16(packet, field, maxMss);
  // The checksum sums 16-bit words counted from the TCP header; an MSS value at an odd offset
  // straddles two of them, and its contribution to the sum is then its byte-swapped value.
  const odd = (field - tcp) & 1;
  const oldWord = odd ? swapBytes(oldMss) : oldMss;
  const newWord = odd ? swapBytes(maxMss) : maxMss;
  const checksum = tcp + 16;
  // RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), in one's complement arithmetic.
  let sum = (~readU16(packet, checksum) & 0xffff) + (~oldWord & 0xffff) + newWord;
  sum = (sum & 0xffff) + (sum >>> 16);
  sum = (sum & 0xffff) + (sum >>> 16);
  writeU16(packet, checksum, ~sum & 0xffff);
  return true;
}

function swapBytes(word: number): number {
  return ((word & 0xff) << 8) | (word >>> 8);
}
