import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MppeDecrypter } from "../../src/mppe/mppe-decrypter.js";
import { bytesEqual, fromHex } from "../../src/util/bytes.js";
import { ALL_MODES, modeName, open, pair, plaintext, RFC_START_KEY, seal } from "./mppe-pair.js";

describe.each(ALL_MODES.map((mode) => [modeName(mode), mode] as const))("%s decrypter", (_name, mode) => {
  it("refuses packets it cannot take, and counts them", () => {
    const decrypter = new MppeDecrypter(RFC_START_KEY, mode);
    expect(open(decrypter, fromHex("9000")).result).toEqual({ ok: false, reason: "too-short" });
    expect(open(decrypter, fromHex("")).result).toEqual({ ok: false, reason: "too-short" });
    expect(open(decrypter, fromHex("8000 0021")).result).toEqual({ ok: false, reason: "not-encrypted" });
    expect(open(decrypter, fromHex("0000 0021")).result).toEqual({ ok: false, reason: "not-encrypted" });
    expect(open(decrypter, fromHex("B000 0021")).result).toEqual({ ok: false, reason: "compressed" });
    expect(open(decrypter, fromHex("F000 0021")).result).toEqual({ ok: false, reason: "compressed" });
    expect(decrypter.counters).toEqual({
      decrypted: 0,
      discarded: 6,
      rekeys: 0,
      lost: 0,
      late: 0,
      replayed: 0,
    });
  });

  it("refuses a length that runs past the buffer or an offset outside it", () => {
    const { encrypter, decrypter } = pair(mode);
    const packet = seal(encrypter, plaintext(0));
    expect(decrypter.decryptInPlace(packet, 0, packet.length + 1)).toEqual({
      ok: false,
      reason: "too-short",
    });
    expect(decrypter.decryptInPlace(packet, -1, 4)).toEqual({ ok: false, reason: "too-short" });
    // Still untouched and in sync.
    expect(open(decrypter, packet).plain).toEqual(plaintext(0));
  });

  it("ignores bit B (MPPC history reset), which Linux ignores too", () => {
    const { encrypter, decrypter } = pair(mode);
    const packet = seal(encrypter, plaintext(0));
    packet[0] = packet[0]! | 0x40;
    expect(open(decrypter, packet).plain).toEqual(plaintext(0));
  });

  it("never throws on random bytes, offsets and lengths", () => {
    const decrypter = new MppeDecrypter(RFC_START_KEY, mode);
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 64 }),
        fc.integer({ min: -4, max: 70 }),
        fc.integer({ min: -4, max: 70 }),
        (buf, off, len) => {
          const result = decrypter.decryptInPlace(buf, off, len);
          expect(typeof result.ok).toBe("boolean");
        },
      ),
      { numRuns: 2000 },
    );
    decrypter.takeSyncLoss();
  });

  it("never throws on a stream of valid packets mixed with mutated, dropped, repeated and random ones", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.constant({ kind: "deliver" as const }),
            fc.constant({ kind: "drop" as const }),
            fc.constant({ kind: "repeat" as const }),
            fc.constant({ kind: "reset" as const }),
            fc.record({
              kind: fc.constant("mutate" as const),
              at: fc.nat(40),
              value: fc.integer({ min: 0, max: 255 }),
            }),
            fc.record({ kind: fc.constant("junk" as const), bytes: fc.uint8Array({ maxLength: 40 }) }),
          ),
          { maxLength: 300 },
        ),
        (events) => {
          const { encrypter, decrypter } = pair(mode);
          let previous = seal(encrypter, plaintext(0));
          // MPPE has no integrity check: a forged count moves the key schedule, so only an untouched stream
          // must keep decrypting correctly.
          let forged = false;
          let wrongInARow = 0;
          for (const [index, event] of events.entries()) {
            if (event.kind === "reset") {
              if (decrypter.takeSyncLoss()) encrypter.reset();
              continue;
            }
            if (event.kind === "junk") {
              forged = true;
              open(decrypter, event.bytes);
              continue;
            }
            if (event.kind === "repeat") {
              open(decrypter, previous);
              continue;
            }
            const packet = seal(encrypter, plaintext(index + 1));
            previous = packet;
            if (event.kind === "drop") continue;
            if (event.kind === "mutate") {
              forged = true;
              packet[event.at % packet.length] = event.value;
            }
            const { result, plain } = open(decrypter, packet);
            if (!forged && mode.stateless) expect(plain).toEqual(plaintext(index + 1));
            // Stateful resynchronisation can take a wrong key whose output happens to look like a protocol
            // field (about 1 in 100); the next packet then shows it and the stream resynchronises again.
            if (!forged && result.ok) {
              wrongInARow = bytesEqual(plain!, plaintext(index + 1)) ? 0 : wrongInARow + 1;
              expect(wrongInARow).toBeLessThan(2);
            }
          }
          const { decrypted, discarded } = decrypter.counters;
          expect(decrypted + discarded).toBeLessThanOrEqual(events.length + 1);
        },
      ),
      { numRuns: 200 },
    );
  });
});
