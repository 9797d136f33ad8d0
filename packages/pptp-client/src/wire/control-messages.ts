/**
 * RFC 2637 section 2: the fifteen PPTP control messages carried on TCP 1723.
 * Every message starts with the same 12-octet header (Length, PPTP Message Type, Magic Cookie, Control Message
 * Type, Reserved0) followed by a body whose layout, and so whose total length, is fixed by the message type.
 */
import { readU16, readU32, writeU16, writeU32 } from "../util/bytes.js";
import {
  decodeFields,
  encodeFields,
  type FieldSpec,
  fieldsSize,
  reserved,
  text,
  textLength,
  u8,
  u16,
  u32,
} from "./control-fields.js";
import { malformed, type ParseResult, parsed } from "./parse-result.js";

export const PPTP_MAGIC_COOKIE = 0x1a2b3c4d;
/** PPTP Message Type of every message RFC 2637 defines (type 2, "management", never got any messages). */
export const PPTP_CONTROL_MESSAGE = 1;
/** Protocol Version 1, revision 0: the only PPTP version there is. */
export const PPTP_PROTOCOL_VERSION = 0x0100;
export const CONTROL_HEADER_LENGTH = 12;
/** The longest control message (Incoming-Call-Request); nothing on the control stream may claim more. */
export const MAX_CONTROL_MESSAGE_LENGTH = 220;

/** Framing Capabilities / Framing Type bits (RFC 2637 section 2.1, 2.7). */
export const FRAMING_ASYNC = 1;
export const FRAMING_SYNC = 2;
/** Bearer Capabilities / Bearer Type bits. */
export const BEARER_ANALOG = 1;
export const BEARER_DIGITAL = 2;

export interface StartControlConnectionRequest {
  readonly type: "start-control-connection-request";
  readonly protocolVersion: number;
  readonly framingCapabilities: number;
  readonly bearerCapabilities: number;
  readonly maxChannels: number;
  readonly firmwareRevision: number;
  readonly hostName: string;
  readonly vendorName: string;
}

export interface StartControlConnectionReply {
  readonly type: "start-control-connection-reply";
  readonly protocolVersion: number;
  readonly resultCode: number;
  readonly errorCode: number;
  readonly framingCapabilities: number;
  readonly bearerCapabilities: number;
  readonly maxChannels: number;
  readonly firmwareRevision: number;
  readonly hostName: string;
  readonly vendorName: string;
}

export interface StopControlConnectionRequest {
  readonly type: "stop-control-connection-request";
  readonly reason: number;
}

export interface StopControlConnectionReply {
  readonly type: "stop-control-connection-reply";
  readonly resultCode: number;
  readonly errorCode: number;
}

export interface EchoRequest {
  readonly type: "echo-request";
  readonly identifier: number;
}

export interface EchoReply {
  readonly type: "echo-reply";
  readonly identifier: number;
  readonly resultCode: number;
  readonly errorCode: number;
}

export interface OutgoingCallRequest {
  readonly type: "outgoing-call-request";
  readonly callId: number;
  readonly callSerialNumber: number;
  readonly minBps: number;
  readonly maxBps: number;
  readonly bearerType: number;
  readonly framingType: number;
  readonly recvWindowSize: number;
  readonly processingDelay: number;
  readonly phoneNumber: string;
  readonly subaddress: string;
}

export interface OutgoingCallReply {
  readonly type: "outgoing-call-reply";
  /** The sender's (PAC's) Call ID. */
  readonly callId: number;
  /** The Call ID from the Outgoing-Call-Request this answers. */
  readonly peerCallId: number;
  readonly resultCode: number;
  readonly errorCode: number;
  readonly causeCode: number;
  readonly connectSpeed: number;
  readonly recvWindowSize: number;
  readonly processingDelay: number;
  readonly physicalChannelId: number;
}

export interface IncomingCallRequest {
  readonly type: "incoming-call-request";
  readonly callId: number;
  readonly callSerialNumber: number;
  readonly bearerType: number;
  readonly physicalChannelId: number;
  readonly dialedNumber: string;
  readonly dialingNumber: string;
  readonly subaddress: string;
}

export interface IncomingCallReply {
  readonly type: "incoming-call-reply";
  readonly callId: number;
  readonly peerCallId: number;
  readonly resultCode: number;
  readonly errorCode: number;
  readonly recvWindowSize: number;
  readonly transmitDelay: number;
}

