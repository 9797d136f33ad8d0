import { describe, expect, it } from "vitest";
import {
  emitRelayMessage,
  isServerName,
  parseRelayMessage,
  probeRoundTripMs,
  probeTimestamp,
  RELAY_ERROR_CODE,
  type RelayErrorCode,
} from "../../src/wire/relay-messages.js";
import { ascii, hex } from "./hex.js";

describe("hello", () => {
  it("carries a dotted-quad server and an empty token (client certificate)", () => {
    // 01, server length 0C, "198.51.100.1", token length 0000
    const bytes = hex("01 0C 31 39 38 2E 35 31 2E 31 30 30 2E 31 00 00");
    const value = { type: "hello", server: "198.51.100.1", token: "" };
    expect(parseRelayMessage(bytes)).toEqual({ ok: true, value });
    expect(emitRelayMessage(value as never)).toEqual(bytes);
  });

  it("carries a 1024-character token with a two-byte length", () => {
    const token = "A".repeat(1024);
    const bytes = Uint8Array.from([0x01, 0x01, 0x61, 0x04, 0x00, ...ascii(token)]);
    expect(parseRelayMessage(bytes)).toEqual({ ok: true, value: { type: "hello", server: "a", token } });
  });

  it("refuses a token over 1024 characters, one with spaces or non-ASCII, and a truncated one", () => {
    const long = Uint8Array.from([0x01, 0x01, 0x61, 0x04, 0x01, ...ascii("A".repeat(1025))]);
    expect(parseRelayMessage(long).ok).toBe(false);
    expect(parseRelayMessage(hex("01 01 61 00 03 61 20 62")).ok).toBe(false); // "a b"
    expect(parseRelayMessage(hex("01 01 61 00 02 C3 A9")).ok).toBe(false); // "é"
    expect(parseRelayMessage(hex("01 01 61 00 03 61 62"))).toEqual({
      ok: false,
      reason: "hello is truncated",
    });
    expect(() => emitRelayMessage({ type: "hello", server: "a", token: "has space" })).toThrow(RangeError);
  });

  it("refuses a server that is neither a name nor an address", () => {
    for (const server of [
      "",
      "-vpn.example",
      "vpn..example",
      "vpn.example.",
      "10.0.0.300",
      "10.1",
      "vpn_1",
      "ü.de",
    ])
      expect(isServerName(server), server).toBe(false);
    for (const server of ["vpn", "VPN-1.Example.com", "10.0.0.1", "1.example", `${"a".repeat(63)}.com`])
      expect(isServerName(server), server).toBe(true);
    expect(isServerName(`${"a".repeat(64)}.com`)).toBe(false);
    expect(isServerName(Array.from({ length: 127 }, () => "a").join("."))).toBe(true); // 253 characters
    expect(isServerName(`${Array.from({ length: 127 }, () => "a").join(".")}a`)).toBe(false); // 254
    expect(parseRelayMessage(hex("01 00 00 00")).ok).toBe(false); // empty server
    expect(parseRelayMessage(hex("01 04 31 30 2E 31 00 00")).ok).toBe(false); // "10.1"
    expect(() => emitRelayMessage({ type: "hello", server: "vpn example", token: "" })).toThrow(RangeError);
  });
});

