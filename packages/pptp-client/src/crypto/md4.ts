/**
 * MD4 (RFC 1320). MS-CHAP hashes the password with it; Node's OpenSSL 3 only offers MD4 through the legacy
 * provider, which we must not require, so it lives here. Only short inputs (passwords) pass through it.
 */

function rotl(x: number, n: number): number {
  return (x << n) | (x >>> (32 - n));
}

const ROUND2 = 0x5a827999;
const ROUND3 = 0x6ed9eba1;

/** Word indexes of each round's 16 steps, and the rotations that cycle every 4 steps. */
const ORDER2 = [0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15];
const ORDER3 = [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15];
const SHIFT1 = [3, 7, 11, 19];
const SHIFT2 = [3, 5, 9, 13];
const SHIFT3 = [3, 9, 11, 15];

export function md4(data: Uint8Array): Uint8Array {
  // Padding: 0x80, zeros to 56 mod 64, then the bit length as a 64-bit little-endian number.
  const paddedLength = (((data.length + 8) >>> 6) + 1) << 6;
  const padded = new Uint8Array(paddedLength);
  padded.set(data);
  padded[data.length] = 0x80;
  const view = new DataView(padded.buffer);
  const bitLength = data.length * 8;
  view.setUint32(paddedLength - 8, bitLength >>> 0, true);
  view.setUint32(paddedLength - 4, Math.floor(bitLength / 0x100000000), true);

  const h = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
  const x = new Array<number>(16);
  for (let block = 0; block < paddedLength; block += 64) {
    for (let i = 0; i < 16; i++) x[i] = view.getInt32(block + i * 4, true);
    // a, b, c, d rotate roles each step: v[(4 - step) & 3] is the word being updated.
    const v = [h[0]!, h[1]!, h[2]!, h[3]!];
    for (let step = 0; step < 16; step++) {
      const a = (4 - step) & 3;
      const b = v[(a + 1) & 3]!;
      const c = v[(a + 2) & 3]!;
      const d = v[(a + 3) & 3]!;
      v[a] = rotl((v[a]! + ((b & c) | (~b & d)) + x[step]!) | 0, SHIFT1[step & 3]!);
    }
    for (let step = 0; step < 16; step++) {
      const a = (4 - step) & 3;
      const b = v[(a + 1) & 3]!;
      const c = v[(a + 2) & 3]!;
      const d = v[(a + 3) & 3]!;
      v[a] = rotl(
        (v[a]! + ((b & c) | (b & d) | (c & d)) + x[ORDER2[step]!]! + ROUND2) | 0,
        SHIFT2[step & 3]!,
      );
    }
    for (let step = 0; step < 16; step++) {
      const a = (4 - step) & 3;
      const b = v[(a + 1) & 3]!;
      const c = v[(a + 2) & 3]!;
      const d = v[(a + 3) & 3]!;
      v[a] = rotl((v[a]! + (b ^ c ^ d) + x[ORDER3[step]!]! + ROUND3) | 0, SHIFT3[step & 3]!);
    }
    for (let i = 0; i < 4; i++) h[i] = (h[i]! + v[i]!) | 0;
  }

  const out = new Uint8Array(16);
  const outView = new DataView(out.buffer);
  for (let i = 0; i < 4; i++) outView.setInt32(i * 4, h[i]!, true);
  return out;
}
