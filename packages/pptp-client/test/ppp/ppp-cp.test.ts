import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "../../src/util/bytes.js";
import { emitCpOptions, emitCpPacket, parseCpOptions, parseCpPacket } from "../../src/wire/ppp-cp.js";

/**
 * A pppd LCP Configure-Request, written by hand from RFC 1661 sections 5.1 and 6: Code 1, Identifier 1, Length 23;
 * MRU 1400 (01 04 0578), Authentication-Protocol CHAP with MS-CHAPv2 (03 05 C223 81), Magic-Number (05 06 12345678),
 * Protocol-Field-Compression (07 02), Address-and-Control-Field-Compression (08 02).
 */
const PPPD_LCP_REQUEST = "01 01 0017 01040578 0305C22381 050612345678 0702 0802";

describe("parseCpPacket", () => {
  it("reads a pppd LCP Configure-Request and its options", () => {
    const packet = parseCpPacket(fromHex(PPPD_LCP_REQUEST));
    expect(packet.ok).toBe(true);
    if (!packet.ok) return;
    expect(packet.value.code).toBe(1);
    expect(packet.value.identifier).toBe(1);
    const options = parseCpOptions(packet.value.data);
    expect(options.ok && options.value.map((o) => [o.type, toHex(o.data)])).toEqual([
      [1, "0578"],
      [3, "C22381"],
      [5, "12345678"],
      [7, ""],
      [8, ""],
    ]);
  });

  it("ignores padding after Length", () => {
    const packet = parseCpPacket(fromHex("0602 0004 0000 0000"));
    expect(packet).toEqual({ ok: true, value: { code: 6, identifier: 2, data: new Uint8Array(0) } });
  });

  it.each([
    ["0101 00", "short header"],
    ["0101 0003", "Length below 4"],
    ["0101 0008 0000", "Length beyond the bytes received"],
  ])("refuses %s (%s)", (hex) => {
    expect(parseCpPacket(fromHex(hex)).ok).toBe(false);
  });
});

describe("emitCpPacket / emitCpOptions", () => {
  it("writes the pppd request byte for byte", () => {
    const options = parseCpOptions(fromHex(PPPD_LCP_REQUEST).subarray(4));
    if (!options.ok) throw new Error(options.reason);
    expect(toHex(emitCpPacket(1, 1, emitCpOptions(options.value)))).toBe(PPPD_LCP_REQUEST.replace(/ /g, ""));
  });

  it("writes an empty Terminate-Ack", () => {
    expect(toHex(emitCpPacket(6, 0x2a, new Uint8Array(0)))).toBe("062A0004");
  });
});

describe("parseCpOptions", () => {
  it.each([
    ["01", "a lone Type byte"],
    ["0101", "Length below 2"],
    ["0105 0578", "Length past the end"],
    ["0702 08", "a trailing Type byte"],
  ])("refuses %s (%s)", (hex) => {
    expect(parseCpOptions(fromHex(hex)).ok).toBe(false);
  });

  it("accepts an empty list", () => {
    expect(parseCpOptions(new Uint8Array(0))).toEqual({ ok: true, value: [] });
  });
});

describe("control packet properties", () => {
  it("never throw on arbitrary bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        parseCpPacket(bytes);
        parseCpOptions(bytes);
      }),
    );
  });

  it("round-trip any option list", () => {
    const option = fc.record({
      type: fc.integer({ min: 0, max: 255 }),
      data: fc.uint8Array({ maxLength: 253 }),
    });
    fc.assert(
      fc.property(fc.array(option, { maxLength: 6 }), fc.integer({ min: 0, max: 255 }), (options, id) => {
        const raw = emitCpPacket(1, id, emitCpOptions(options));
        const packet = parseCpPacket(raw);
        expect(packet.ok).toBe(true);
        if (!packet.ok) return;
        const parsedOptions = parseCpOptions(packet.value.data);
        expect(parsedOptions).toEqual({ ok: true, value: options });
      }),
    );
  });
});
