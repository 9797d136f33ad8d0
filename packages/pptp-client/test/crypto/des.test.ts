import { describe, expect, it } from "vitest";
import { desEncrypt56 } from "../../src/crypto/des.js";
import { fromHex, toHex } from "../../src/util/bytes.js";

// The 7-byte keys are the 56 key bits of the classic 8-byte keys with their parity bits removed.
describe("DES with a 56-bit key", () => {
  it("matches the 'Now is t' known answer (key 0123456789ABCDEF)", () => {
    expect(toHex(desEncrypt56(fromHex("00451338957377"), fromHex("4E6F772069732074")))).toBe(
      "3FA40E8A984D4815",
    );
  });

  it("matches the textbook example (key 133457799BBCDFF1)", () => {
    expect(toHex(desEncrypt56(fromHex("12695BC9B7B7F8"), fromHex("0123456789ABCDEF")))).toBe(
      "85E813540F0AB405",
    );
  });

  it("refuses wrong key or block sizes", () => {
    expect(() => desEncrypt56(new Uint8Array(8), new Uint8Array(8))).toThrow(RangeError);
    expect(() => desEncrypt56(new Uint8Array(7), new Uint8Array(7))).toThrow(RangeError);
  });

  it("runs without Node's legacy OpenSSL provider", () => {
    expect(process.execArgv.join(" ")).not.toContain("legacy");
    expect(process.env["NODE_OPTIONS"] ?? "").not.toContain("legacy");
  });
});
