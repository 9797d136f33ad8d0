/** PAP packets (RFC 1334 section 2.2): Authenticate-Request {Peer-ID, Password}, Authenticate-Ack/Nak {Message}. */
import { readU16, writeU16 } from "../util/bytes.js";
import { malformed, type ParseResult, parsed } from "./parse-result.js";

export const PAP_PROTOCOL = 0xc023;

export const PapCode = { AuthenticateRequest: 1, AuthenticateAck: 2, AuthenticateNak: 3 } as const;

export interface PapRequest {
  readonly code: typeof PapCode.AuthenticateRequest;
  readonly identifier: number;
  readonly peerId: Uint8Array;
  readonly password: Uint8Array;
}

export interface PapReply {
  readonly code: typeof PapCode.AuthenticateAck | typeof PapCode.AuthenticateNak;
  readonly identifier: number;
  readonly message: Uint8Array;
}

export type PapPacket = PapRequest | PapReply;

/** Peer-ID, Password and Message each have a one-octet length. */
export const PAP_MAX_FIELD_LENGTH = 255;

const HEADER_LENGTH = 4;

/** Parses a PPP information field of protocol C023. Octets beyond the Length field are padding. */
export function parsePapPacket(info: Uint8Array): ParseResult<PapPacket> {
  if (info.length < HEADER_LENGTH)
    return malformed(`PAP packet of ${info.length} bytes is shorter than its header`);
  const code = info[0]!;
  const identifier = info[1]!;
  const length = readU16(info, 2);
  if (length < HEADER_LENGTH || length > info.length) {
    return malformed(`PAP Length ${length} does not fit a packet of ${info.length} bytes`);
  }
  const data = info.subarray(HEADER_LENGTH, length);
  switch (code) {
    case PapCode.AuthenticateRequest: {
      const peerIdLength = data[0];
      if (peerIdLength === undefined || 1 + peerIdLength >= data.length) {
        return malformed("PAP Authenticate-Request Peer-ID overruns the packet");
      }
      const passwordLength = data[1 + peerIdLength]!;
      const passwordStart = 2 + peerIdLength;
      if (passwordStart + passwordLength > data.length) {
        return malformed("PAP Authenticate-Request Password overruns the packet");
      }
      return parsed({
        code,
        identifier,
        peerId: data.slice(1, 1 + peerIdLength),
        password: data.slice(passwordStart, passwordStart + passwordLength),
      });
    }
    case PapCode.AuthenticateAck:
    case PapCode.AuthenticateNak: {
      // Some servers omit the Msg-Length octet or overstate it; the verdict is in the code, so take what is there.
      const messageLength = data[0] ?? 0;
      return parsed({ code, identifier, message: data.slice(1, 1 + messageLength) });
    }
    default:
      return malformed(`unknown PAP code ${code}`);
  }
}

/** Throws RangeError if a field exceeds 255 bytes: callers check lengths they take from the user first. */
export function emitPapPacket(packet: PapPacket): Uint8Array {
  const fields =
    packet.code === PapCode.AuthenticateRequest ? [packet.peerId, packet.password] : [packet.message];
  let length = HEADER_LENGTH;
  for (const field of fields) {
    if (field.length > PAP_MAX_FIELD_LENGTH)
      throw new RangeError(`PAP field of ${field.length} bytes exceeds 255`);
    length += 1 + field.length;
  }
  const out = new Uint8Array(length);
  out[0] = packet.code;
  out[1] = packet.identifier;
  writeU16(out, 2, length);
  let off = HEADER_LENGTH;
  for (const field of fields) {
    out[off] = field.length;
    out.set(field, off + 1);
    off += 1 + field.length;
  }
  return out;
}
