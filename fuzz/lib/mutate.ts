/**
 * libFuzzer's mutations, on byte arrays: erase, insert, insert repeated, change byte, flip bit, shuffle, change an
 * ASCII or binary integer (both byte orders), copy a part, cross over with another corpus entry, dictionary tokens
 * (insert or overwrite), interesting values, and a protocol-minded extra: overwrite a 16-bit big-endian field with
 * the number of bytes from there to the end (the shape of every PPTP, PPP and CP length field). Several are
 * stacked per input.
 */
import type { Rng } from "./rng.js";

const INTERESTING_8 = [0, 1, 2, 0x7f, 0x80, 0xfe, 0xff, 16, 32, 64, 100, 127];
const INTERESTING_16 = [
  0, 1, 0x7f, 0x80, 0xff, 0x100, 0x3fff, 0x7fff, 0x8000, 0xfffe, 0xffff, 12, 156, 220, 1500,
];
const INTERESTING_32 = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x1a2b3c4d, 0x10000, 0xffff];

/** Tokens every target may use: PPTP, GRE, PPP, LCP/CP codes. */
export const COMMON_DICTIONARY: readonly Uint8Array[] = [
  [0x1a, 0x2b, 0x3c, 0x4d], // PPTP Magic Cookie
  [0x00, 0x01], // PPTP Message Type control
  [0x01, 0x00], // PPTP protocol version 1.0
  [0x30, 0x01], // GRE flags: K set, version 1
  [0x30, 0x81], // GRE: K, A, version 1
  [0x20, 0x01], // GRE: K only
  [0x20, 0x81], // GRE: K, A (ack only)
  [0x88, 0x0b], // GRE protocol PPP
  [0xff, 0x03], // PPP address/control
  [0xc0, 0x21], // LCP
  [0x80, 0x21], // IPCP
  [0x80, 0xfd], // CCP
  [0xc2, 0x23], // CHAP
  [0xc0, 0x23], // PAP
  [0x00, 0xfd], // MPPE/compressed datagram
  [0x00, 0x21], // IP
  [0x80, 0x57], // IPV6CP
  [0x00, 0x57], // IPv6
  [0x01, 0x04, 0x05, 0x78], // LCP MRU 1400
  [0x03, 0x05, 0xc2, 0x23, 0x81], // LCP auth MS-CHAPv2
  [0x03, 0x05, 0xc2, 0x23, 0x05], // LCP auth CHAP-MD5
  [0x03, 0x04, 0xc0, 0x23], // LCP auth PAP
  [0x05, 0x06], // LCP magic number option
  [0x07, 0x02], // PFC
  [0x08, 0x02], // ACFC
  [0x12, 0x06, 0x01, 0x00, 0x00, 0x40], // CCP MPPE option: 128-bit stateless
  [0x12, 0x06, 0x00, 0x00, 0x00, 0x40], // CCP MPPE option: 128-bit stateful
  [0x03, 0x06], // IPCP IP-Address option
  [0x81, 0x06], // IPCP primary DNS
  [0x83, 0x06], // IPCP secondary DNS
  [0x90, 0x00], // MPPE header: A + encrypted
  [0x10, 0x00], // MPPE encrypted
  [0x80, 0x00], // MPPE flushed
  [0x53, 0x3d], // "S=" (MS-CHAPv2 success)
  [0x45, 0x3d], // "E=" (MS-CHAPv2 failure)
  [0x20, 0x4d, 0x3d], // " M="
  [0x01], // Configure-Request / code 1
  [0x02], // Configure-Ack
  [0x03], // Configure-Nak
  [0x04], // Configure-Reject
  [0x05], // Terminate-Request
  [0x06], // Terminate-Ack
  [0x07], // Code-Reject
  [0x08], // Protocol-Reject
  [0x09], // Echo-Request
  [0x0a], // Echo-Reply
  [0x0e], // Reset-Request
  [0x0f], // Reset-Ack
].map((t) => Uint8Array.from(t));

export interface MutationContext {
  readonly rng: Rng;
  readonly maxLen: number;
  readonly dictionary: readonly Uint8Array[];
  /** Another corpus entry to cross over with. */
  readonly other: () => Uint8Array | undefined;
}

