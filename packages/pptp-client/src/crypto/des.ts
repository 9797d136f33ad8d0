/**
 * Single DES for MS-CHAP's challenge response. Node's OpenSSL 3 has no plain DES without the legacy provider,
 * but triple DES (EDE) with K1 = K2 = K3 collapses to single DES: E(K, D(K, E(K, x))) = E(K, x).
 */
import { createCipheriv } from "node:crypto";

/** Spreads 56 key bits over 8 bytes (7 bits each, high bits first) and sets each byte's low bit to odd parity. */
function expandDesKey(key7: Uint8Array): Uint8Array {
  const key8 = new Uint8Array(8);
  for (let i = 0; i < 8; i++) {
    // Bits [7i, 7i+7) of the 56-bit key, read across a byte boundary.
    const bit = i * 7;
    const byte = bit >>> 3;
    const shift = bit & 7;
    const pair = (key7[byte]! << 8) | (byte + 1 < 7 ? key7[byte + 1]! : 0);
    const seven = (pair >>> (9 - shift)) & 0x7f;
    let ones = seven;
    ones ^= ones >>> 4;
    ones ^= ones >>> 2;
    ones ^= ones >>> 1;
    key8[i] = (seven << 1) | (~ones & 1);
  }
  return key8;
}

/** DES-encrypts one 8-byte block with a 7-byte (56-bit) key expanded with parity bits, as MS-CHAP does. */
export function desEncrypt56(key7: Uint8Array, block8: Uint8Array): Uint8Array {
  if (key7.length !== 7 || block8.length !== 8) {
    throw new RangeError(
      `DES needs a 7-byte key and an 8-byte block, got ${key7.length} and ${block8.length}`,
    );
  }
  const key8 = expandDesKey(key7);
  const key24 = new Uint8Array(24);
  key24.set(key8, 0);
  key24.set(key8, 8);
  key24.set(key8, 16);
  const cipher = createCipheriv("des-ede3-ecb", key24, null);
  cipher.setAutoPadding(false);
  const out = cipher.update(block8);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength).slice();
}
