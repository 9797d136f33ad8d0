import { describe, expect, it } from "vitest";
import {
  COHERENCY_COUNT_MASK,
  LATE_WINDOW,
  MPPE_BIT_ENCRYPTED,
  MPPE_BIT_FLUSHED,
} from "../../src/mppe/mppe-header.js";
import type { MppeMode } from "../../src/mppe/mppe-mode.js";
import { readU16 } from "../../src/util/bytes.js";
import { ALL_MODES, countOf, flagsOf, modeName, open, pair, plaintext, seal } from "./mppe-pair.js";

const STATELESS = ALL_MODES.filter((mode) => mode.stateless);
const STATEFUL = ALL_MODES.filter((mode) => !mode.stateless);
const named = (modes: readonly MppeMode[]) => modes.map((mode) => [modeName(mode), mode] as const);

describe.each(named(ALL_MODES))("%s", (_name, mode) => {
  it("round-trips 5000 packets across the 12-bit count wrap, with the right header bits", () => {
    const { encrypter, decrypter } = pair(mode);
    for (let i = 0; i < 5000; i++) {
      const plain = plaintext(i, 3 + (i % 97));
      const packet = seal(encrypter, plain);
      expect(countOf(packet)).toBe(i % 4096);
      const rekeyed = mode.stateless || (i & 0xff) === 0xff;
      expect(flagsOf(packet)).toBe(MPPE_BIT_ENCRYPTED | (rekeyed ? MPPE_BIT_FLUSHED : 0));
      expect(packet.subarray(2)).not.toEqual(plain);
      expect(open(decrypter, packet).plain).toEqual(plain);
    }
    const expectedRekeys = mode.stateless ? 5000 : 19; // stateful: counts xFF, 19 of them below 5000
    expect(decrypter.counters).toEqual({
      decrypted: 5000,
      discarded: 0,
      rekeys: expectedRekeys,
      lost: 0,
      late: 0,
      replayed: 0,
    });
    expect(decrypter.takeSyncLoss()).toBe(false);
  });

  it("encrypts into the output at an offset without touching the bytes around it or the source", () => {
    const { encrypter, decrypter } = pair(mode);
    const plain = plaintext(7, 30);
    const source = plain.slice();
    const buf = new Uint8Array(50).fill(0xaa);
    encrypter.encrypt(readU16(plain, 0), source.subarray(2), buf, 10);
    expect(source).toEqual(plain);
    expect(buf.subarray(0, 10)).toEqual(new Uint8Array(10).fill(0xaa));
    expect(buf.subarray(42)).toEqual(new Uint8Array(8).fill(0xaa));
    expect(decrypter.decryptInPlace(buf, 10, 32)).toEqual({ ok: true });
    expect(buf.subarray(12, 42)).toEqual(plain);
  });
});

describe.each(named(STATELESS))("%s loss", (_name, mode) => {
  it("catches up over lost packets, one re-key per missing count, across the wrap", () => {
    const { encrypter, decrypter } = pair(mode);
    let lost = 0;
    for (let i = 0; i < 4700; i++) {
      const packet = seal(encrypter, plaintext(i));
      // Lose bursts of growing length, one of them spanning count 4095 -> 0.
      if ((i % 50 >= 45 && i < 4000) || (i >= 4090 && i < 4100) || (i >= 4300 && i < 4600)) {
        lost++;
        continue;
      }
      expect(open(decrypter, packet).plain).toEqual(plaintext(i));
    }
    expect(decrypter.counters).toEqual({
      decrypted: 4700 - lost,
      discarded: 0,
      rekeys: 4700,
      lost,
      late: 0,
      replayed: 0,
    });
  });

  it("follows a forward jump of up to 4095 - LATE_WINDOW counts", () => {
    const { encrypter, decrypter } = pair(mode);
    expect(open(decrypter, seal(encrypter, plaintext(0))).result.ok).toBe(true);
    const jump = COHERENCY_COUNT_MASK - LATE_WINDOW;
    for (let i = 1; i < jump; i++) seal(encrypter, plaintext(i));
    expect(open(decrypter, seal(encrypter, plaintext(jump))).plain).toEqual(plaintext(jump));
    expect(decrypter.counters).toMatchObject({ rekeys: jump + 1, lost: jump - 1 });
  });

  it("drops a packet LATE_WINDOW counts behind as late; an older one decrypts to nonsense and is rolled back", () => {
    const { encrypter, decrypter } = pair(mode);
    const packets = Array.from({ length: 200 }, (_, i) => seal(encrypter, plaintext(i)));
    for (const packet of packets) expect(open(decrypter, packet).result.ok).toBe(true);
    const rekeys = decrypter.counters.rekeys;
    expect(open(decrypter, packets[199 - LATE_WINDOW]!).result).toEqual({ ok: false, reason: "late" });
    expect(decrypter.counters.rekeys).toBe(rekeys);
    // One count older reads as a jump almost all the way round: the key it gives cannot decrypt this packet.
    expect(open(decrypter, packets[198 - LATE_WINDOW]!).result).toEqual({ ok: false, reason: "garbled" });
    // ... and the key schedule is back where it was: a replayed packet cannot derail the stream.
    expect(open(decrypter, seal(encrypter, plaintext(200))).plain).toEqual(plaintext(200));
  });
});

