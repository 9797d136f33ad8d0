import { MppeDecrypter } from "../../src/mppe/mppe-decrypter.js";
import { MppeEncrypter } from "../../src/mppe/mppe-encrypter.js";
import type { MppeMode } from "../../src/mppe/mppe-mode.js";
import { fromHex, readU16 } from "../../src/util/bytes.js";

/** RFC 3079 section 3.5's SendStartKey (the server's send key, the client's receive key). */
export const RFC_START_KEY = fromHex("8B7CDC149B993A1BA118CB153F56DCCB");

export const ALL_MODES: readonly MppeMode[] = [40, 56, 128].flatMap((strength) =>
  [true, false].map((stateless) => ({ strength: strength as MppeMode["strength"], stateless })),
);

export function modeName(mode: MppeMode): string {
  return `${mode.strength}-bit ${mode.stateless ? "stateless" : "stateful"}`;
}

/** An encrypter and a decrypter keyed alike: one direction of a link. */
export function pair(mode: MppeMode, key = RFC_START_KEY) {
  return { encrypter: new MppeEncrypter(key, mode), decrypter: new MppeDecrypter(key, mode) };
}

/** Plaintext whose bytes say which packet it is: inner protocol 0x0021, then the index, then a pattern. */
export function plaintext(index: number, length = 40): Uint8Array {
  const data = new Uint8Array(Math.max(length, 6));
  data[1] = 0x21;
  data[2] = index >>> 24;
  data[3] = index >>> 16;
  data[4] = index >>> 8;
  data[5] = index;
  for (let i = 6; i < data.length; i++) data[i] = (i * 13 + index) & 0xff;
  return data;
}

/** The MPPE packet (header + ciphertext) for `plain` (inner protocol field, then payload), in a fresh buffer. */
export function seal(encrypter: MppeEncrypter, plain: Uint8Array): Uint8Array {
  const packet = new Uint8Array(2 + plain.length);
  encrypter.encrypt(readU16(plain, 0), plain.subarray(2), packet, 0);
  return packet;
}

/** Decrypts a copy of `packet`; returns the result and the plaintext on success. */
export function open(decrypter: MppeDecrypter, packet: Uint8Array) {
  const copy = packet.slice();
  const result = decrypter.decryptInPlace(copy, 0, copy.length);
  return { result, plain: result.ok ? copy.subarray(2) : undefined };
}

export function countOf(packet: Uint8Array): number {
  return ((packet[0]! & 0x0f) << 8) | packet[1]!;
}

export function flagsOf(packet: Uint8Array): number {
  return packet[0]! & 0xf0;
}
