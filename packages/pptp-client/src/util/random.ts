import { randomBytes } from "node:crypto";

/** Where the core gets random bytes (challenges, magic numbers, call ids); tests pass a seeded one. */
export type RandomSource = (length: number) => Uint8Array;

export const systemRandom: RandomSource = (length) => new Uint8Array(randomBytes(length));

export function randomU16(random: RandomSource): number {
  const b = random(2);
  return (b[0]! << 8) | b[1]!;
}

export function randomU32(random: RandomSource): number {
  const b = random(4);
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}