type Mutator = (data: Uint8Array, ctx: MutationContext) => Uint8Array | undefined;

function insertAt(data: Uint8Array, at: number, bytes: Uint8Array, maxLen: number): Uint8Array | undefined {
  if (data.length + bytes.length > maxLen) return undefined;
  const out = new Uint8Array(data.length + bytes.length);
  out.set(data.subarray(0, at), 0);
  out.set(bytes, at);
  out.set(data.subarray(at), at + bytes.length);
  return out;
}

function overwriteAt(data: Uint8Array, at: number, bytes: Uint8Array): Uint8Array | undefined {
  if (data.length === 0) return undefined;
  const out = data.slice();
  const n = Math.min(bytes.length, out.length - at);
  out.set(bytes.subarray(0, n), at);
  return out;
}

function writeInt(width: 1 | 2 | 4, value: number, littleEndian: boolean): Uint8Array {
  const out = new Uint8Array(width);
  const view = new DataView(out.buffer);
  if (width === 1) view.setUint8(0, value & 0xff);
  else if (width === 2) view.setUint16(0, value & 0xffff, littleEndian);
  else view.setUint32(0, value >>> 0, littleEndian);
  return out;
}

const MUTATORS: readonly Mutator[] = [
  // EraseBytes
  (data, { rng }) => {
    if (data.length <= 1) return undefined;
    const n = 1 + rng.below(Math.min(data.length - 1, rng.chance(4) ? 64 : 4));
    const at = rng.below(data.length - n + 1);
    const out = new Uint8Array(data.length - n);
    out.set(data.subarray(0, at), 0);
    out.set(data.subarray(at + n), at);
    return out;
  },
  // InsertByte
  (data, { rng, maxLen }) =>
    insertAt(data, rng.below(data.length + 1), Uint8Array.of(rng.u32() & 0xff), maxLen),
  // InsertRepeatedBytes
  (data, { rng, maxLen }) => {
    const n = 2 + rng.below(rng.chance(8) ? 256 : 16);
    const fill = rng.chance(2) ? rng.pick([0, 0xff]) : rng.u32() & 0xff;
    return insertAt(data, rng.below(data.length + 1), new Uint8Array(n).fill(fill), maxLen);
  },
  // ChangeByte
  (data, { rng }) => overwriteAt(data, rng.below(data.length), Uint8Array.of(rng.u32() & 0xff)),
  // ChangeBit
  (data, { rng }) => {
    if (data.length === 0) return undefined;
    const out = data.slice();
    const at = rng.below(out.length);
    out[at] = out[at]! ^ (1 << rng.below(8));
    return out;
  },
  // ShuffleBytes
  (data, { rng }) => {
    if (data.length < 2) return undefined;
    const out = data.slice();
    const n = 2 + rng.below(Math.min(8, out.length - 1));
    const at = rng.below(out.length - n + 1);
    for (let i = n - 1; i > 0; i--) {
      const j = rng.below(i + 1);
      const t = out[at + i]!;
      out[at + i] = out[at + j]!;
      out[at + j] = t;
    }
    return out;
  },
  // ChangeASCIIInteger
  (data, { rng }) => {
    const starts: number[] = [];
    for (let i = 0; i < data.length; i++) if (data[i]! >= 0x30 && data[i]! <= 0x39) starts.push(i);
    if (starts.length === 0) return undefined;
    let at = rng.pick(starts);
    while (at > 0 && data[at - 1]! >= 0x30 && data[at - 1]! <= 0x39) at--;
    let end = at;
    while (end < data.length && data[end]! >= 0x30 && data[end]! <= 0x39) end++;
    let value = Number(new TextDecoder().decode(data.subarray(at, end)));
    switch (rng.below(5)) {
      case 0:
        value++;
        break;
      case 1:
        value--;
        break;
      case 2:
        value *= 2;
        break;
      case 3:
        value = Math.floor(value / 2);
        break;
      default:
        value = rng.pick([0, 1, 255, 256, 65535, 65536, 2 ** 31, 2 ** 53, 1e21]);
    }
    const digits = new TextEncoder().encode(String(value));
    const out = new Uint8Array(data.length - (end - at) + digits.length);
    out.set(data.subarray(0, at), 0);
    out.set(digits, at);
    out.set(data.subarray(end), at + digits.length);
    return out;
  },
  // ChangeBinaryInteger: add a small delta to a u8/u16/u32, either byte order
  (data, { rng }) => {
    const width = rng.pick([1, 2, 4] as const);
    if (data.length < width) return undefined;
    const at = rng.below(data.length - width + 1);
    const le = rng.chance(4);
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const current =
      width === 1 ? view.getUint8(at) : width === 2 ? view.getUint16(at, le) : view.getUint32(at, le);
    const delta = rng.below(33) - 16 || 1;
    return overwriteAt(data, at, writeInt(width, current + delta, le));
  },
  // Interesting values
  (data, { rng }) => {
    const width = rng.pick([1, 2, 4] as const);
    if (data.length < width) return undefined;
    const table = width === 1 ? INTERESTING_8 : width === 2 ? INTERESTING_16 : INTERESTING_32;
    const at = rng.below(data.length - width + 1);
    const value = rng.chance(4) ? data.length - rng.below(Math.min(8, data.length + 1)) : rng.pick(table);
    return overwriteAt(data, at, writeInt(width, value, rng.chance(6)));
  },
  // Length field: a big-endian u16 saying how many bytes follow from its own start (or from just after it)
  (data, { rng }) => {
    if (data.length < 2) return undefined;
    const at = rng.below(data.length - 1);
    const base = rng.chance(2) ? at : at + 2;
    const tweak = rng.chance(3) ? rng.below(5) - 2 : 0;
    return overwriteAt(data, at, writeInt(2, data.length - base + tweak, false));
  },
  // CopyPart (overwrite or insert)
  (data, { rng, maxLen }) => {
    if (data.length < 2) return undefined;
    const n = 1 + rng.below(Math.min(data.length - 1, 64));
    const from = rng.below(data.length - n + 1);
    const part = data.slice(from, from + n);
    return rng.chance(2)
      ? overwriteAt(data, rng.below(data.length), part)
      : insertAt(data, rng.below(data.length + 1), part, maxLen);
  },
  // CrossOver
  (data, { rng, maxLen, other }) => {
    const b = other();
    if (b === undefined || b.length === 0) return undefined;
    const cut = rng.below(data.length + 1);
    const from = rng.below(b.length);
    const n = 1 + rng.below(b.length - from);
    if (rng.chance(2)) {
      const out = new Uint8Array(Math.min(maxLen, cut + n));
      out.set(data.subarray(0, Math.min(cut, out.length)), 0);
      out.set(b.subarray(from, from + out.length - Math.min(cut, out.length)), Math.min(cut, out.length));
      return out;
    }
    return insertAt(data, cut, b.subarray(from, from + n), maxLen);
  },
  // Dictionary: insert
  (data, { rng, maxLen, dictionary }) =>
    dictionary.length === 0
      ? undefined
      : insertAt(data, rng.below(data.length + 1), rng.pick(dictionary), maxLen),
  // Dictionary: overwrite
  (data, { rng, dictionary }) =>
    dictionary.length === 0 ? undefined : overwriteAt(data, rng.below(data.length), rng.pick(dictionary)),
];

/** One to eight stacked mutations of `data` (never longer than maxLen). */
export function mutate(data: Uint8Array, ctx: MutationContext): Uint8Array {
  let current = data;
  const rounds = 1 + ctx.rng.below(ctx.rng.chance(2) ? 2 : 8);
  for (let i = 0; i < rounds; i++) {
    let next: Uint8Array | undefined;
    for (let attempt = 0; attempt < 8 && next === undefined; attempt++) {
      next = ctx.rng.pick(MUTATORS)(current, ctx);
    }
    if (next !== undefined) current = next.length > ctx.maxLen ? next.subarray(0, ctx.maxLen) : next;
  }
  if (current === data) {
    // Nothing applied (an empty input with no room, say): grow by one random byte.
    current =
      data.length < ctx.maxLen
        ? insertAt(data, data.length, Uint8Array.of(ctx.rng.u32() & 0xff), ctx.maxLen)!
        : data.slice();
  }
  return current;
}
