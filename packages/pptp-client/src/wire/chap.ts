/**
 * CHAP packets (RFC 1994) and the MS-CHAPv2 formats carried inside them (RFC 2759): the 49-byte Response value
 * and the "S=... M=..." / "E=... R=... C=... V=... M=..." texts of Success and Failure.
 */
import { concatBytes, fromHex, latin1, readU16, toHex, writeU16 } from "../util/bytes.js";
import { malformed, type ParseResult, parsed } from "./parse-result.js";

export const CHAP_PROTOCOL = 0xc223;

export const ChapCode = { Challenge: 1, Response: 2, Success: 3, Failure: 4 } as const;

/** Challenge and Response share one layout: Value-Size, Value, Name (the rest of the packet). */
export interface ChapChallengeOrResponse {
  readonly code: typeof ChapCode.Challenge | typeof ChapCode.Response;
  readonly identifier: number;
  readonly value: Uint8Array;
  readonly name: Uint8Array;
}

/** Success and Failure carry an implementation-dependent message. */
export interface ChapStatus {
  readonly code: typeof ChapCode.Success | typeof ChapCode.Failure;
  readonly identifier: number;
  readonly message: Uint8Array;
}

export type ChapPacket = ChapChallengeOrResponse | ChapStatus;

const HEADER_LENGTH = 4;

/** Parses a PPP information field of protocol C223. Octets beyond the Length field are padding. */
export function parseChapPacket(info: Uint8Array): ParseResult<ChapPacket> {
  if (info.length < HEADER_LENGTH)
    return malformed(`CHAP packet of ${info.length} bytes is shorter than its header`);
  const code = info[0]!;
  const identifier = info[1]!;
  const length = readU16(info, 2);
  if (length < HEADER_LENGTH || length > info.length) {
    return malformed(`CHAP Length ${length} does not fit a packet of ${info.length} bytes`);
  }
  const data = info.subarray(HEADER_LENGTH, length);
  switch (code) {
    case ChapCode.Challenge:
    case ChapCode.Response: {
      if (data.length < 1) return malformed("CHAP Challenge/Response without a Value-Size");
      const valueSize = data[0]!;
      if (1 + valueSize > data.length) return malformed(`CHAP Value-Size ${valueSize} overruns the packet`);
      return parsed({
        code,
        identifier,
        value: data.slice(1, 1 + valueSize),
        name: data.slice(1 + valueSize),
      });
    }
    case ChapCode.Success:
    case ChapCode.Failure:
      return parsed({ code, identifier, message: data.slice() });
    default:
      return malformed(`unknown CHAP code ${code}`);
  }
}

export function emitChapPacket(packet: ChapPacket): Uint8Array {
  const data =
    "value" in packet
      ? concatBytes(Uint8Array.of(packet.value.length), packet.value, packet.name)
      : packet.message;
  const out = new Uint8Array(HEADER_LENGTH + data.length);
  out[0] = packet.code;
  out[1] = packet.identifier;
  writeU16(out, 2, out.length);
  out.set(data, HEADER_LENGTH);
  return out;
}

// ---- MS-CHAPv2 (RFC 2759) ----

export const MSCHAPV2_CHALLENGE_LENGTH = 16;
export const MSCHAPV2_RESPONSE_LENGTH = 49;
const NT_RESPONSE_LENGTH = 24;
const AUTHENTICATOR_RESPONSE_LENGTH = 20;

/** The Response value: Peer-Challenge 16, Reserved 8 (zero), NT-Response 24, Flags 1 (zero). */
export interface MsChapV2ResponseValue {
  readonly peerChallenge: Uint8Array;
  readonly ntResponse: Uint8Array;
  readonly flags: number;
}

export function parseMsChapV2ResponseValue(value: Uint8Array): ParseResult<MsChapV2ResponseValue> {
  if (value.length !== MSCHAPV2_RESPONSE_LENGTH) {
    return malformed(`MS-CHAPv2 Response value is ${value.length} bytes, not ${MSCHAPV2_RESPONSE_LENGTH}`);
  }
  return parsed({
    peerChallenge: value.slice(0, 16),
    ntResponse: value.slice(24, 24 + NT_RESPONSE_LENGTH),
    flags: value[48]!,
  });
}

export function emitMsChapV2ResponseValue(response: MsChapV2ResponseValue): Uint8Array {
  const out = new Uint8Array(MSCHAPV2_RESPONSE_LENGTH);
  out.set(response.peerChallenge.subarray(0, 16), 0);
  out.set(response.ntResponse.subarray(0, NT_RESPONSE_LENGTH), 24);
  out[48] = response.flags;
  return out;
}

