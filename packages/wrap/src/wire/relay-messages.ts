/**
 * Relay messages: the wrap protocol's own conversation between client and ferry-relay (PROTOCOL.md section 6).
 * Each is a type byte and fixed big-endian fields; strings carry a length prefix and a cap. Bytes after the
 * known fields are ignored, so a later revision of ferry.v1 may append fields; an unknown type byte parses as
 * `{ type: "unknown" }`, which receivers ignore.
 */

import { malformed, type ParseResult, parsed } from "@ferry/pptp-client/wire";
import { ipv4Bytes, readAddress, writeAddress } from "./address.js";
import { decodeUtf8, encodeUtf8, FieldReader, FieldWriter } from "./fields.js";

export const RELAY_MESSAGE_TYPE = {
  hello: 0x01,
  welcome: 0x02,
  error: 0x03,
  goaway: 0x04,
  probe: 0x05,
  "probe-reply": 0x06,
} as const;

/** Who may send each message; the other side treats a message from the wrong side as a protocol error. */
export const RELAY_MESSAGE_SENDER = {
  hello: "client",
  welcome: "relay",
  error: "relay",
  goaway: "relay",
  probe: "either",
  "probe-reply": "either",
} as const;

/** A host name is at most 253 characters (RFC 1035), and fits the one-byte length of `hello.server`. */
export const MAX_SERVER_NAME_LENGTH = 253;
export const MAX_TOKEN_LENGTH = 1024;
/** Longer error messages are cut (at a character boundary) when emitted. */
export const MAX_ERROR_MESSAGE_LENGTH = 1024;
const SESSION_ID_LENGTH = 8;

/** Stable relay error codes and their wire values; 0 (`RELAY_ERROR`) is what an unrecognised value parses as. */
export const RELAY_ERROR_CODE = {
  RELAY_ERROR: 0,
  RELAY_AUTH_FAILED: 1,
  RELAY_TARGET_FORBIDDEN: 2,
  RELAY_FRAME_TOO_LARGE: 3,
  RELAY_HANDSHAKE_TIMEOUT: 4,
  RELAY_SERVER_UNREACHABLE: 5,
  RELAY_BUSY: 6,
  RELAY_SHUTTING_DOWN: 7,
  RELAY_PROTOCOL_ERROR: 8,
} as const;

export type RelayErrorCode = keyof typeof RELAY_ERROR_CODE;

/** The client's first message: which PPTP server to reach, and the bearer token that allows it. */
export interface HelloMessage {
  readonly type: "hello";
  /** A dotted-quad IPv4 address or a host name (letters, digits, hyphens; no trailing dot). */
  readonly server: string;
  /** Visible ASCII, up to 1024 characters; "" when the client authenticates with a TLS client certificate. */
  readonly token: string;
}

/** The relay accepted the hello and its TCP connection to the server is up: control and GRE may flow. */
export interface WelcomeMessage {
  readonly type: "welcome";
  /** The client's address as the relay sees it ("" if unknown): differs from the local one behind NAT. */
  readonly observedAddress: string;
  /** The address the relay sends GRE from and answers GRE probes on; "" if it answers none. */
  readonly relayAddress: string;
  /** 16 lower-case hex digits naming this session in the relay's logs, for support. */
  readonly sessionId: string;
}

/** Why the relay ends the session; it closes the WebSocket right after. */
export interface ErrorMessage {
  readonly type: "error";
  readonly code: RelayErrorCode;
  /** One sentence from the relay, UTF-8, for logs and details (the client words its own message from `code`). */
  readonly message: string;
}

/** The relay is shutting down: finish up and open a new session (to any replica) after `reconnectAfterMs`. */
export interface GoawayMessage {
  readonly type: "goaway";
  readonly reconnectAfterMs: number;
}

/** Either side asks for a probe-reply with the same fields; `sentAt` is the sender's clock modulo 2^32. */
export interface ProbeMessage {
  readonly type: "probe";
  readonly id: number;
  readonly sentAt: number;
}

export interface ProbeReplyMessage {
  readonly type: "probe-reply";
  readonly id: number;
  readonly sentAt: number;
}

