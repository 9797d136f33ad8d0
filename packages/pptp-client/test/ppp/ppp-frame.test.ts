import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "../../src/util/bytes.js";
import { PPP_PROTOCOL, parsePppFrame, pppHeaderLength, writePppHeader } from "../../src/wire/ppp-frame.js";

function parse(hex: string) {
  return parsePppFrame(fromHex(hex));
}

describe("parsePppFrame", () => {
  it("reads an uncompressed LCP frame: FF 03 C0 21", () => {
    expect(parse("FF03 C021 01010004")).toEqual({
      ok: true,
      value: { protocol: PPP_PROTOCOL.LCP, infoOffset: 4 },
    });
  });

  it("reads a frame without Address/Control (ACFC)", () => {
    expect(parse("8021 01010004")).toEqual({
      ok: true,
      value: { protocol: PPP_PROTOCOL.IPCP, infoOffset: 2 },
    });
  });

  it("reads a one-byte protocol (PFC), with or without FF 03", () => {
    expect(parse("21 4500")).toEqual({ ok: true, value: { protocol: PPP_PROTOCOL.IP, infoOffset: 1 } });
    expect(parse("FF03 FD 9001")).toEqual({
      ok: true,
      value: { protocol: PPP_PROTOCOL.MPPE, infoOffset: 3 },
    });
  });

  it("reads the uncompressed form of a small protocol", () => {
    expect(parse("FF03 00FD 9001")).toEqual({
      ok: true,
      value: { protocol: PPP_PROTOCOL.MPPE, infoOffset: 4 },
    });
  });

  it("accepts an empty Information field", () => {
    expect(parse("C021")).toEqual({ ok: true, value: { protocol: PPP_PROTOCOL.LCP, infoOffset: 2 } });
  });

  it.each([
    ["", "empty frame"],
    ["FF", "address without control"],
    ["FF04 C021", "wrong control byte"],
    ["FF03", "no protocol after FF 03"],
    ["C0", "protocol cut short"],
    ["C020 0101", "protocol ending in an even byte"],
  ])("refuses %s (%s)", (hex) => {
    expect(parse(hex).ok).toBe(false);
  });
});

describe("writePppHeader", () => {
  it.each([
    [PPP_PROTOCOL.LCP, false, false, "FF03C021"],
    [PPP_PROTOCOL.LCP, true, true, "C021"],
    [PPP_PROTOCOL.IP, false, true, "FF0321"],
    [PPP_PROTOCOL.IP, true, true, "21"],
    [PPP_PROTOCOL.IP, true, false, "0021"],
    [PPP_PROTOCOL.CCP, true, true, "80FD"],
    [PPP_PROTOCOL.MPPE, false, false, "FF0300FD"],
  ])("writes protocol %s with acfc=%s pfc=%s as %s", (protocol, acfc, pfc, hex) => {
    const buf = new Uint8Array(8).fill(0xee);
    const written = writePppHeader(buf, 2, protocol, { acfc, pfc });
    expect(written).toBe(hex.length / 2);
    expect(pppHeaderLength(protocol, { acfc, pfc })).toBe(written);
    expect(toHex(buf.subarray(2, 2 + written))).toBe(hex);
    expect(buf[0]).toBe(0xee);
    expect(buf[2 + written]).toBe(0xee);
  });
});

describe("PPP frame properties", () => {
  it("never throws on arbitrary bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 8 }), (bytes) => {
        parsePppFrame(bytes);
      }),
    );
  });

  it("reads back what it writes, for every valid protocol and framing", () => {
    const protocol = fc
      .tuple(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0, max: 0x7f }))
      .map(([hi, lo]) => ((hi * 2) << 8) | (lo * 2 + 1))
      // 0x00FF is reserved: compressed, it would read as the Address field.
      .filter((p) => p !== 0x00ff);
    fc.assert(
      fc.property(protocol, fc.boolean(), fc.boolean(), (p, acfc, pfc) => {
        const buf = new Uint8Array(6);
        const length = writePppHeader(buf, 0, p, { acfc, pfc });
        expect(parsePppFrame(buf.subarray(0, length + 1))).toEqual({
          ok: true,
          value: { protocol: p, infoOffset: length },
        });
      }),
    );
  });
});
