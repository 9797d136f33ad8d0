/**
 * The session keys of a stateless MPPE stream's last LATE_WINDOW coherency counts (the current one and those just
 * behind it), and whether each one's packet was decrypted yet. A packet reordered on the path arrives after later
 * ones have moved the key schedule on; with its count's key kept here it still decrypts, once.
 *
 * A slot is the count modulo LATE_WINDOW, a power of two that divides 4096, so slots run on unbroken across the
 * count wrap. Keys reached on the way forward are staged in a second set of buffers and swapped in only once the
 * packet that moved the schedule decrypted: a forged count that turns out to be wrong leaves every kept key, and
 * the key of the current count that the schedule rolls back to, untouched. Nothing is allocated per packet.
 */
import { COHERENCY_COUNT_MASK, LATE_WINDOW } from "./mppe-header.js";
import type { MppeSessionKey } from "./mppe-session-key.js";

/** What is known about a count at or behind the current one. */
export type KeptKey =
  /** Key kept, packet not seen: a late packet with this count decrypts. */
  | "awaited"
  /** Its packet was decrypted: another one with this count is a replay. */
  | "decrypted"
  /** No key: further behind than the window, or before the first packet. */
  | "none";

const AWAITED = 1;
const DECRYPTED = 2;
const SLOT_MASK = LATE_WINDOW - 1;
const MAX_KEY_LENGTH = 16;

const newSlots = () => Array.from({ length: LATE_WINDOW }, () => new Uint8Array(MAX_KEY_LENGTH));

export class MppeRecentKeys {
  private readonly keys = newSlots();
  private readonly staged = newSlots();
  /** Per slot: 0 (no key), AWAITED or DECRYPTED. */
  private readonly state = new Uint8Array(LATE_WINDOW);

  /** Starts with the schedule's key at `count`, a count no packet carries (the one before the first). */
  constructor(key: MppeSessionKey, count: number) {
    key.saveInto(this.keys[count & SLOT_MASK]!);
  }

  /** While the schedule runs forward to `target`: keeps the key it just reached for `count` if within the window. */
  stage(key: MppeSessionKey, count: number, target: number): void {
    if (((target - count) & COHERENCY_COUNT_MASK) < LATE_WINDOW)
      key.saveInto(this.staged[count & SLOT_MASK]!);
  }

  /** The packet of `target` decrypted: the keys staged on the way from `from` come in, the skipped counts awaited. */
  commit(from: number, target: number): void {
    const kept = Math.min((target - from) & COHERENCY_COUNT_MASK, LATE_WINDOW);
    for (let back = 0; back < kept; back++) {
      const slot = (target - back) & SLOT_MASK;
      const key = this.keys[slot]!;
      this.keys[slot] = this.staged[slot]!;
      this.staged[slot] = key;
      this.state[slot] = back === 0 ? DECRYPTED : AWAITED;
    }
  }

  /** What is known about `count`, which is `current` or behind it. */
  lookup(current: number, count: number): KeptKey {
    if (((current - count) & COHERENCY_COUNT_MASK) >= LATE_WINDOW) return "none";
    const state = this.state[count & SLOT_MASK];
    return state === AWAITED ? "awaited" : state === DECRYPTED ? "decrypted" : "none";
  }

  /** The key of `count`: the current count's, or one whose lookup() is "awaited". */
  keyOf(count: number): Uint8Array {
    return this.keys[count & SLOT_MASK]!;
  }

  markDecrypted(count: number): void {
    this.state[count & SLOT_MASK] = DECRYPTED;
  }
}