describe("welcome", () => {
  it("carries no observed address as family 0", () => {
    const bytes = hex("02 00 00 00 00 00 00 00 00 00 00");
    expect(parseRelayMessage(bytes)).toEqual({
      ok: true,
      value: { type: "welcome", observedAddress: "", relayAddress: "", sessionId: "0000000000000000" },
    });
  });

  it("reads an IPv4-mapped IPv6 address as the IPv4 address, and emits it as family 4", () => {
    const mapped = hex("02 06 00 00 00 00 00 00 00 00 00 00 FF FF CB 00 71 07 00 01 02 03 04 05 06 07 08");
    const value = {
      type: "welcome",
      observedAddress: "203.0.113.7",
      relayAddress: "",
      sessionId: "0102030405060708",
    } as const;
    expect(parseRelayMessage(mapped)).toEqual({ ok: true, value });
    const emitted = emitRelayMessage({ ...value, observedAddress: "::ffff:203.0.113.7" });
    expect(emitted).toEqual(hex("02 04 CB 00 71 07 00 01 02 03 04 05 06 07 08"));
  });

  it("writes IPv6 in RFC 5952 form: lower case, first longest zero run as ::", () => {
    const cases: [string, string][] = [
      ["20 01 0D B8 00 00 00 00 00 01 00 00 00 00 00 01", "2001:db8::1:0:0:1"],
      ["20 01 0D B8 00 00 00 01 00 00 00 00 00 00 00 01", "2001:db8:0:1::1"],
      ["20 01 0D B8 00 01 00 01 00 01 00 01 00 00 00 01", "2001:db8:1:1:1:1:0:1"],
      ["00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00", "::"],
      ["FE 80 00 00 00 00 00 00 00 00 00 00 00 00 00 00", "fe80::"],
      ["00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01", "::1"],
    ];
    for (const [bytes, text] of cases) {
      const message = hex(`02 06 ${bytes} 00 00 00 00 00 00 00 00 00`);
      expect(parseRelayMessage(message)).toMatchObject({ ok: true, value: { observedAddress: text } });
      expect(
        emitRelayMessage({
          type: "welcome",
          observedAddress: text,
          relayAddress: "",
          sessionId: "0".repeat(16),
        }),
      ).toEqual(message);
    }
  });

  it("accepts other IPv6 spellings and drops a zone when emitting", () => {
    const expected = hex("02 06 20 01 0D B8 00 00 00 00 00 00 00 00 C0 00 02 01 00 00 00 00 00 00 00 00 00");
    for (const text of ["2001:DB8:0:0:0:0:C000:201", "2001:db8::192.0.2.1", "2001:db8::c000:201%eth0"])
      expect(
        emitRelayMessage({
          type: "welcome",
          observedAddress: text,
          relayAddress: "",
          sessionId: "0".repeat(16),
        }),
      ).toEqual(expected);
  });

  it("refuses an unknown address family, a truncated address and a short session id", () => {
    expect(parseRelayMessage(hex("02 05 00 00 00 00 00 00 00 00 00 00")).ok).toBe(false);
    expect(parseRelayMessage(hex("02 04 CB 00 71")).ok).toBe(false);
    expect(parseRelayMessage(hex("02 00 00 01 02 03 04 05 06 07")).ok).toBe(false);
  });

  it("refuses to emit text that is not an address or a session id", () => {
    const good = {
      type: "welcome",
      observedAddress: "",
      relayAddress: "",
      sessionId: "0".repeat(16),
    } as const;
    for (const observedAddress of [
      "203.0.113",
      "1:2:3:4:5:6:7",
      "1::2::3",
      "::ffff:1.2.3",
      "1:2:3:4:5:6:7:8:9",
      ":::",
    ])
      expect(() => emitRelayMessage({ ...good, observedAddress }), observedAddress).toThrow(RangeError);
    expect(() => emitRelayMessage({ ...good, sessionId: "0123456789ABCDEF" })).toThrow(RangeError);
  });
});