/** Success message: "S=<AuthenticatorResponse as 40 hex digits> M=<text>"; M is optional in practice. */
export interface MsChapV2Success {
  /** The 20 bytes behind S=, or undefined when the server sent no S= at all. */
  readonly authenticatorResponse?: Uint8Array;
  readonly message?: string;
}

/** Failure message: "E=<error> R=<retry> C=<next challenge> V=<version> M=<text>". */
export interface MsChapV2Failure {
  readonly error: number;
  readonly retry: boolean;
  readonly challenge?: Uint8Array;
  readonly version?: number;
  readonly message?: string;
}

interface MessageFields {
  readonly fields: ReadonlyMap<string, string>;
  readonly message?: string;
}

/**
 * Splits "K=v K=v ... M=text" tolerantly: the short fields may come in any order and any case, separated by any
 * whitespace; M= is taken as the last field because its text may itself contain spaces and '=' (RFC 2759 puts it
 * last). The first occurrence of a key wins.
 */
function splitFields(bytes: Uint8Array): MessageFields {
  const text = latin1(bytes);
  const m = /(?:^|\s)[Mm]=/.exec(text);
  const head = m === null ? text : text.slice(0, m.index);
  const fields = new Map<string, string>();
  for (const token of head.split(/\s+/)) {
    const eq = token.indexOf("=");
    if (eq <= 0) continue;
    const key = token.slice(0, eq).toUpperCase();
    if (!fields.has(key)) fields.set(key, token.slice(eq + 1));
  }
  if (m === null) return { fields };
  return { fields, message: text.slice(m.index + m[0].length) };
}

function hexBytes(text: string | undefined, length?: number): Uint8Array | undefined {
  if (text === undefined || text.length === 0 || text.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(text)) {
    return undefined;
  }
  if (length !== undefined && text.length !== length * 2) return undefined;
  return fromHex(text);
}

export function parseMsChapV2Success(message: Uint8Array): ParseResult<MsChapV2Success> {
  const { fields, message: text } = splitFields(message);
  const s = fields.get("S");
  const withText = text === undefined ? {} : { message: text };
  if (s === undefined) return parsed(withText);
  const authenticatorResponse = hexBytes(s, AUTHENTICATOR_RESPONSE_LENGTH);
  if (authenticatorResponse === undefined) {
    return malformed(`MS-CHAPv2 Success S= is not ${AUTHENTICATOR_RESPONSE_LENGTH * 2} hex digits`);
  }
  return parsed({ authenticatorResponse, ...withText });
}

export function emitMsChapV2Success(success: MsChapV2Success): Uint8Array {
  const parts: string[] = [];
  if (success.authenticatorResponse !== undefined) parts.push(`S=${toHex(success.authenticatorResponse)}`);
  if (success.message !== undefined) parts.push(`M=${success.message}`);
  return latin1Bytes(parts.join(" "));
}

export function parseMsChapV2Failure(message: Uint8Array): ParseResult<MsChapV2Failure> {
  const { fields, message: text } = splitFields(message);
  const e = fields.get("E");
  if (e === undefined || !/^\d{1,10}$/.test(e))
    return malformed("MS-CHAPv2 Failure without a numeric E= field");
  const v = fields.get("V");
  const challenge = hexBytes(fields.get("C"));
  return parsed({
    error: Number(e),
    retry: fields.get("R") === "1",
    ...(challenge === undefined ? {} : { challenge }),
    ...(v !== undefined && /^\d{1,10}$/.test(v) ? { version: Number(v) } : {}),
    ...(text === undefined ? {} : { message: text }),
  });
}

export function emitMsChapV2Failure(failure: MsChapV2Failure): Uint8Array {
  const parts = [`E=${failure.error}`, `R=${failure.retry ? 1 : 0}`];
  if (failure.challenge !== undefined) parts.push(`C=${toHex(failure.challenge)}`);
  if (failure.version !== undefined) parts.push(`V=${failure.version}`);
  if (failure.message !== undefined) parts.push(`M=${failure.message}`);
  return latin1Bytes(parts.join(" "));
}

/** These texts are ASCII by construction; characters above U+00FF are replaced so the encoding stays latin1. */
function latin1Bytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out[i] = c > 0xff ? 0x3f : c;
  }
  return out;
}
