import { describe, expect, it } from "vitest";
import { concatBytes, fromHex } from "../../src/util/bytes.js";
import {
  type ControlMessage,
  type ControlMessageType,
  controlMessageLength,
  decodeControlMessage,
  emitControlMessage,
  parseControlMessage,
} from "../../src/wire/control-messages.js";

/** A fixed-size text field as RFC 2637 draws it: the characters, then NUL octets up to the size. */
function field(text: string, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/** Header (Length, Message Type 1, Magic Cookie, Control Message Type, Reserved0) written out by hand per case. */
const cases: readonly { name: string; bytes: Uint8Array; message: ControlMessage }[] = [
  {
    name: "Start-Control-Connection-Request (2.1)",
    bytes: concatBytes(
      fromHex("009C 0001 1A2B3C4D 0001 0000  0100 0000 00000003 00000003 0000 0001"),
      field("client.example", 64),
      field("Ferry", 64),
    ),
    message: {
      type: "start-control-connection-request",
      protocolVersion: 0x0100,
      framingCapabilities: 3,
      bearerCapabilities: 3,
      maxChannels: 0,
      firmwareRevision: 1,
      hostName: "client.example",
      vendorName: "Ferry",
    },
  },
  {
    name: "Start-Control-Connection-Reply (2.2)",
    bytes: concatBytes(
      fromHex("009C 0001 1A2B3C4D 0002 0000  0100 02 06 00000002 00000001 1234 5678"),
      field("local", 64),
      field("linux", 64),
    ),
    message: {
      type: "start-control-connection-reply",
      protocolVersion: 0x0100,
      resultCode: 2,
      errorCode: 6,
      framingCapabilities: 2,
      bearerCapabilities: 1,
      maxChannels: 0x1234,
      firmwareRevision: 0x5678,
      hostName: "local",
      vendorName: "linux",
    },
  },
  {
    name: "Stop-Control-Connection-Request (2.3)",
    bytes: fromHex("0010 0001 1A2B3C4D 0003 0000  03 00 0000"),
    message: { type: "stop-control-connection-request", reason: 3 },
  },
  {
    name: "Stop-Control-Connection-Reply (2.4)",
    bytes: fromHex("0010 0001 1A2B3C4D 0004 0000  02 05 0000"),
    message: { type: "stop-control-connection-reply", resultCode: 2, errorCode: 5 },
  },
  {
    name: "Echo-Request (2.5)",
    bytes: fromHex("0010 0001 1A2B3C4D 0005 0000  DEADBEEF"),
    message: { type: "echo-request", identifier: 0xdeadbeef },
  },
  {
    name: "Echo-Reply (2.6)",
    bytes: fromHex("0014 0001 1A2B3C4D 0006 0000  00000007 01 00 0000"),
    message: { type: "echo-reply", identifier: 7, resultCode: 1, errorCode: 0 },
  },
  {
    name: "Outgoing-Call-Request (2.7)",
    bytes: concatBytes(
      fromHex(
        "00A8 0001 1A2B3C4D 0007 0000  1234 0042 00000960 00989680 00000003 00000003 0040 0000 0003 0000",
      ),
      field("555", 64),
      field("x", 64),
    ),
    message: {
      type: "outgoing-call-request",
      callId: 0x1234,
      callSerialNumber: 0x42,
      minBps: 2400,
      maxBps: 10_000_000,
      bearerType: 3,
      framingType: 3,
      recvWindowSize: 64,
      processingDelay: 0,
      phoneNumber: "555",
      subaddress: "x",
    },
  },
  {
    name: "Outgoing-Call-Reply (2.8)",
    bytes: fromHex("0020 0001 1A2B3C4D 0008 0000  0000 1234 01 00 0010 05F5E100 0040 0002 0000ABCD"),
    message: {
      type: "outgoing-call-reply",
      callId: 0,
      peerCallId: 0x1234,
      resultCode: 1,
      errorCode: 0,
      causeCode: 0x10,
      connectSpeed: 100_000_000,
      recvWindowSize: 64,
      processingDelay: 2,
      physicalChannelId: 0xabcd,
    },
  },
  {
    name: "Incoming-Call-Request (2.9)",
    bytes: concatBytes(
      fromHex("00DC 0001 1A2B3C4D 0009 0000  0007 0008 00000001 00000099 0004 0003"),
      field("1234", 64),
      field("987", 64),
      field("sub", 64),
    ),
    message: {
      type: "incoming-call-request",
      callId: 7,
      callSerialNumber: 8,
      bearerType: 1,
      physicalChannelId: 0x99,
      dialedNumber: "1234",
      dialingNumber: "987",
      subaddress: "sub",
    },
  },
  {
    name: "Incoming-Call-Reply (2.10)",
    bytes: fromHex("0018 0001 1A2B3C4D 000A 0000  0000 0007 03 00 0010 0001 0000"),
    message: {
      type: "incoming-call-reply",
      callId: 0,
      peerCallId: 7,
      resultCode: 3,
      errorCode: 0,
      recvWindowSize: 16,
      transmitDelay: 1,
    },
  },
  {
    name: "Incoming-Call-Connected (2.11)",
    bytes: fromHex("001C 0001 1A2B3C4D 000B 0000  0007 0000 0001C200 0010 0002 00000001"),
    message: {
      type: "incoming-call-connected",
      peerCallId: 7,
      connectSpeed: 115_200,
      recvWindowSize: 16,
      transmitDelay: 2,
      framingType: 1,
    },
  },
  {
    name: "Call-Clear-Request (2.12)",
    bytes: fromHex("0010 0001 1A2B3C4D 000C 0000  1234 0000"),
    message: { type: "call-clear-request", callId: 0x1234 },
  },
  {
    name: "Call-Disconnect-Notify (2.13)",
    bytes: concatBytes(
      fromHex("0094 0001 1A2B3C4D 000D 0000  0001 03 02 0011 0000"),
      field("Session timed out", 128),
    ),
    message: {
      type: "call-disconnect-notify",
      callId: 1,
      resultCode: 3,
      errorCode: 2,
      causeCode: 0x11,
      callStatistics: "Session timed out",
    },
  },
  {
    name: "WAN-Error-Notify (2.14)",
    bytes: fromHex(
      "0028 0001 1A2B3C4D 000E 0000  1234 0000 00000001 00000002 00000003 00000004 00000005 00000006",
    ),
    message: {
      type: "wan-error-notify",
      peerCallId: 0x1234,
      crcErrors: 1,
      framingErrors: 2,
      hardwareOverruns: 3,
      bufferOverruns: 4,
      timeoutErrors: 5,
      alignmentErrors: 6,
    },
  },
  {
    name: "Set-Link-Info (2.15)",
    bytes: fromHex("0018 0001 1A2B3C4D 000F 0000  1234 0000 FFFFFFFF 00000000"),
    message: { type: "set-link-info", peerCallId: 0x1234, sendAccm: 0xffffffff, recvAccm: 0 },
  },
];

/** Total lengths from the figures of RFC 2637 section 2. */
const RFC_LENGTHS: Record<ControlMessageType, number> = {
  "start-control-connection-request": 156,
  "start-control-connection-reply": 156,
  "stop-control-connection-request": 16,
  "stop-control-connection-reply": 16,
  "echo-request": 16,
  "echo-reply": 20,
  "outgoing-call-request": 168,
  "outgoing-call-reply": 32,
  "incoming-call-request": 220,
  "incoming-call-reply": 24,
  "incoming-call-connected": 28,
  "call-clear-request": 16,
  "call-disconnect-notify": 148,
  "wan-error-notify": 40,
  "set-link-info": 24,
};

describe("control message codec", () => {
  it.each(cases)("parses $name from its RFC layout", ({ bytes, message }) => {
    expect(parseControlMessage(bytes)).toEqual({ ok: true, value: message });
  });

  it.each(cases)("emits $name byte for byte", ({ bytes, message }) => {
    expect(emitControlMessage(message)).toEqual(bytes);
  });

  it("covers every message type", () => {
    expect(new Set(cases.map((c) => c.message.type))).toEqual(new Set(Object.keys(RFC_LENGTHS)));
  });

  it.each(Object.entries(RFC_LENGTHS))("gives %s the RFC length %d", (type, length) => {
    expect(controlMessageLength(type as ControlMessageType)).toBe(length);
  });

  it("refuses a Length field that is not the number of bytes given", () => {
    const bytes = fromHex("0010 0001 1A2B3C4D 0005 0000  00000001 00000000");
    expect(parseControlMessage(bytes)).toMatchObject({
      ok: false,
      reason: expect.stringContaining("Length"),
    });
  });

  it("refuses a Length that is not the fixed size of the message type", () => {
    // An Echo-Request stretched to 20 octets: well framed, but not an Echo-Request.
    const bytes = fromHex("0014 0001 1A2B3C4D 0005 0000  00000001 00000000");
    expect(parseControlMessage(bytes)).toMatchObject({ ok: false, reason: expect.stringContaining("16") });
  });

  it("refuses a management message (PPTP Message Type 2)", () => {
    const bytes = fromHex("0010 0002 1A2B3C4D 0005 0000  00000001");
    expect(parseControlMessage(bytes)).toMatchObject({
      ok: false,
      reason: expect.stringContaining("Type 2"),
    });
  });

  it("refuses a bad Magic Cookie", () => {
    const bytes = fromHex("0010 0001 1A2B3C4E 0005 0000  00000001");
    expect(parseControlMessage(bytes)).toMatchObject({
      ok: false,
      reason: expect.stringContaining("1a2b3c4e"),
    });
  });

  it("refuses unknown Control Message Types (0 and 16)", () => {
    expect(parseControlMessage(fromHex("0010 0001 1A2B3C4D 0000 0000  00000001")).ok).toBe(false);
    expect(parseControlMessage(fromHex("0010 0001 1A2B3C4D 0010 0000  00000001")).ok).toBe(false);
  });

  it("refuses input shorter than the header", () => {
    expect(parseControlMessage(fromHex("000B 0001 1A2B3C4D 0005 00")).ok).toBe(false);
    expect(parseControlMessage(new Uint8Array(0)).ok).toBe(false);
  });

  it("tolerates non-zero reserved fields but reports them", () => {
    // Reserved0 = 0x0001 (pptp-linux saw Cisco do this) and a non-zero Reserved1 in a Stop-CCRQ.
    const bytes = fromHex("0010 0001 1A2B3C4D 0003 0001  01 FF 0000");
    expect(decodeControlMessage(bytes)).toEqual({
      ok: true,
      value: { message: { type: "stop-control-connection-request", reason: 1 }, reservedNonZero: true },
    });
    const clean = fromHex("0010 0001 1A2B3C4D 0003 0000  01 00 0000");
    expect(decodeControlMessage(clean)).toMatchObject({ ok: true, value: { reservedNonZero: false } });
  });

  it("decodes text fields as latin1 up to the first NUL, never failing on odd bytes", () => {
    const host = new Uint8Array(64).fill(0xff);
    host.set([0x68, 0xe9, 0x00, 0x41], 0); // "hé", NUL, then junk that must not show
    const vendor = new Uint8Array(64).fill(0x41); // all 64 octets used: no NUL at all
    const bytes = concatBytes(
      fromHex("009C 0001 1A2B3C4D 0002 0000  0100 01 00 00000001 00000001 0000 0000"),
      host,
      vendor,
    );
    const result = parseControlMessage(bytes);
    expect(result).toMatchObject({ ok: true, value: { hostName: "hé", vendorName: "A".repeat(64) } });
  });

  it("cuts long text to the field and writes characters outside latin1 as '?'", () => {
    const bytes = emitControlMessage({
      type: "start-control-connection-request",
      protocolVersion: 0x0100,
      framingCapabilities: 0,
      bearerCapabilities: 0,
      maxChannels: 0,
      firmwareRevision: 0,
      hostName: "x".repeat(70),
      vendorName: "F€rry",
    });
    expect(bytes.length).toBe(156);
    expect(parseControlMessage(bytes)).toMatchObject({
      ok: true,
      value: { hostName: "x".repeat(64), vendorName: "F?rry" },
    });
  });

  it("derives Phone Number Length from the phone number, capped at the field size", () => {
    const withNumber = (phoneNumber: string) =>
      emitControlMessage({
        type: "outgoing-call-request",
        callId: 1,
        callSerialNumber: 1,
        minBps: 0,
        maxBps: 0,
        bearerType: 3,
        framingType: 3,
        recvWindowSize: 0,
        processingDelay: 0,
        phoneNumber,
        subaddress: "",
      });
    expect(withNumber("0123456").subarray(36, 38)).toEqual(fromHex("0007"));
    expect(withNumber("9".repeat(80)).subarray(36, 38)).toEqual(fromHex("0040"));
    expect(withNumber("").subarray(36, 38)).toEqual(fromHex("0000"));
  });
});
