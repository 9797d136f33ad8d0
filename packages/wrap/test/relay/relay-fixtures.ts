/** Messages and packets a PNS (client) and a PAC (server) exchange, for feeding a PptpTranslator. */
import {
  type ControlMessage,
  type ControlMessageOf,
  emitControlMessage,
  parseControlMessage,
} from "@ferry/pptp-client/wire";
import { expect } from "vitest";
import { CallIdAllocator } from "../../src/relay/call-id-allocator.js";
import { PptpTranslator, type TranslateResult } from "../../src/relay/pptp-translator.js";

export const SERVER = "203.0.113.7";

export function newTranslator(allocator = new CallIdAllocator<PptpTranslator>(SERVER)): PptpTranslator {
  return new PptpTranslator(allocator);
}

export const sccrq: ControlMessageOf<"start-control-connection-request"> = {
  type: "start-control-connection-request",
  protocolVersion: 0x0100,
  framingCapabilities: 1,
  bearerCapabilities: 1,
  maxChannels: 0,
  firmwareRevision: 1,
  hostName: "client",
  vendorName: "ferry",
};

/** A Start-Control-Connection-Reply as pptpd sends it; `resultCode` 1 is "OK". */
export function startReply(resultCode = 1): ControlMessageOf<"start-control-connection-reply"> {
  return {
    type: "start-control-connection-reply",
    protocolVersion: 0x0100,
    resultCode,
    errorCode: 0,
    framingCapabilities: 1,
    bearerCapabilities: 1,
    maxChannels: 1,
    firmwareRevision: 1,
    hostName: "pptpd",
    vendorName: "linux",
  };
}

export const sccrp = startReply();

export function ocrq(callId: number): ControlMessageOf<"outgoing-call-request"> {
  return {
    type: "outgoing-call-request",
    callId,
    callSerialNumber: 9,
    minBps: 2400,
    maxBps: 10_000_000,
    bearerType: 3,
    framingType: 3,
    recvWindowSize: 64,
    processingDelay: 0,
    phoneNumber: "",
    subaddress: "",
  };
}

export function ocrp(
  callId: number,
  peerCallId: number,
  resultCode = 1,
): ControlMessageOf<"outgoing-call-reply"> {
  return {
    type: "outgoing-call-reply",
    callId,
    peerCallId,
    resultCode,
    errorCode: 0,
    causeCode: 0,
    connectSpeed: 10_000_000,
    recvWindowSize: 64,
    processingDelay: 0,
    physicalChannelId: 0,
  };
}

export function cdn(callId: number): ControlMessageOf<"call-disconnect-notify"> {
  return {
    type: "call-disconnect-notify",
    callId,
    resultCode: 3,
    errorCode: 0,
    causeCode: 0,
    callStatistics: "",
  };
}

export const emit = emitControlMessage;

/**
 * A control message laid out by hand from RFC 2637 section 2, never by the codec: Length, PPTP Message Type 1, Magic
 * Cookie, Control Message Type, then Reserved0 set to 0xA55A (RFC: must be 0; a relay must not care), then `body`.
 */
export function handMade(code: number, body: readonly number[]): Uint8Array {
  const length = 12 + body.length;
  // biome-ignore format: one row per header line of the RFC drawing
  return Uint8Array.of(
    length >> 8, length & 0xff, 0x00, 0x01, // Length, PPTP Message Type (control)
    0x1a, 0x2b, 0x3c, 0x4d, // Magic Cookie
    code >> 8, code & 0xff, 0xa5, 0x5a, // Control Message Type, Reserved0 (not zero)
    ...body,
  );
}

/**
 * A `size`-octet text field holding `octets`, then a NUL, then 0x9C junk where RFC 2637 wants NUL padding: what a
 * decode and re-encode would cut.
 */
export function textField(octets: readonly number[], size: number): number[] {
  return [...octets, 0x00, ...new Array<number>(size - octets.length - 1).fill(0x9c)];
}

/** Octets 0x80-0x9F, which windows-1252 maps to other characters (0x80 is the euro sign) or leaves undefined. */
export const C1_OCTETS = [0x80, 0x81, 0x8d, 0x8f, 0x90, 0x9d, 0x9f, 0x72, 0x65, 0x6c, 0x61, 0x79];

/** The bytes of a successful TranslateResult, failing the test otherwise. */
export function ok(result: TranslateResult): { toServer: Uint8Array; toClient: Uint8Array } {
  if (!result.ok) throw new Error(`translator ended: ${result.error.message}`);
  return result;
}

/** Parses bytes that must hold exactly the given number of control messages. */
export function messages(bytes: Uint8Array): ControlMessage[] {
  const out: ControlMessage[] = [];
  let off = 0;
  while (off < bytes.length) {
    const length = (bytes[off]! << 8) | bytes[off + 1]!;
    const parsed = parseControlMessage(bytes.subarray(off, off + length));
    if (!parsed.ok) throw new Error(parsed.reason);
    out.push(parsed.value);
    off += length;
  }
  return out;
}

export function single(bytes: Uint8Array): ControlMessage {
  const all = messages(bytes);
  expect(all).toHaveLength(1);
  return all[0]!;
}

/**
 * An enhanced GRE packet with sequence and acknowledgement numbers and a 4-octet payload, laid out by hand from
 * RFC 2637 section 4.1: flags K|S (0x30), A|version 1 (0x81), protocol 0x880B, payload length, call id, seq, ack.
 */
export function greData(callId: number): Uint8Array {
  // biome-ignore format: one row per header line of the RFC drawing
  return Uint8Array.of(
    0x30, 0x81, 0x88, 0x0b, // K|S, A|version 1, protocol PPP
    0x00, 0x04, callId >> 8, callId & 0xff, // payload length 4, call id
    0x00, 0x00, 0x00, 0x05, // sequence number 5
    0x00, 0x00, 0x00, 0x03, // acknowledgement number 3
    0xff, 0x03, 0xc0, 0x21, // payload: PPP address, control, LCP
  );
}

/** An acknowledgement-only packet: K (0x20), A|version 1 (0x81), no payload, the ack where seq would be. */
export function greAckOnly(callId: number): Uint8Array {
  // biome-ignore format: one row per header line of the RFC drawing
  return Uint8Array.of(
    0x20, 0x81, 0x88, 0x0b, // K, A|version 1, protocol PPP
    0x00, 0x00, callId >> 8, callId & 0xff, // payload length 0, call id
    0x00, 0x00, 0x01, 0x00, // acknowledgement number 256
  );
}

/** Drives a translator through SCCRQ/SCCRP/OCRQ/OCRP; returns the relay Call ID the server saw. */
export function connectCall(translator: PptpTranslator, clientCallId: number, serverCallId: number): number {
  ok(translator.fromClient(emit(sccrq)));
  ok(translator.fromServer(emit(sccrp)));
  const request = single(ok(translator.fromClient(emit(ocrq(clientCallId)))).toServer);
  if (request.type !== "outgoing-call-request") throw new Error("expected outgoing-call-request");
  ok(translator.fromServer(emit(ocrp(serverCallId, request.callId))));
  return request.callId;
}
