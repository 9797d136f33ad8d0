/**
 * The PPP frame header as it travels inside GRE (RFC 2637 section 4.1): no HDLC flags, escapes or FCS, only the
 * optional Address/Control bytes FF 03 (omitted under ACFC) and the Protocol field (one byte under PFC when it fits).
 */
import { malformed, type ParseResult, parsed } from "./parse-result.js";

/** PPP protocol numbers (IANA "PPP DLL Protocol Numbers") that this stack sends, receives or rejects. */
export const PPP_PROTOCOL = {
  IP: 0x0021,
  IPV6: 0x0057,
  /** An MPPE-encrypted (CCP-compressed) datagram. */
  MPPE: 0x00fd,
  IPCP: 0x8021,
  IPV6CP: 0x8057,
  CCP: 0x80fd,
  LCP: 0xc021,
  PAP: 0xc023,
  CHAP: 0xc223,
  EAP: 0xc227,
} as const;

export interface PppFraming {
  /** Address-and-Control-Field-Compression: leave out FF 03. */
  readonly acfc: boolean;
  /** Protocol-Field-Compression: send protocols below 0x100 as one byte. */
  readonly pfc: boolean;
}

export interface PppFrameHeader {
  readonly protocol: number;
  /** Where the Information field starts. */
  readonly infoOffset: number;
}

const ADDRESS = 0xff;
const CONTROL = 0x03;

/**
 * Reads the header of one frame, compressed or not, whatever was negotiated (RFC 1661 sections 6.5 and 6.6 ask
 * receivers to accept both forms). A Protocol field's first byte is even and its last byte odd.
 */
export function parsePppFrame(bytes: Uint8Array): ParseResult<PppFrameHeader> {
  let off = 0;
  if (bytes.length >= 1 && bytes[0] === ADDRESS) {
    // 0x00FF is a reserved protocol, so a leading FF can only be the Address field.
    if (bytes.length < 2 || bytes[1] !== CONTROL)
      return malformed("address field FF not followed by control 03");
    off = 2;
  }
  if (off >= bytes.length) return malformed("frame has no protocol field");
  const first = bytes[off]!;
  if (first & 1) return parsed({ protocol: first, infoOffset: off + 1 });
  if (off + 2 > bytes.length) return malformed("protocol field cut short");
  const second = bytes[off + 1]!;
  if ((second & 1) === 0)
    return malformed(`protocol field ${hex2(first)}${hex2(second)} does not end in an odd byte`);
  return parsed({ protocol: (first << 8) | second, infoOffset: off + 2 });
}

/** Bytes the header of a frame carrying `protocol` takes with this framing. */
export function pppHeaderLength(protocol: number, framing: PppFraming): number {
  return (framing.acfc ? 0 : 2) + (framing.pfc && protocol < 0x100 ? 1 : 2);
}

/** Writes the header at `off`; returns the number of bytes written (pppHeaderLength). */
export function writePppHeader(buf: Uint8Array, off: number, protocol: number, framing: PppFraming): number {
  let at = off;
  if (!framing.acfc) {
    buf[at++] = ADDRESS;
    buf[at++] = CONTROL;
  }
  if (framing.pfc && protocol < 0x100) {
    buf[at++] = protocol;
  } else {
    buf[at++] = protocol >>> 8;
    buf[at++] = protocol & 0xff;
  }
  return at - off;
}

function hex2(b: number): string {
  return b.toString(16).padStart(2, "0").toUpperCase();
}
