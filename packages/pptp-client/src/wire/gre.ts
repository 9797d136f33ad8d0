import { readU16, readU32, writeU16, writeU32 } from "../util/bytes.js";
import { malformed, type ParseResult, parsed } from "./parse-result.js";

/**
 * PPTP's enhanced GRE header (RFC 2637 section 4.1, GRE version 1):
 *
 *   byte 0   C R K S s Recur   K is always 1; C, R, s and Recur are always 0
 *   byte 1   A Flags Ver       A: acknowledgement present; Flags 0; Ver 1
 *   2..3     protocol 0x880B (PPP)
 *   4..5     payload length    (the key's high half)
 *   6..7     call id           (the key's low half: the receiver's call id)
 *   then the sequence number if S, then the acknowledgement number if A (each 32 bits).
 *
 * An acknowledgement-only packet has S = 0, A = 1 and no payload, so its ack sits where a sequence number would.
 */

export const GRE_PROTOCOL_PPP = 0x880b;
export const GRE_MAX_HEADER_LENGTH = 16;

const GRE_BASE_HEADER_LENGTH = 8;
const FLAG_K = 0x20;
const FLAG_S = 0x10;
const FLAG_A = 0x80;
const VERSION_ENHANCED = 1;

export interface GreHeader {
  readonly callId: number;
  readonly payloadLength: number;
  readonly seq?: number;
  readonly ack?: number;
}

export interface ParsedGre extends GreHeader {
  readonly headerLength: number;
}

export function greHeaderLength(hasSeq: boolean, hasAck: boolean): number {
  return GRE_BASE_HEADER_LENGTH + (hasSeq ? 4 : 0) + (hasAck ? 4 : 0);
}

/**
 * Why `packet` is not a well-formed PPTP GRE packet, or undefined when it is. Allocation-free (the reasons are
 * constants) so that the per-packet receive path can validate without building a ParsedGre; after it passes, the
 * greX accessors below read the fields.
 */
export function greHeaderProblem(packet: Uint8Array): string | undefined {
  if (packet.length < GRE_BASE_HEADER_LENGTH) return "GRE packet shorter than its 8-byte base header";
  // Everything but S must be exactly K: no checksum, routing, strict source route or recursion in PPTP.
  if ((packet[0]! & ~FLAG_S) !== FLAG_K) return "GRE flags are not PPTP's (K set; C, R, s, Recur clear)";
  if ((packet[1]! & 0x07) !== VERSION_ENHANCED) return "GRE version is not 1 (enhanced GRE)";
  if ((packet[1]! & 0x78) !== 0) return "GRE reserved flags are not zero";
  if (readU16(packet, 2) !== GRE_PROTOCOL_PPP) return "GRE protocol type is not PPP (0x880B)";
  const headerLength = greHeaderLengthOf(packet);
  if (packet.length < headerLength) return "GRE packet shorter than its header";
  if (packet.length - headerLength < grePayloadLength(packet))
    return "GRE payload length runs past the packet";
  return undefined;
}

/* Field accessors: only meaningful on a packet greHeaderProblem() accepted. */

export function greHasSeq(packet: Uint8Array): boolean {
  return (packet[0]! & FLAG_S) !== 0;
}

export function greHasAck(packet: Uint8Array): boolean {
  return (packet[1]! & FLAG_A) !== 0;
}

export function greHeaderLengthOf(packet: Uint8Array): number {
  return greHeaderLength(greHasSeq(packet), greHasAck(packet));
}

export function grePayloadLength(packet: Uint8Array): number {
  return readU16(packet, 4);
}

export function greCallId(packet: Uint8Array): number {
  return readU16(packet, 6);
}

/** The sequence number; call only when greHasSeq(). */
export function greSeq(packet: Uint8Array): number {
  return readU32(packet, GRE_BASE_HEADER_LENGTH);
}

/** The acknowledgement number; call only when greHasAck(). It follows the sequence number if there is one. */
export function greAck(packet: Uint8Array): number {
  return readU32(packet, GRE_BASE_HEADER_LENGTH + (greHasSeq(packet) ? 4 : 0));
}

export function parseGreHeader(packet: Uint8Array): ParseResult<ParsedGre> {
  const problem = greHeaderProblem(packet);
  if (problem !== undefined) return malformed(problem);
  const header: { -readonly [K in keyof ParsedGre]: ParsedGre[K] } = {
    callId: greCallId(packet),
    payloadLength: grePayloadLength(packet),
    headerLength: greHeaderLengthOf(packet),
  };
  if (greHasSeq(packet)) header.seq = greSeq(packet);
  if (greHasAck(packet)) header.ack = greAck(packet);
  return parsed(header);
}

/**
 * The allocation-free form of writeGreHeaderBefore: seq or ack undefined leaves that field (and its flag) out.
 * Throws RangeError on a caller's mistake (no room before the payload, a payload past the buffer or over 65535
 * bytes): these are programming errors, never network input.
 */
export function writeGreHeaderFields(
  buf: Uint8Array,
  payloadOff: number,
  callId: number,
  payloadLength: number,
  seq: number | undefined,
  ack: number | undefined,
): number {
  const start = payloadOff - greHeaderLength(seq !== undefined, ack !== undefined);
  if (start < 0) throw new RangeError(`no room for the GRE header before offset ${payloadOff}`);
  if (payloadLength > 0xffff || payloadOff + payloadLength > buf.length) {
    throw new RangeError(`GRE payload of ${payloadLength} bytes at ${payloadOff} does not fit`);
  }
  buf[start] = seq !== undefined ? FLAG_K | FLAG_S : FLAG_K;
  buf[start + 1] = ack !== undefined ? FLAG_A | VERSION_ENHANCED : VERSION_ENHANCED;
  writeU16(buf, start + 2, GRE_PROTOCOL_PPP);
  writeU16(buf, start + 4, payloadLength);
  writeU16(buf, start + 6, callId);
  let off = start + GRE_BASE_HEADER_LENGTH;
  if (seq !== undefined) {
    writeU32(buf, off, seq);
    off += 4;
  }
  if (ack !== undefined) writeU32(buf, off, ack);
  return start;
}

/** Writes the header so that it ends exactly at payloadOff (starts at payloadOff - length); returns the start offset. */
export function writeGreHeaderBefore(buf: Uint8Array, payloadOff: number, header: GreHeader): number {
  return writeGreHeaderFields(buf, payloadOff, header.callId, header.payloadLength, header.seq, header.ack);
}
