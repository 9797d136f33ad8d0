import type { RandomSource } from "../../src/util/random.js";

/** A deterministic RandomSource (mulberry32), so that a failing simulation can be replayed from its seed. */
export function seededRandom(seed: number): RandomSource & { float(): number } {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const source = (length: number): Uint8Array => {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = next() & 0xff;
    return out;
  };
  return Object.assign(source, { float: () => next() / 0x1_0000_0000 });
}
