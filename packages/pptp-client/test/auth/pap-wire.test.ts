import { describe, expect, it } from "vitest";
import { fromHex } from "../../src/util/bytes.js";
import { emitPapPacket, PapCode, parsePapPacket } from "../../src/wire/pap.js";

const ascii = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));

// Code 1, Identifier 5, Length 14, Peer-ID-Length 4 "user", Passwd-Length 4 "pass" (RFC 1334 section 2.2.1).
const REQUEST = fromHex("01 05 000E 04 75736572 04 70617373");
// Code 2, Identifier 5, Length 13, Msg-Length 8 "Login ok" (RFC 1334 section 2.2.2).
const ACK = fromHex("02 05 000D 08 4C6F67696E206F6B");

describe("PAP packets (RFC 1334 section 2.2)", () => {
  it("parses and emits an Authenticate-Request", () => {
    const request = {
      code: PapCode.AuthenticateRequest,
      identifier: 5,
      peerId: ascii("user"),
      password: ascii("pass"),
    };
    expect(parsePapPacket(REQUEST)).toEqual({ ok: true, value: request });
    expect(emitPapPacket(request)).toEqual(REQUEST);
  });

  it("parses and emits an Authenticate-Ack", () => {
    const ack = { code: PapCode.AuthenticateAck, identifier: 5, message: ascii("Login ok") };
    expect(parsePapPacket(ACK)).toEqual({ ok: true, value: ack });
    expect(emitPapPacket(ack)).toEqual(ACK);
  });

  it("accepts empty peer id and password", () => {
    expect(parsePapPacket(fromHex("01 01 0006 00 00"))).toEqual({
      ok: true,
      value: {
        code: PapCode.AuthenticateRequest,
        identifier: 1,
        peerId: new Uint8Array(0),
        password: new Uint8Array(0),
      },
    });
  });

  it("takes a Nak without Msg-Length, and a Msg-Length that overstates, for what they say", () => {
    expect(parsePapPacket(fromHex("03 05 0004"))).toEqual({
      ok: true,
      value: { code: PapCode.AuthenticateNak, identifier: 5, message: new Uint8Array(0) },
    });
    expect(parsePapPacket(fromHex("03 05 0007 09 4E6F"))).toEqual({
      ok: true,
      value: { code: PapCode.AuthenticateNak, identifier: 5, message: ascii("No") },
    });
  });

  it("ignores padding beyond Length", () => {
    expect(parsePapPacket(fromHex("02 05 000D 08 4C6F67696E206F6B 00 00"))).toEqual(parsePapPacket(ACK));
  });

  it.each([
    ["shorter than the header", "02 05 00"],
    ["Length beyond the buffer", "02 05 0010 08"],
    ["Length below the header", "02 05 0002"],
    ["Request without Peer-ID-Length", "01 05 0004"],
    ["Request Peer-ID overrun", "01 05 0008 05 75736572"],
    ["Request without Passwd-Length", "01 05 0009 04 75736572"],
    ["Request Password overrun", "01 05 000B 04 75736572 03 70"],
    ["unknown code", "04 05 0004"],
  ])("refuses %s", (_label, hex) => {
    expect(parsePapPacket(fromHex(hex)).ok).toBe(false);
  });

  it("refuses to emit a field longer than 255 bytes", () => {
    expect(() =>
      emitPapPacket({
        code: PapCode.AuthenticateRequest,
        identifier: 1,
        peerId: new Uint8Array(256),
        password: new Uint8Array(0),
      }),
    ).toThrow(RangeError);
  });
});
