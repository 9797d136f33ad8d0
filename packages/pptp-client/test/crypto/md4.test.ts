import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { md4 } from "../../src/crypto/md4.js";
import { toHex, utf8 } from "../../src/util/bytes.js";

describe("MD4 (RFC 1320 appendix A.5 test suite)", () => {
  it.each([
    ["", "31D6CFE0D16AE931B73C59D7E0C089C0"],
    ["a", "BDE52CB31DE33E46245E05FBDBD6FB24"],
    ["abc", "A448017AAF21D8525FC10AE87AA6729D"],
    ["message digest", "D9130A8164549FE818874806E1C7014B"],
    ["abcdefghijklmnopqrstuvwxyz", "D79E1C308AA5BBCDEEA8ED63DF412DA9"],
    ["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "043F8582F241DB351CE627E153E7F0E4"],
    [
      "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
      "E33B4DDC9C38F2199C3E7B164FCC0536",
    ],
  ])("MD4(%j)", (text, digest) => {
    expect(toHex(md4(utf8(text)))).toBe(digest);
  });

  it("pads correctly around the 55/56/64-byte block boundaries", () => {
    // Each length must give a distinct 16-byte digest and never touch the input.
    const seen = new Set<string>();
    for (const length of [55, 56, 57, 63, 64, 65, 119, 120]) {
      const data = new Uint8Array(length).fill(0x61);
      const digest = md4(data);
      expect(digest.length).toBe(16);
      expect(data.every((b) => b === 0x61)).toBe(true);
      seen.add(toHex(digest));
    }
    expect(seen.size).toBe(8);
  });

  it("hashes any input to 16 bytes without throwing", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (data) => md4(data).length === 16));
  });
});
