/** Big-endian field access and small conversions shared by every codec. */

export function readU16(buf: Uint8Array, off: number): number {
  return (buf[off]! << 8) | buf[off + 1]!;
}

export function readU32(buf: Uint8Array, off: number): number {
  return ((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>> 0;
}

export function writeU16(buf: Uint8Array, off: number, value: number): void {
  buf[off] = value >>> 8;
  buf[off + 1] = value;
}

export function writeU32(buf: Uint8Array, off: number, value: number): void {
  buf[off] = value >>> 24;
  buf[off + 1] = value >>> 16;
  buf[off + 2] = value >>> 8;
  buf[off + 3] = value;
}

export function toHex(buf: Uint8Array): string {
  let out = "";
  for (const b of buf) out += b.toString(16).padStart(2, "0");
  return out.toUpperCase();
}

/** Hex to bytes; ignores whitespace. Throws on odd length or non-hex digits: for constants and tests only. */
export function fromHex(hex: string): Uint8Array {
  const clean = hex.replace(/\s+/g, "");
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) throw new Error(`not a hex string: ${hex}`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

const utf8Encoder = new TextEncoder();
const latin1Decoder = new TextDecoder("latin1");

export function utf8(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

/** Decodes protocol text fields (host names, CHAP messages) without ever failing on odd bytes. */
export function latin1(buf: Uint8Array): string {
  return latin1Decoder.decode(buf);
}