describe("error", () => {
  it("has the wire code of every error name in PROTOCOL.md", () => {
    expect(RELAY_ERROR_CODE).toEqual({
      RELAY_ERROR: 0,
      RELAY_AUTH_FAILED: 1,
      RELAY_TARGET_FORBIDDEN: 2,
      RELAY_FRAME_TOO_LARGE: 3,
      RELAY_HANDSHAKE_TIMEOUT: 4,
      RELAY_SERVER_UNREACHABLE: 5,
      RELAY_BUSY: 6,
      RELAY_SHUTTING_DOWN: 7,
      RELAY_PROTOCOL_ERROR: 8,
    });
    for (const [code, value] of Object.entries(RELAY_ERROR_CODE)) {
      const bytes = Uint8Array.from([0x03, 0x00, value, 0x00, 0x00]);
      expect(parseRelayMessage(bytes)).toEqual({ ok: true, value: { type: "error", code, message: "" } });
      expect(emitRelayMessage({ type: "error", code: code as RelayErrorCode, message: "" })).toEqual(bytes);
    }
  });

  it("parses a code from a newer relay as RELAY_ERROR, keeping its message", () => {
    expect(parseRelayMessage(hex("03 01 00 00 02 68 69"))).toEqual({
      ok: true,
      value: { type: "error", code: "RELAY_ERROR", message: "hi" },
    });
  });

  it("carries UTF-8 and cuts an overlong message at a character boundary", () => {
    expect(parseRelayMessage(hex("03 00 06 00 02 C3 A9"))).toMatchObject({ value: { message: "é" } });
    expect(parseRelayMessage(hex("03 00 06 00 01 C3")).ok).toBe(false); // half a character
    const emitted = emitRelayMessage({ type: "error", code: "RELAY_BUSY", message: `a${"é".repeat(600)}` });
    expect(emitted.length).toBe(5 + 1023); // "a" then 511 two-byte characters; the 512th would pass 1024
    expect([emitted[3], emitted[4]]).toEqual([0x03, 0xff]);
  });

  it("refuses a message length over 1024 even when the bytes are there", () => {
    const bytes = Uint8Array.from([0x03, 0x00, 0x06, 0x04, 0x01, ...ascii("a".repeat(1025))]);
    expect(parseRelayMessage(bytes).ok).toBe(false);
  });
});

describe("goaway and probes", () => {
  it("carry full 32-bit values", () => {
    expect(parseRelayMessage(hex("04 FF FF FF FF"))).toEqual({
      ok: true,
      value: { type: "goaway", reconnectAfterMs: 0xffffffff },
    });
    expect(emitRelayMessage({ type: "probe", id: 0xffffffff, sentAt: 0 })).toEqual(
      hex("05 FF FF FF FF 00 00 00 00"),
    );
  });

  it("refuse to emit values that are not 32-bit unsigned integers", () => {
    expect(() => emitRelayMessage({ type: "goaway", reconnectAfterMs: -1 })).toThrow(RangeError);
    expect(() => emitRelayMessage({ type: "probe", id: 2 ** 32, sentAt: 0 })).toThrow(RangeError);
    expect(() => emitRelayMessage({ type: "probe-reply", id: 1, sentAt: 1.5 })).toThrow(RangeError);
  });

  it("measure round trips across the 2^32 ms wrap of sentAt", () => {
    const sentAt = probeTimestamp(2 ** 32 - 10);
    expect(sentAt).toBe(2 ** 32 - 10);
    expect(probeRoundTripMs(sentAt, 2 ** 32 + 15)).toBe(25);
    expect(probeRoundTripMs(probeTimestamp(5_000.7), 5_042.2)).toBe(42);
  });
});

describe("forward compatibility", () => {
  it("ignores bytes appended after the known fields", () => {
    expect(parseRelayMessage(hex("04 00 00 75 30 01 02 03"))).toEqual({
      ok: true,
      value: { type: "goaway", reconnectAfterMs: 30_000 },
    });
    expect(parseRelayMessage(hex("01 01 61 00 00 FF"))).toMatchObject({ ok: true, value: { type: "hello" } });
  });

  it("parses an unknown type with its body, and refuses to emit one on an assigned type", () => {
    expect(parseRelayMessage(hex("00"))).toEqual({
      ok: true,
      value: { type: "unknown", code: 0, body: hex("") },
    });
    for (const code of [1, 6, 256, -1])
      expect(() => emitRelayMessage({ type: "unknown", code, body: hex("") })).toThrow(RangeError);
  });
});