describe.each(named(STATEFUL))("%s loss and reset", (_name, mode) => {
  it("drops duplicates and reordered packets as late: its stream has moved past them", () => {
    const { encrypter, decrypter } = pair(mode);
    const packets = Array.from({ length: 10 }, (_, i) => seal(encrypter, plaintext(i)));
    for (let i = 0; i < 5; i++) expect(open(decrypter, packets[i]!).result.ok).toBe(true);
    expect(open(decrypter, packets[4]!).result).toEqual({ ok: false, reason: "late" });
    expect(open(decrypter, packets[2]!).result).toEqual({ ok: false, reason: "late" });
    // Still in sync: the next packet decrypts and no reset is asked for.
    expect(open(decrypter, packets[5]!).plain).toEqual(plaintext(5));
    expect(decrypter.takeSyncLoss()).toBe(false);
    expect(decrypter.counters).toMatchObject({ decrypted: 6, discarded: 2, lost: 0 });
  });

  it("discards until a flushed packet, reports the lost sync once per poll, and is in sync after encrypter.reset()", () => {
    const { encrypter, decrypter } = pair(mode);
    for (let i = 0; i < 10; i++) expect(open(decrypter, seal(encrypter, plaintext(i))).result.ok).toBe(true);
    seal(encrypter, plaintext(10)); // lost
    for (let i = 11; i < 15; i++) {
      expect(open(decrypter, seal(encrypter, plaintext(i))).result).toEqual({
        ok: false,
        reason: "awaiting-flush",
      });
    }
    expect(decrypter.takeSyncLoss()).toBe(true);
    expect(decrypter.takeSyncLoss()).toBe(false);

    // The peer gets our CCP Reset-Request (twice: a retransmission), and re-keys once on its next packet.
    encrypter.reset();
    encrypter.reset();
    const flushed = seal(encrypter, plaintext(15));
    expect(flagsOf(flushed)).toBe(MPPE_BIT_ENCRYPTED | MPPE_BIT_FLUSHED);
    expect(open(decrypter, flushed).plain).toEqual(plaintext(15));
    for (let i = 16; i < 300; i++)
      expect(open(decrypter, seal(encrypter, plaintext(i))).plain).toEqual(plaintext(i));
    expect(decrypter.takeSyncLoss()).toBe(false);
    expect(decrypter.counters).toMatchObject({ decrypted: 10 + 285, discarded: 4, lost: 1 });
  });

  it("catches up when a flushed packet was lost and the sender re-keyed again for a repeated Reset-Request", () => {
    const { encrypter, decrypter } = pair(mode);
    expect(open(decrypter, seal(encrypter, plaintext(0))).result.ok).toBe(true);
    seal(encrypter, plaintext(1)); // lost: we fall out of sync
    expect(open(decrypter, seal(encrypter, plaintext(2))).result).toEqual({
      ok: false,
      reason: "awaiting-flush",
    });
    encrypter.reset();
    seal(encrypter, plaintext(3)); // the flushed packet answering our Reset-Request: lost too
    expect(decrypter.takeSyncLoss()).toBe(true);
    encrypter.reset(); // our repeated Reset-Request: the sender re-keys a second time
    // Plain RFC 3078 re-keys once here and stays one key behind for good; we find the sender's key.
    expect(open(decrypter, seal(encrypter, plaintext(4))).plain).toEqual(plaintext(4));
    for (let i = 5; i < 300; i++)
      expect(open(decrypter, seal(encrypter, plaintext(i))).plain).toEqual(plaintext(i));
  });

  it("treats a packet that decrypts to nonsense as lost sync, and recovers through a reset", () => {
    const { encrypter, decrypter } = pair(mode);
    expect(open(decrypter, seal(encrypter, plaintext(0))).result.ok).toBe(true);
    const forged = seal(encrypter, plaintext(1));
    forged[2] = forged[2]! ^ 0x80; // the first ciphertext byte: the protocol field decrypts to nonsense
    expect(open(decrypter, forged).result).toEqual({ ok: false, reason: "garbled" });
    expect(decrypter.takeSyncLoss()).toBe(true);
    encrypter.reset();
    expect(open(decrypter, seal(encrypter, plaintext(2))).plain).toEqual(plaintext(2));
  });

  it("re-synchronises on a later flag packet, re-keying for every flag packet it missed", () => {
    const { encrypter, decrypter } = pair(mode);
    for (let i = 0; i < 100; i++) expect(open(decrypter, seal(encrypter, plaintext(i))).result.ok).toBe(true);
    // Lose 100..300 (the flag packet 0x0FF among them); the peer never hears our reset request.
    for (let i = 100; i <= 300; i++) seal(encrypter, plaintext(i));
    for (let i = 301; i < 0x1ff; i++) {
      expect(open(decrypter, seal(encrypter, plaintext(i))).result.ok).toBe(false);
    }
    expect(decrypter.takeSyncLoss()).toBe(true);
    const rekeysBefore = decrypter.counters.rekeys;
    expect(open(decrypter, seal(encrypter, plaintext(0x1ff))).plain).toEqual(plaintext(0x1ff));
    expect(decrypter.counters.rekeys - rekeysBefore).toBe(2); // the missed 0x0FF, then 0x1FF itself
    expect(open(decrypter, seal(encrypter, plaintext(0x200))).plain).toEqual(plaintext(0x200));
  });

  it("re-synchronises on a reset packet after losing a flag packet across the count wrap", () => {
    const { encrypter, decrypter } = pair(mode);
    for (let i = 0; i < 4090; i++)
      expect(open(decrypter, seal(encrypter, plaintext(i))).result.ok).toBe(true);
    for (let i = 4090; i < 4100; i++) seal(encrypter, plaintext(i)); // lost, flag packet 0xFFF among them
    expect(open(decrypter, seal(encrypter, plaintext(4100))).result).toEqual({
      ok: false,
      reason: "awaiting-flush",
    });
    expect(decrypter.takeSyncLoss()).toBe(true);
    encrypter.reset();
    const flushed = seal(encrypter, plaintext(4101));
    expect(countOf(flushed)).toBe(5);
    expect(open(decrypter, flushed).plain).toEqual(plaintext(4101));
    expect(open(decrypter, seal(encrypter, plaintext(4102))).plain).toEqual(plaintext(4102));
  });

  it("takes a reordered flag packet that arrives while discarding, then needs a reset for the one it skipped", () => {
    const { encrypter, decrypter } = pair(mode);
    for (let i = 0; i < 0xff; i++)
      expect(open(decrypter, seal(encrypter, plaintext(i))).result.ok).toBe(true);
    const flag = seal(encrypter, plaintext(0xff));
    const overtaker = seal(encrypter, plaintext(0x100));
    expect(open(decrypter, overtaker).result).toEqual({ ok: false, reason: "awaiting-flush" });
    expect(open(decrypter, flag).plain).toEqual(plaintext(0xff));
    // 0x100's keystream was never consumed, so 0x101 cannot decrypt: the stream needs a reset after all.
    expect(open(decrypter, seal(encrypter, plaintext(0x101))).result).toEqual({
      ok: false,
      reason: "awaiting-flush",
    });
    expect(decrypter.takeSyncLoss()).toBe(true);
    encrypter.reset();
    expect(open(decrypter, seal(encrypter, plaintext(0x102))).plain).toEqual(plaintext(0x102));
  });

  it("treats a flag packet without the flushed bit as lost sync", () => {
    const { encrypter, decrypter } = pair(mode);
    for (let i = 0; i < 0xff; i++)
      expect(open(decrypter, seal(encrypter, plaintext(i))).result.ok).toBe(true);
    const flag = seal(encrypter, plaintext(0xff));
    flag[0] = flag[0]! & ~MPPE_BIT_FLUSHED;
    expect(open(decrypter, flag).result).toEqual({ ok: false, reason: "awaiting-flush" });
    expect(decrypter.takeSyncLoss()).toBe(true);
  });

  it("reset() re-keys the next packet only", () => {
    const { encrypter, decrypter } = pair(mode);
    seal(encrypter, plaintext(0));
    encrypter.reset();
    const flags = Array.from({ length: 3 }, (_, i) => flagsOf(seal(encrypter, plaintext(i))));
    expect(flags).toEqual([MPPE_BIT_ENCRYPTED | MPPE_BIT_FLUSHED, MPPE_BIT_ENCRYPTED, MPPE_BIT_ENCRYPTED]);
    expect(decrypter.counters.rekeys).toBe(0);
  });
});
