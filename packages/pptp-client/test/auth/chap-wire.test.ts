import { describe, expect, it } from "vitest";
import { fromHex, latin1 } from "../../src/util/bytes.js";
import {
  ChapCode,
  emitChapPacket,
  emitMsChapV2Failure,
  emitMsChapV2ResponseValue,
  emitMsChapV2Success,
  parseChapPacket,
  parseMsChapV2Failure,
  parseMsChapV2ResponseValue,
  parseMsChapV2Success,
} from "../../src/wire/chap.js";

const ascii = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));

// Code 1, Identifier 7, Length 26, Value-Size 16, the RFC 2759 9.2 AuthenticatorChallenge, Name "pptpd".
const CHALLENGE = fromHex("01 07 001A 10 5B5D7C7D7B3F2F3E3C2C602132262628 7070747064");

// Code 2, Identifier 7, Length 58, Value-Size 49, PeerChallenge, 8 reserved zeros, NT-Response, Flags 0, Name "User".
const MSCHAPV2_RESPONSE = fromHex(
  "02 07 003A 31 21402324255E262A28295F2B3A337C7E 0000000000000000" +
    " 82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF 00 55736572",
);

describe("CHAP packets (RFC 1994 section 4)", () => {
  it("parses a Challenge into identifier, value and name", () => {
    const result = parseChapPacket(CHALLENGE);
    expect(result).toEqual({
      ok: true,
      value: {
        code: ChapCode.Challenge,
        identifier: 7,
        value: fromHex("5B5D7C7D7B3F2F3E3C2C602132262628"),
        name: ascii("pptpd"),
      },
    });
  });

  it("emits the same Challenge bytes", () => {
    expect(
      emitChapPacket({
        code: ChapCode.Challenge,
        identifier: 7,
        value: fromHex("5B5D7C7D7B3F2F3E3C2C602132262628"),
        name: ascii("pptpd"),
      }),
    ).toEqual(CHALLENGE);
  });

  it("parses and emits an MS-CHAPv2 Response with its 49-byte value", () => {
    const result = parseChapPacket(MSCHAPV2_RESPONSE);
    expect(result.ok).toBe(true);
    if (!result.ok || result.value.code !== ChapCode.Response) throw new Error("not a Response");
    expect(result.value.identifier).toBe(7);
    expect(result.value.name).toEqual(ascii("User"));
    const value = parseMsChapV2ResponseValue(result.value.value);
    expect(value).toEqual({
      ok: true,
      value: {
        peerChallenge: fromHex("21402324255E262A28295F2B3A337C7E"),
        ntResponse: fromHex("82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF"),
        flags: 0,
      },
    });
    if (!value.ok) throw new Error("unreachable");
    expect(
      emitChapPacket({
        code: ChapCode.Response,
        identifier: 7,
        value: emitMsChapV2ResponseValue(value.value),
        name: ascii("User"),
      }),
    ).toEqual(MSCHAPV2_RESPONSE);
  });

  it("parses Success and Failure messages, including an empty one", () => {
    expect(parseChapPacket(fromHex("03 09 0006 4F4B"))).toEqual({
      ok: true,
      value: { code: ChapCode.Success, identifier: 9, message: ascii("OK") },
    });
    expect(parseChapPacket(fromHex("04 09 0004"))).toEqual({
      ok: true,
      value: { code: ChapCode.Failure, identifier: 9, message: new Uint8Array(0) },
    });
    expect(emitChapPacket({ code: ChapCode.Failure, identifier: 9, message: ascii("OK") })).toEqual(
      fromHex("04 09 0006 4F4B"),
    );
  });

  it("ignores octets beyond the Length field (link padding)", () => {
    const padded = fromHex("03 09 0006 4F4B 0000 FFFF");
    expect(parseChapPacket(padded)).toEqual({
      ok: true,
      value: { code: ChapCode.Success, identifier: 9, message: ascii("OK") },
    });
  });

  it.each([
    ["shorter than the header", "03 09 00"],
    ["Length beyond the buffer", "03 09 0008 4F4B"],
    ["Length below the header", "03 09 0003 4F"],
    ["Challenge without Value-Size", "01 01 0004"],
    ["Value-Size overruns", "01 01 0006 05 AA"],
    ["unknown code", "09 01 0004"],
  ])("refuses %s", (_label, hex) => {
    expect(parseChapPacket(fromHex(hex)).ok).toBe(false);
  });

  it("refuses an MS-CHAPv2 Response value of the wrong size", () => {
    expect(parseMsChapV2ResponseValue(new Uint8Array(48)).ok).toBe(false);
    expect(parseMsChapV2ResponseValue(new Uint8Array(50)).ok).toBe(false);
  });
});

