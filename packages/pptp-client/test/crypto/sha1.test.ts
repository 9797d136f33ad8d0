import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Sha1, sha1 } from "../../src/crypto/sha1.js";
import { toHex, utf8 } from "../../src/util/bytes.js";

function digestOf(hasher: Sha1, ...parts: Uint8Array[]): string {
  for (const part of parts) hasher.update(part);
  const out = new Uint8Array(20);
  hasher.digestInto(out);
  return toHex(out);
}

describe("SHA-1 (FIPS 180-4)", () => {
  it.each([
    ["", "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709"],
    ["abc", "A9993E364706816ABA3E25717850C26C9CD0D89D"],
    ["abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983E441C3BD26EBAAE4AA1F95129E5E54670F1"],
  ])("both implementations hash %j", (text, digest) => {
    expect(digestOf(new Sha1(), utf8(text))).toBe(digest);
    expect(toHex(sha1(utf8(text)))).toBe(digest);
  });

  it("hashes a million 'a's", () => {
    const hasher = new Sha1();
    const chunk = new Uint8Array(1000).fill(0x61);
    for (let i = 0; i < 1000; i++) hasher.update(chunk);
    const out = new Uint8Array(20);
    hasher.digestInto(out);
    expect(toHex(out)).toBe("34AA973CD4C4DAA4F61EEB2BDBAD27316534016F");
  });

  it("agrees with node:crypto for any split of any input, and resets after each digest", () => {
    const hasher = new Sha1();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), fc.nat(), (data, a, b) => {
        const cut1 = a % (data.length + 1);
        const cut2 = cut1 + (b % (data.length - cut1 + 1));
        hasher.update(data, 0, cut1);
        hasher.update(data.subarray(cut1, cut2));
        hasher.update(data, cut2);
        const out = new Uint8Array(24);
        hasher.digestInto(out, 2);
        expect(toHex(out.subarray(2, 22))).toBe(createHash("sha1").update(data).digest("hex").toUpperCase());
      }),
    );
  });
});
