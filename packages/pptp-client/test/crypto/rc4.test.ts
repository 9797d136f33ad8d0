import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Rc4 } from "../../src/crypto/rc4.js";
import { fromHex, toHex, utf8 } from "../../src/util/bytes.js";

/** Keystream bytes [offset, offset+16) of RC4 keyed with `key`. */
function keystreamAt(key: Uint8Array, offset: number): string {
  const zeros = new Uint8Array(offset + 16);
  new Rc4(key).process(zeros, 0, zeros.length, zeros, 0);
  return toHex(zeros.subarray(offset));
}

// RFC 6229 section 2, a few offsets of a few keys.
const RFC6229: [key: string, offset: number, keystream: string][] = [
  ["0102030405", 0, "b2396305f03dc027ccc3524a0a1118a8"],
  ["0102030405", 16, "6982944f18fc82d589c403a47a0d0919"],
  ["0102030405", 240, "28cb1132c96ce286421dcaadb8b69eae"],
  ["0102030405", 256, "1cfcf62b03eddb641d77dfcf7f8d8c93"],
  ["0102030405", 4080, "068326a2118416d21f9d04b2cd1ca050"],
  ["0102030405", 4096, "ff25b58995996707e51fbdf08b34d875"],
  ["01020304050607", 0, "293f02d47f37c9b633f2af5285feb46b"],
  ["0102030405060708", 0, "97ab8a1bf0afb96132f2f67258da15a8"],
  ["0102030405060708", 4096, "3fb46e2c8f0f068edce8cdcd7dfc5862"],
  ["0102030405060708090a0b0c0d0e0f10", 0, "9ac7cc9a609d1ef7b2932899cde41b97"],
  ["0102030405060708090a0b0c0d0e0f10", 16, "5248c4959014126a6e8a84f11d1a9e1c"],
  ["0102030405060708090a0b0c0d0e0f10", 4096, "a36a4c301ae8ac13610ccbc12256cacc"],
  ["833222772a", 0, "80ad97bdc973df8a2e879e92a497efda"],
  ["641910833222772a", 0, "bbf609de9413172d07660cb680716926"],
];

describe("RC4", () => {
  it.each(RFC6229)("RFC 6229 key %s at offset %i", (key, offset, keystream) => {
    expect(keystreamAt(fromHex(key), offset)).toBe(keystream.toUpperCase());
  });

  it("encrypts the classic 'Key'/'Plaintext' example", () => {
    const out = new Uint8Array(9);
    new Rc4(utf8("Key")).process(utf8("Plaintext"), 0, 9, out, 0);
    expect(toHex(out)).toBe("BBF316E8D940AF0AD3");
  });

  it("continues the keystream across calls and works in place at offsets", () => {
    const key = fromHex("0102030405");
    const whole = new Uint8Array(64);
    new Rc4(key).process(whole, 0, 64, whole, 0);

    const buf = new Uint8Array(80);
    const rc4 = new Rc4(key);
    rc4.process(buf, 8, 10, buf, 8);
    rc4.process(buf, 18, 54, buf, 18);
    expect(buf.subarray(8, 72)).toEqual(whole);
    expect(buf.subarray(0, 8)).toEqual(new Uint8Array(8));
    expect(buf.subarray(72)).toEqual(new Uint8Array(8));
  });

  it("copies from src to a different dst offset", () => {
    const rc4 = new Rc4(utf8("Key"));
    const src = Uint8Array.of(0xee, ...utf8("Plaintext"));
    const dst = new Uint8Array(12);
    rc4.process(src, 1, 9, dst, 3);
    expect(toHex(dst)).toBe("000000BBF316E8D940AF0AD3");
  });

  it("setKey restarts the keystream and honours keyLength", () => {
    const rc4 = new Rc4(fromHex("ffffffff"));
    const scratch = new Uint8Array(100);
    rc4.process(scratch, 0, 100, scratch, 0);
    rc4.setKey(fromHex("0102030405 060708"), 5);
    const zeros = new Uint8Array(16);
    rc4.process(zeros, 0, 16, zeros, 0);
    expect(toHex(zeros)).toBe("B2396305F03DC027CCC3524A0A1118A8");
  });

  it("refuses key lengths RC4 cannot use", () => {
    expect(() => new Rc4(new Uint8Array(0))).toThrow(RangeError);
    expect(() => new Rc4().setKey(new Uint8Array(4), 5)).toThrow(RangeError);
  });

  it("decrypts what it encrypted, for any key and data", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 256 }),
        fc.uint8Array({ maxLength: 600 }),
        (key, data) => {
          const buf = data.slice();
          new Rc4(key).process(buf, 0, buf.length, buf, 0);
          new Rc4(key).process(buf, 0, buf.length, buf, 0);
          expect(buf).toEqual(data);
        },
      ),
    );
  });
});