describe("MS-CHAPv2 Success message (RFC 2759 section 5)", () => {
  const proof = fromHex("407A5589115FD0D6209F510FE9C04566932CDA56");

  it("reads S= and M=", () => {
    expect(
      parseMsChapV2Success(ascii("S=407A5589115FD0D6209F510FE9C04566932CDA56 M=Access granted")),
    ).toEqual({
      ok: true,
      value: { authenticatorResponse: proof, message: "Access granted" },
    });
  });

  it("accepts lowercase hex, a missing M, and odd whitespace", () => {
    expect(parseMsChapV2Success(ascii("  s=407a5589115fd0d6209f510fe9c04566932cda56\t"))).toEqual({
      ok: true,
      value: { authenticatorResponse: proof },
    });
  });

  it("keeps spaces and '=' inside the M= text", () => {
    const result = parseMsChapV2Success(
      ascii("S=407A5589115FD0D6209F510FE9C04566932CDA56 M=Welcome, a=b  S=x"),
    );
    expect(result).toEqual({
      ok: true,
      value: { authenticatorResponse: proof, message: "Welcome, a=b  S=x" },
    });
  });

  it("reports a missing S= as no authenticator response", () => {
    expect(parseMsChapV2Success(ascii("M=Access granted"))).toEqual({
      ok: true,
      value: { message: "Access granted" },
    });
    expect(parseMsChapV2Success(new Uint8Array(0))).toEqual({ ok: true, value: {} });
  });

  it("refuses an S= that is not 40 hex digits", () => {
    expect(parseMsChapV2Success(ascii("S=407A5589115FD0D6209F510FE9C04566932CDA5")).ok).toBe(false);
    expect(parseMsChapV2Success(ascii("S=407A5589115FD0D6209F510FE9C04566932CDA5G")).ok).toBe(false);
    expect(parseMsChapV2Success(ascii("S= M=x")).ok).toBe(false);
  });

  it("emits S= in uppercase followed by M=", () => {
    expect(latin1(emitMsChapV2Success({ authenticatorResponse: proof, message: "Access granted" }))).toBe(
      "S=407A5589115FD0D6209F510FE9C04566932CDA56 M=Access granted",
    );
    expect(latin1(emitMsChapV2Success({ message: "Access granted" }))).toBe("M=Access granted");
  });
});

describe("MS-CHAPv2 Failure message (RFC 2759 section 6)", () => {
  it("reads every field", () => {
    const text = "E=691 R=1 C=000102030405060708090A0B0C0D0E0F V=3 M=Authentication failure";
    expect(parseMsChapV2Failure(ascii(text))).toEqual({
      ok: true,
      value: {
        error: 691,
        retry: true,
        challenge: fromHex("000102030405060708090A0B0C0D0E0F"),
        version: 3,
        message: "Authentication failure",
      },
    });
  });

  it("accepts fields in any order, lowercase hex and no M", () => {
    expect(parseMsChapV2Failure(ascii("V=3 c=0a0b0c0d0e0f00010203040506070809 R=0 E=648"))).toEqual({
      ok: true,
      value: { error: 648, retry: false, challenge: fromHex("0A0B0C0D0E0F00010203040506070809"), version: 3 },
    });
  });

  it("takes a pppd-style MS-CHAPv1 failure without M", () => {
    expect(parseMsChapV2Failure(ascii("E=691 R=1 C=0001020304050607 V=0"))).toEqual({
      ok: true,
      value: { error: 691, retry: true, challenge: fromHex("0001020304050607"), version: 0 },
    });
  });

  it("ignores a C= that is not hex and a V= that is not a number", () => {
    expect(parseMsChapV2Failure(ascii("E=649 R=0 C=xyz V=three"))).toEqual({
      ok: true,
      value: { error: 649, retry: false },
    });
  });

  it("refuses a Failure without a numeric E=", () => {
    expect(parseMsChapV2Failure(ascii("R=0 V=3 M=E=691")).ok).toBe(false);
    expect(parseMsChapV2Failure(ascii("E=abc R=0")).ok).toBe(false);
    expect(parseMsChapV2Failure(new Uint8Array(0)).ok).toBe(false);
  });

  it("emits the standard order", () => {
    const message = emitMsChapV2Failure({
      error: 691,
      retry: false,
      challenge: fromHex("000102030405060708090A0B0C0D0E0F"),
      version: 3,
      message: "Authentication failure",
    });
    expect(latin1(message)).toBe("E=691 R=0 C=000102030405060708090A0B0C0D0E0F V=3 M=Authentication failure");
  });
});
