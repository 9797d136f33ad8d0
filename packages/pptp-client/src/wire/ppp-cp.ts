/**
 * Control-protocol packets shared by LCP, IPCP and CCP (RFC 1661 section 5): Code, Identifier, Length, Data; and
 * the Type-Length-Data option lists that Configure-Request/Ack/Nak/Reject carry.
 */
import { readU16, writeU16 } from "../util/bytes.js";
import { malformed, type ParseResult, parsed } from "./parse-result.js";

export const CpCode = {
  ConfigureRequest: 1,
  ConfigureAck: 2,
  ConfigureNak: 3,
  ConfigureReject: 4,
  TerminateRequest: 5,
  TerminateAck: 6,
  CodeReject: 7,
  /** LCP only (RFC 1661 section 5.7). */
  ProtocolReject: 8,
  EchoRequest: 9,
  EchoReply: 10,
  DiscardRequest: 11,
  /** LCP extensions (RFC 1570) that Windows sends. */
  Identification: 12,
  TimeRemaining: 13,
  /** CCP only (RFC 1962 section 5). */
  ResetRequest: 14,
  ResetAck: 15,
} as const;

export const CP_HEADER_LENGTH = 4;
const OPTION_HEADER_LENGTH = 2;

export interface CpPacket {
  readonly code: number;
  readonly identifier: number;
  /** Everything after the header, up to Length (a view into the input). */
  readonly data: Uint8Array;
}

export interface CpOption {
  readonly type: number;
  /** The option's value, without Type and Length (at most 253 bytes). */
  readonly data: Uint8Array;
}

/** Bytes past Length are link padding and are ignored (RFC 1661 section 5). */
export function parseCpPacket(bytes: Uint8Array): ParseResult<CpPacket> {
  if (bytes.length < CP_HEADER_LENGTH)
    return malformed(`control packet of ${bytes.length} bytes has no full header`);
  const length = readU16(bytes, 2);
  if (length < CP_HEADER_LENGTH)
    return malformed(`control packet Length ${length} is below the 4-byte header`);
  if (length > bytes.length)
    return malformed(`control packet Length ${length} exceeds the ${bytes.length} bytes received`);
  return parsed({ code: bytes[0]!, identifier: bytes[1]!, data: bytes.subarray(CP_HEADER_LENGTH, length) });
}

export function emitCpPacket(code: number, identifier: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(CP_HEADER_LENGTH + data.length);
  out[0] = code;
  out[1] = identifier;
  writeU16(out, 2, out.length);
  out.set(data, CP_HEADER_LENGTH);
  return out;
}

export function parseCpOptions(bytes: Uint8Array): ParseResult<CpOption[]> {
  const options: CpOption[] = [];
  let off = 0;
  while (off < bytes.length) {
    if (off + OPTION_HEADER_LENGTH > bytes.length)
      return malformed(`option at offset ${off} has no Length byte`);
    const length = bytes[off + 1]!;
    if (length < OPTION_HEADER_LENGTH) return malformed(`option ${bytes[off]} has Length ${length}, below 2`);
    if (off + length > bytes.length) return malformed(`option ${bytes[off]} runs past the end of the packet`);
    options.push({ type: bytes[off]!, data: bytes.subarray(off + OPTION_HEADER_LENGTH, off + length) });
    off += length;
  }
  return parsed(options);
}

export function emitCpOptions(options: readonly CpOption[]): Uint8Array {
  let length = 0;
  for (const option of options) length += OPTION_HEADER_LENGTH + option.data.length;
  const out = new Uint8Array(length);
  let off = 0;
  for (const option of options) {
    out[off] = option.type;
    out[off + 1] = OPTION_HEADER_LENGTH + option.data.length;
    out.set(option.data, off + OPTION_HEADER_LENGTH);
    off += OPTION_HEADER_LENGTH + option.data.length;
  }
  return out;
}