/** A message type this version does not know, from a newer peer: ignore it. */
export interface UnknownRelayMessage {
  readonly type: "unknown";
  readonly code: number;
  readonly body: Uint8Array;
}

export type RelayMessage =
  | HelloMessage
  | WelcomeMessage
  | ErrorMessage
  | GoawayMessage
  | ProbeMessage
  | ProbeReplyMessage
  | UnknownRelayMessage;

const HOST_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const TOKEN_TEXT = /^[\x21-\x7e]*$/;
const SESSION_ID_TEXT = /^[0-9a-f]{16}$/;

/** True for a dotted-quad IPv4 address or a host name `hello.server` may carry. */
export function isServerName(text: string): boolean {
  if (text.length === 0 || text.length > MAX_SERVER_NAME_LENGTH) return false;
  const labels = text.split(".");
  if (!labels.every((label) => HOST_LABEL.test(label))) return false;
  // A numeric last label only occurs in addresses: "10.0.0.300" or "10.1" are typos, not names.
  return !/^\d+$/.test(labels[labels.length - 1]!) || ipv4Bytes(text) !== undefined;
}

export function isToken(text: string): boolean {
  return text.length <= MAX_TOKEN_LENGTH && TOKEN_TEXT.test(text);
}

export function parseRelayMessage(bytes: Uint8Array): ParseResult<RelayMessage> {
  const reader = new FieldReader(bytes);
  const code = reader.u8();
  switch (code) {
    case undefined:
      return malformed("relay message is empty");
    case RELAY_MESSAGE_TYPE.hello:
      return parseHello(reader);
    case RELAY_MESSAGE_TYPE.welcome:
      return parseWelcome(reader);
    case RELAY_MESSAGE_TYPE.error:
      return parseError(reader);
    case RELAY_MESSAGE_TYPE.goaway: {
      const reconnectAfterMs = reader.u32();
      if (reconnectAfterMs === undefined) return malformed("goaway shorter than its 4-byte delay");
      return parsed({ type: "goaway", reconnectAfterMs });
    }
    case RELAY_MESSAGE_TYPE.probe:
    case RELAY_MESSAGE_TYPE["probe-reply"]: {
      const id = reader.u32();
      const sentAt = reader.u32();
      if (id === undefined || sentAt === undefined)
        return malformed("probe shorter than its 8 bytes of fields");
      return parsed({ type: code === RELAY_MESSAGE_TYPE.probe ? "probe" : "probe-reply", id, sentAt });
    }
    default:
      return parsed({ type: "unknown", code, body: reader.rest() });
  }
}

function parseHello(reader: FieldReader): ParseResult<HelloMessage> {
  const serverLength = reader.u8();
  const serverBytes = serverLength === undefined ? undefined : reader.take(serverLength);
  const tokenLength = reader.u16();
  const tokenBytes = tokenLength === undefined ? undefined : reader.take(tokenLength);
  if (serverBytes === undefined || tokenBytes === undefined) return malformed("hello is truncated");
  // Both fields are ASCII by definition, so a failed UTF-8 decode is as malformed as a bad character.
  const server = decodeUtf8(serverBytes);
  if (server === undefined || !isServerName(server))
    return malformed("hello server is neither an IPv4 address nor a host name");
  const token = decodeUtf8(tokenBytes);
  if (token === undefined || !isToken(token))
    return malformed("hello token is longer than 1024 characters or not visible ASCII");
  return parsed({ type: "hello", server, token });
}

function parseWelcome(reader: FieldReader): ParseResult<WelcomeMessage> {
  const observedAddress = readAddress(reader);
  const relayAddress = observedAddress === undefined ? undefined : readAddress(reader);
  const sessionId = reader.take(SESSION_ID_LENGTH);
  if (observedAddress === undefined || relayAddress === undefined || sessionId === undefined)
    return malformed("welcome is truncated or names an unknown address family");
  return parsed({
    type: "welcome",
    observedAddress,
    relayAddress,
    sessionId: Buffer.from(sessionId).toString("hex"),
  });
}