export interface IncomingCallConnected {
  readonly type: "incoming-call-connected";
  readonly peerCallId: number;
  readonly connectSpeed: number;
  readonly recvWindowSize: number;
  readonly transmitDelay: number;
  readonly framingType: number;
}

export interface CallClearRequest {
  readonly type: "call-clear-request";
  /** The PNS's own Call ID. */
  readonly callId: number;
}

export interface CallDisconnectNotify {
  readonly type: "call-disconnect-notify";
  readonly callId: number;
  readonly resultCode: number;
  readonly errorCode: number;
  readonly causeCode: number;
  /** Vendor-specific text for logs (some servers say why they hung up here). */
  readonly callStatistics: string;
}

export interface WanErrorNotify {
  readonly type: "wan-error-notify";
  readonly peerCallId: number;
  readonly crcErrors: number;
  readonly framingErrors: number;
  readonly hardwareOverruns: number;
  readonly bufferOverruns: number;
  readonly timeoutErrors: number;
  readonly alignmentErrors: number;
}

export interface SetLinkInfo {
  readonly type: "set-link-info";
  readonly peerCallId: number;
  readonly sendAccm: number;
  readonly recvAccm: number;
}

export type ControlMessage =
  | StartControlConnectionRequest
  | StartControlConnectionReply
  | StopControlConnectionRequest
  | StopControlConnectionReply
  | EchoRequest
  | EchoReply
  | OutgoingCallRequest
  | OutgoingCallReply
  | IncomingCallRequest
  | IncomingCallReply
  | IncomingCallConnected
  | CallClearRequest
  | CallDisconnectNotify
  | WanErrorNotify
  | SetLinkInfo;

export type ControlMessageType = ControlMessage["type"];
export type ControlMessageOf<T extends ControlMessageType> = Extract<ControlMessage, { type: T }>;

interface Layout<M> {
  /** Control Message Type on the wire. */
  readonly code: number;
  readonly fields: readonly FieldSpec<M>[];
}

function layout<M>(code: number, fields: readonly FieldSpec<M>[]): Layout<M> {
  return { code, fields };
}

/** Field order and sizes exactly as drawn in RFC 2637 sections 2.1 to 2.15 (after the common header). */
const LAYOUTS: { readonly [T in ControlMessageType]: Layout<ControlMessageOf<T>> } = {
  "start-control-connection-request": layout(1, [
    u16("protocolVersion"),
    reserved(2),
    u32("framingCapabilities"),
    u32("bearerCapabilities"),
    u16("maxChannels"),
    u16("firmwareRevision"),
    text("hostName", 64),
    text("vendorName", 64),
  ]),
  "start-control-connection-reply": layout(2, [
    u16("protocolVersion"),
    u8("resultCode"),
    u8("errorCode"),
    u32("framingCapabilities"),
    u32("bearerCapabilities"),
    u16("maxChannels"),
    u16("firmwareRevision"),
    text("hostName", 64),
    text("vendorName", 64),
  ]),
  "stop-control-connection-request": layout(3, [u8("reason"), reserved(1), reserved(2)]),
  "stop-control-connection-reply": layout(4, [u8("resultCode"), u8("errorCode"), reserved(2)]),
  "echo-request": layout(5, [u32("identifier")]),
  "echo-reply": layout(6, [u32("identifier"), u8("resultCode"), u8("errorCode"), reserved(2)]),
  "outgoing-call-request": layout(7, [
    u16("callId"),
    u16("callSerialNumber"),
    u32("minBps"),
    u32("maxBps"),
    u32("bearerType"),
    u32("framingType"),
    u16("recvWindowSize"),
    u16("processingDelay"),
    textLength("phoneNumber"),
    reserved(2),
    text("phoneNumber", 64),
    text("subaddress", 64),
  ]),
  "outgoing-call-reply": layout(8, [
    u16("callId"),
    u16("peerCallId"),
    u8("resultCode"),
    u8("errorCode"),
    u16("causeCode"),
    u32("connectSpeed"),
    u16("recvWindowSize"),
    u16("processingDelay"),
    u32("physicalChannelId"),
  ]),
  "incoming-call-request": layout(9, [
    u16("callId"),
    u16("callSerialNumber"),
    u32("bearerType"),
    u32("physicalChannelId"),
    textLength("dialedNumber"),
    textLength("dialingNumber"),
    text("dialedNumber", 64),
    text("dialingNumber", 64),
    text("subaddress", 64),
  ]),
  "incoming-call-reply": layout(10, [
    u16("callId"),
    u16("peerCallId"),
    u8("resultCode"),
    u8("errorCode"),
    u16("recvWindowSize"),
    u16("transmitDelay"),
    reserved(2),
  ]),
  "incoming-call-connected": layout(11, [
    u16("peerCallId"),
    reserved(2),
    u32("connectSpeed"),
    u16("recvWindowSize"),
    u16("transmitDelay"),
    u32("framingType"),
  ]),
  "call-clear-request": layout(12, [u16("callId"), reserved(2)]),
  "call-disconnect-notify": layout(13, [
    u16("callId"),
    u8("resultCode"),
    u8("errorCode"),
    u16("causeCode"),
    reserved(2),
    text("callStatistics", 128),
  ]),
  "wan-error-notify": layout(14, [
    u16("peerCallId"),
    reserved(2),
    u32("crcErrors"),
    u32("framingErrors"),
    u32("hardwareOverruns"),
    u32("bufferOverruns"),
    u32("timeoutErrors"),
    u32("alignmentErrors"),
  ]),
  "set-link-info": layout(15, [u16("peerCallId"), reserved(2), u32("sendAccm"), u32("recvAccm")]),
};

