import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { MppeDecrypter } from "../../src/mppe/mppe-decrypter.js";
import { COHERENCY_COUNT_MASK, LATE_WINDOW } from "../../src/mppe/mppe-header.js";
import type { MppeMode } from "../../src/mppe/mppe-mode.js";
import { ALL_MODES, countOf, modeName, open, pair, plaintext, RFC_START_KEY, seal } from "./mppe-pair.js";

const STATELESS = ALL_MODES.filter((mode) => mode.stateless);
const REPLAYED = { ok: false, reason: "replayed" } as const;
const LATE = { ok: false, reason: "late" } as const;

/** The first `count` packets of one direction, sealed once. */
function stream(mode: MppeMode, count: number): Uint8Array[] {
  const { encrypter } = pair(mode);
  return Array.from({ length: count }, (_, i) => seal(encrypter, plaintext(i)));
}

/** Opens the packets of `packets` at `indexes`, in that order, expecting each to decrypt to what was sent. */
function deliver(decrypter: MppeDecrypter, packets: readonly Uint8Array[], indexes: Iterable<number>): void {
  for (const i of indexes) expect(open(decrypter, packets[i]!).plain, `packet ${i}`).toEqual(plaintext(i));
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe.each(STATELESS.map((mode) => [modeName(mode), mode] as const))("%s late packets", (_name, mode) => {
  let packets: Uint8Array[];
  beforeAll(() => {
    packets = stream(mode, 4400);
  });
  const fresh = () => new MppeDecrypter(RFC_START_KEY, mode);

  it("decrypts a packet late by one, once", () => {
    const decrypter = fresh();
    deliver(decrypter, packets, [0, 1, 2, 4, 3, 5]);
    expect(open(decrypter, packets[3]!).result).toEqual(REPLAYED);
    deliver(decrypter, packets, [6]);
    expect(decrypter.counters).toEqual({
      decrypted: 7,
      discarded: 1,
      rekeys: 7,
      lost: 0,
      late: 1,
      replayed: 1,
    });
  });

  it("decrypts a packet late by LATE_WINDOW - 1, once", () => {
    const decrypter = fresh();
    deliver(decrypter, packets, [...range(0, 30), ...range(31, 30 + LATE_WINDOW)]);
    expect(decrypter.counters.lost).toBe(1);
    deliver(decrypter, packets, [30]); // the newest is 30 + LATE_WINDOW - 1
    expect(open(decrypter, packets[30]!).result).toEqual(REPLAYED);
    deliver(decrypter, packets, [30 + LATE_WINDOW]);
    expect(decrypter.counters).toMatchObject({ decrypted: LATE_WINDOW + 31, lost: 0, late: 1, replayed: 1 });
  });

  it("drops a skipped packet once it is LATE_WINDOW or more behind, and the stream carries on", () => {
    const decrypter = fresh();
    deliver(decrypter, packets, [...range(0, 30), ...range(31, 31 + LATE_WINDOW)]);
    // The newest is 30 + LATE_WINDOW: 30 is LATE_WINDOW behind, its key is gone.
    const rekeys = decrypter.counters.rekeys;
    expect(open(decrypter, packets[30]!).result).toEqual(LATE);
    expect(decrypter.counters.rekeys).toBe(rekeys);
    deliver(decrypter, packets, range(31 + LATE_WINDOW, 31 + 2 * LATE_WINDOW));
    // Now further behind than LATE_WINDOW: it reads as a jump forward, its key is wrong, the schedule rolls back.
    expect(open(decrypter, packets[30]!).result).toEqual({ ok: false, reason: "garbled" });
    deliver(decrypter, packets, [31 + 2 * LATE_WINDOW]);
    expect(decrypter.counters).toMatchObject({ lost: 1, late: 0 });
  });

  it("keeps the keys of the last LATE_WINDOW - 1 counts skipped by a long loss", () => {
    const decrypter = fresh();
    deliver(decrypter, packets, [...range(0, 10), 210]); // 10..209 lost
    expect(decrypter.counters.lost).toBe(200);
    deliver(decrypter, packets, [210 - LATE_WINDOW + 1, 209, 180]);
    expect(open(decrypter, packets[210 - LATE_WINDOW]!).result).toEqual(LATE);
    expect(decrypter.counters).toMatchObject({ lost: 197, late: 3 });
  });

  it("drops a replay of the newest count and of any decrypted count in the window", () => {
    const decrypter = fresh();
    deliver(decrypter, packets, range(0, 100));
    for (const i of [99, 99, 98, 50, 99 - LATE_WINDOW + 1])
      expect(open(decrypter, packets[i]!).result).toEqual(REPLAYED);
    deliver(decrypter, packets, [100]);
    expect(decrypter.counters).toMatchObject({ decrypted: 101, discarded: 5, replayed: 5, late: 0 });
  });

  it("rolls a forged far count back without losing the keys kept for late packets", () => {
    const decrypter = fresh();
    deliver(decrypter, packets, [...range(0, 5), ...range(6, 10)]);
    // The next packet, its count moved 2000 ahead (as lab/test/hostile.test.ts forges it).
    const forged = packets[10]!.slice();
    const count = (countOf(forged) + 2000) & COHERENCY_COUNT_MASK;
    forged[0] = (forged[0]! & 0xf0) | (count >>> 8);
    forged[1] = count & 0xff;
    const rekeys = decrypter.counters.rekeys;
    expect(open(decrypter, forged).result).toEqual({ ok: false, reason: "garbled" });
    expect(decrypter.counters.rekeys - rekeys).toBe(2001);
    deliver(decrypter, packets, [5, 10, 11]);
    expect(decrypter.counters).toMatchObject({ lost: 0, late: 1 });
  });

  it("lets a forged packet with a late count use up nothing: the real one still decrypts", () => {
    const decrypter = fresh();
    deliver(decrypter, packets, [0, 1, 3]);
    const forged = packets[2]!.slice();
    forged[2] = forged[2]! ^ 0x80; // the first ciphertext byte: the protocol field decrypts to nonsense
    expect(open(decrypter, forged).result).toEqual({ ok: false, reason: "garbled" });
    deliver(decrypter, packets, [2, 4]);
    expect(open(decrypter, packets[2]!).result).toEqual(REPLAYED);
  });

  it("decrypts late packets across the count wrap", () => {
    const decrypter = fresh();
    deliver(decrypter, packets, [0, 2000, 4088]);
    // Counts 4089..4103 (4095 -> 0 among them), scrambled.
    const order = [4095, 4089, 4096, 4100, 4090, 4094, 4103, 4091, 4097, 4093, 4099, 4092, 4102, 4098, 4101];
    deliver(decrypter, packets, order);
    for (const i of [4095, 4096, 4089, 4103]) expect(open(decrypter, packets[i]!).result).toEqual(REPLAYED);
    deliver(decrypter, packets, [4104]);
    expect(decrypter.counters).toMatchObject({ lost: 4086, late: 11, replayed: 4 });
  });

  it("decrypts every packet of any reordering within the window exactly once, duplicates dropped", () => {
    fc.assert(
      fc.property(
        // Where the stream starts: anywhere the first jump reaches, often just before the count wraps.
        fc.oneof(fc.integer({ min: 1, max: 4030 }), fc.integer({ min: 3900, max: 4030 })),
        // Per packet: how many places later it arrives (at most LATE_WINDOW - 1), and maybe a second copy's.
        fc.array(
          fc.record({
            delay: fc.nat(LATE_WINDOW - 1),
            copy: fc.option(fc.nat(LATE_WINDOW - 1), { freq: 4 }),
          }),
          { minLength: 1, maxLength: 200 },
        ),
        (start, shape) => {
          const decrypter = fresh();
          deliver(decrypter, packets, [start - 1]);
          // A packet arriving at position p comes after no packet arriving at p or later: no one overtakes it by
          // more than LATE_WINDOW - 1 counts.
          const arrivals = shape.flatMap(({ delay, copy }, i) => [
            { index: start + i, at: i + delay },
            ...(copy === null ? [] : [{ index: start + i, at: i + copy }]),
          ]);
          arrivals.sort((a, b) => a.at - b.at || a.index - b.index);
          const seen = new Set<number>();
          let newest = start - 1;
          let late = 0;
          for (const { index } of arrivals) {
            const { result, plain } = open(decrypter, packets[index]!);
            if (seen.has(index)) {
              expect(result).toEqual(REPLAYED);
              continue;
            }
            expect(plain, `packet ${index}`).toEqual(plaintext(index));
            seen.add(index);
            if (index < newest) late++;
            newest = Math.max(newest, index);
          }
          expect(seen.size).toBe(shape.length);
          expect(decrypter.counters).toEqual({
            decrypted: shape.length + 1,
            discarded: arrivals.length - shape.length,
            rekeys: newest + 1,
            lost: start - 1,
            late,
            replayed: arrivals.length - shape.length,
          });
        },
      ),
      { numRuns: 60 },
    );
  });
});