function parseError(reader: FieldReader): ParseResult<ErrorMessage> {
  const value = reader.u16();
  const length = reader.u16();
  const text = length === undefined ? undefined : reader.take(length);
  if (value === undefined || text === undefined) return malformed("relay error is truncated");
  if (text.length > MAX_ERROR_MESSAGE_LENGTH)
    return malformed("relay error message is longer than 1024 bytes");
  const message = decodeUtf8(text);
  if (message === undefined) return malformed("relay error message is not UTF-8");
  return parsed({ type: "error", code: relayErrorCodeOf(value), message });
}

/** The error code a wire value stands for; a value this version does not know is `RELAY_ERROR`. */
export function relayErrorCodeOf(value: number): RelayErrorCode {
  for (const [code, wire] of Object.entries(RELAY_ERROR_CODE))
    if (wire === value) return code as RelayErrorCode;
  return "RELAY_ERROR";
}

/**
 * The bytes of `message`. Throws RangeError on values the wire cannot carry (a bad server name or token, an
 * address that is not one, a number out of range): those are the caller's mistakes, never the network's.
 */
export function emitRelayMessage(message: RelayMessage): Uint8Array {
  const writer = new FieldWriter();
  switch (message.type) {
    case "hello": {
      if (!isServerName(message.server))
        throw new RangeError(`not a server name: ${JSON.stringify(message.server)}`);
      if (!isToken(message.token))
        throw new RangeError("token is longer than 1024 characters or not visible ASCII");
      const server = encodeUtf8(message.server);
      const token = encodeUtf8(message.token);
      writer.u8(RELAY_MESSAGE_TYPE.hello).u8(server.length).bytes(server).u16(token.length).bytes(token);
      break;
    }
    case "welcome":
      if (!SESSION_ID_TEXT.test(message.sessionId))
        throw new RangeError("session id is not 16 lower-case hex digits");
      writer.u8(RELAY_MESSAGE_TYPE.welcome);
      writeAddress(writer, message.observedAddress);
      writeAddress(writer, message.relayAddress);
      writer.bytes(Buffer.from(message.sessionId, "hex"));
      break;
    case "error": {
      const text = truncateUtf8(message.message, MAX_ERROR_MESSAGE_LENGTH);
      writer.u8(RELAY_MESSAGE_TYPE.error).u16(RELAY_ERROR_CODE[message.code]).u16(text.length).bytes(text);
      break;
    }
    case "goaway":
      writer.u8(RELAY_MESSAGE_TYPE.goaway).u32(checkU32(message.reconnectAfterMs, "reconnectAfterMs"));
      break;
    case "probe":
    case "probe-reply":
      writer
        .u8(RELAY_MESSAGE_TYPE[message.type])
        .u32(checkU32(message.id, "probe id"))
        .u32(checkU32(message.sentAt, "probe sentAt"));
      break;
    case "unknown":
      writer.u8(checkU8(message.code)).bytes(message.body);
      break;
  }
  return writer.finish();
}

/**
 * Round-trip time in milliseconds for a probe-reply, given `now` on the clock that stamped `sentAt`
 * (both taken modulo 2^32, so this stays right when the clock passes 2^32 ms).
 */
export function probeRoundTripMs(sentAt: number, now: number): number {
  return (Math.floor(now) - sentAt + 2 ** 32) % 2 ** 32;
}

/** `now` as a probe's `sentAt`. */
export function probeTimestamp(now: number): number {
  return Math.floor(now) % 2 ** 32;
}

function checkU32(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff)
    throw new RangeError(`${what} is not a 32-bit unsigned integer: ${value}`);
  return value;
}

const KNOWN_TYPES: ReadonlySet<number> = new Set(Object.values(RELAY_MESSAGE_TYPE));

function checkU8(value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xff || KNOWN_TYPES.has(value))
    throw new RangeError(`unknown relay message type must be an unassigned byte: ${value}`);
  return value;
}

/** The UTF-8 of `text`, cut to at most `limit` bytes without splitting a character. */
function truncateUtf8(text: string, limit: number): Uint8Array {
  const bytes = encodeUtf8(text);
  if (bytes.length <= limit) return bytes;
  let end = limit;
  while ((bytes[end]! & 0xc0) === 0x80) end--; // back off continuation bytes to a character start
  return bytes.subarray(0, end);
}
