/**
 * RC4, the MPPE cipher. Node's OpenSSL 3 only offers it through the legacy provider, which we must not require.
 * This is the data path's hot loop: the state is one Uint8Array(256) reused across re-keys, the indexes live in
 * locals while a packet is processed, and nothing is allocated per call.
 */

const IDENTITY = Uint8Array.from({ length: 256 }, (_, i) => i);

export class Rc4 {
  private readonly s = new Uint8Array(256);
  private i = 0;
  private j = 0;

  constructor(key?: Uint8Array) {
    if (key !== undefined) this.setKey(key);
  }

  /** Re-key without allocating (MPPE re-keys every packet in stateless mode). */
  setKey(key: Uint8Array, keyLength = key.length): void {
    if (keyLength < 1 || keyLength > 256 || keyLength > key.length) {
      throw new RangeError(
        `RC4 key length ${keyLength} is not within 1..256 and the key's ${key.length} bytes`,
      );
    }
    const s = this.s;
    s.set(IDENTITY);
    let j = 0;
    let k = 0;
    for (let i = 0; i < 256; i++) {
      const si = s[i]!;
      j = (j + si + key[k]!) & 255;
      s[i] = s[j]!;
      s[j] = si;
      if (++k === keyLength) k = 0;
    }
    this.i = 0;
    this.j = 0;
  }

  /** XOR the keystream over src[srcOff, srcOff+len) into dst at dstOff; src and dst may be the same buffer. */
  process(src: Uint8Array, srcOff: number, len: number, dst: Uint8Array, dstOff: number): void {
    const s = this.s;
    let i = this.i;
    let j = this.j;
    const shift = dstOff - srcOff;
    const end = srcOff + len;
    for (let p = srcOff; p < end; p++) {
      i = (i + 1) & 255;
      const si = s[i]!;
      j = (j + si) & 255;
      const sj = s[j]!;
      s[i] = sj;
      s[j] = si;
      dst[p + shift] = src[p]! ^ s[(si + sj) & 255]!;
    }
    this.i = i;
    this.j = j;
  }
}