const TYPE_BY_CODE = new Map<number, ControlMessageType>(
  (Object.keys(LAYOUTS) as ControlMessageType[]).map((type) => [LAYOUTS[type].code, type]),
);

/** Loose view of a layout for the walkers, which do not care which message they are on. */
function layoutOf(type: ControlMessageType): Layout<ControlMessage> {
  return LAYOUTS[type] as Layout<ControlMessage>;
}

/** The total length, header included, that RFC 2637 fixes for a message type. */
export function controlMessageLength(type: ControlMessageType): number {
  return CONTROL_HEADER_LENGTH + fieldsSize(layoutOf(type).fields);
}

export interface DecodedControlMessage {
  readonly message: ControlMessage;
  /** Reserved0 or a body reserved field was not zero: tolerated, but worth counting. */
  readonly reservedNonZero: boolean;
}

/** Parses exactly one control message (`bytes` is the whole message, as framed by its Length field). */
export function decodeControlMessage(bytes: Uint8Array): ParseResult<DecodedControlMessage> {
  if (bytes.length < CONTROL_HEADER_LENGTH) {
    return malformed(`a control message needs at least ${CONTROL_HEADER_LENGTH} octets, got ${bytes.length}`);
  }
  const length = readU16(bytes, 0);
  if (length !== bytes.length)
    return malformed(`Length field says ${length} octets but ${bytes.length} were given`);
  const messageType = readU16(bytes, 2);
  if (messageType !== PPTP_CONTROL_MESSAGE) {
    return malformed(`PPTP Message Type ${messageType} is not a control message`);
  }
  const cookie = readU32(bytes, 4);
  if (cookie !== PPTP_MAGIC_COOKIE)
    return malformed(`bad Magic Cookie 0x${cookie.toString(16).padStart(8, "0")}`);
  const code = readU16(bytes, 8);
  const type = TYPE_BY_CODE.get(code);
  if (type === undefined) return malformed(`unknown Control Message Type ${code}`);
  const expected = controlMessageLength(type);
  if (length !== expected) return malformed(`${type} must be ${expected} octets long, not ${length}`);
  const body = decodeFields(bytes, CONTROL_HEADER_LENGTH, layoutOf(type).fields);
  const message = { type, ...body.values } as ControlMessage;
  return parsed({ message, reservedNonZero: body.reservedNonZero || readU16(bytes, 10) !== 0 });
}

export function parseControlMessage(bytes: Uint8Array): ParseResult<ControlMessage> {
  const decoded = decodeControlMessage(bytes);
  return decoded.ok ? parsed(decoded.value.message) : decoded;
}

export function emitControlMessage(message: ControlMessage): Uint8Array {
  const length = controlMessageLength(message.type);
  const out = new Uint8Array(length);
  writeU16(out, 0, length);
  writeU16(out, 2, PPTP_CONTROL_MESSAGE);
  writeU32(out, 4, PPTP_MAGIC_COOKIE);
  writeU16(out, 8, LAYOUTS[message.type].code);
  encodeFields(
    message as unknown as Readonly<Record<string, unknown>>,
    out,
    CONTROL_HEADER_LENGTH,
    layoutOf(message.type).fields,
  );
  return out;
}
