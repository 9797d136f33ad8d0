import type { ViewQueue } from "../util/view-queue.js";
import type { GreCounters } from "./gre-link.js";

/** Largest reorder window we accept: the ring (and its typed arrays) is about four times this. */
export const MAX_REORDER_PACKETS = 4096;

const EMPTY = 0; // not received (or lost), or outside the window
const BUFFERED = 1; // held until the hole before it is filled or skipped
const DELIVERED = 2; // handed out: a second copy is a duplicate

/**
 * Puts GRE payloads back in sequence order, the way pptp-linux's --timeout buffer does, on a fixed ring.
 *
 * The ring has a power-of-two number of slots, indexed by `seq & mask`. With `expected` the next sequence number to
 * deliver and N = maxPackets, the slots cover three windows that never overlap:
 *   ahead    expected+1 .. expected+N     EMPTY or BUFFERED (expected itself is delivered at once, never held)
 *   history  expected-H .. expected-1     EMPTY (lost) or DELIVERED, to tell duplicates from stale packets
 * Each time `expected` moves on by one, the slot entering the ahead window is wiped of the history it held.
 *
 * All arithmetic is 32-bit serial-number arithmetic: `(a - b) | 0` is the signed distance from b to a, so a number
 * more than 2^31 ahead counts as behind (stale), never as a jump.
 */
export class ReorderBuffer {
  private readonly mask: number;
  private readonly historyLength: number;
  private readonly state: Uint8Array;
  private readonly arrival: Float64Array;
  private readonly held: (Uint8Array | undefined)[];
  private started = false;
  private expected = 0;
  private buffered = 0;
  /** Arrival time of the longest-waiting buffered packet: the front hole has kept it waiting since then. */
  private oldestArrival = 0;
  private oldestStale = false;
  /** The highest sequence number delivered so far; meaningful once counters.rxDelivered > 0. */
  lastDelivered = 0;

  constructor(
    private readonly maxPackets: number,
    private readonly timeoutMs: number,
    private readonly out: ViewQueue,
    private readonly counters: GreCounters,
  ) {
    let size = 64;
    while (size < 2 * maxPackets + 2) size *= 2;
    this.mask = size - 1;
    this.historyLength = size - maxPackets - 1;
    this.state = new Uint8Array(size);
    this.arrival = new Float64Array(size);
    this.held = new Array<Uint8Array | undefined>(size).fill(undefined);
  }

  /** One data payload with its sequence number. The first one ever received sets the expected sequence. */
  accept(seq: number, payload: Uint8Array, now: number): void {
    if (!this.started) {
      this.started = true;
      this.expected = seq;
    }
    let distance = (seq - this.expected) | 0;
    if (distance < 0) {
      const delivered = distance >= -this.historyLength && this.state[seq & this.mask] === DELIVERED;
      if (delivered) this.counters.rxDuplicates++;
      else this.counters.rxStale++;
      return;
    }
    if (distance > this.maxPackets) {
      // Beyond the window: give up on the oldest holes until this packet fits in the last slot.
      this.skipTo((seq - this.maxPackets) >>> 0);
      this.deliverRun(false);
      distance = (seq - this.expected) | 0;
    }
    if (distance === 0) {
      this.deliver(seq, payload);
      this.advance();
      this.deliverRun(true);
      return;
    }
    const slot = seq & this.mask;
    if (this.state[slot] === BUFFERED) {
      this.counters.rxDuplicates++;
      return;
    }
    this.state[slot] = BUFFERED;
    this.held[slot] = payload;
    this.arrival[slot] = now;
    if (this.buffered++ === 0) {
      this.oldestArrival = now;
      this.oldestStale = false;
    }
    // A full window can only be freed by skipping the hole, and a packet still to come would force it anyway.
    if (this.buffered === this.maxPackets) this.skipFrontHole();
  }

  /** Skips every hole whose oldest waiting packet has waited reorderTimeoutMs, delivering what follows it. */
  expire(now: number): void {
    for (
      let deadline = this.deadline();
      deadline !== undefined && now >= deadline;
      deadline = this.deadline()
    ) {
      this.skipFrontHole();
    }
  }

  /** When the front hole will be given up on, if anything is waiting behind one. */
  deadline(): number | undefined {
    if (this.buffered === 0) return undefined;
    if (this.oldestStale) this.findOldestArrival();
    return this.oldestArrival + this.timeoutMs;
  }

  private skipFrontHole(): void {
    let next = (this.expected + 1) >>> 0;
    while (this.state[next & this.mask] !== BUFFERED) next = (next + 1) >>> 0;
    this.skipTo(next);
    this.deliverRun(false);
  }

  /**
   * Moves `expected` forward to `target`, counting the missing packets as lost and delivering any buffered ones on
   * the way. Only the first N steps can find buffered packets; a longer jump is done in one go.
   */
  private skipTo(target: number): void {
    while (this.expected !== target && this.buffered > 0) {
      const slot = this.expected & this.mask;
      if (this.state[slot] === BUFFERED) this.deliverHeld(slot);
      else this.counters.rxLost++;
      this.advance();
    }
    if (this.expected === target) return;
    const jump = (target - this.expected) >>> 0;
    this.counters.rxLost += jump;
    if (jump > this.mask) this.state.fill(EMPTY);
    else
      for (let i = 0; i < jump; i++)
        this.state[(this.expected + this.maxPackets + 1 + i) & this.mask] = EMPTY;
    this.expected = target;
  }

  /** Delivers the buffered packets that now follow on without a hole. */
  private deliverRun(filledHole: boolean): void {
    while (this.buffered > 0) {
      const slot = this.expected & this.mask;
      if (this.state[slot] !== BUFFERED) return;
      this.deliverHeld(slot);
      if (filledHole) this.counters.rxReordered++;
      this.advance();
    }
  }

  private deliverHeld(slot: number): void {
    const payload = this.held[slot]!;
    this.held[slot] = undefined;
    this.buffered--;
    this.oldestStale = true;
    this.deliver(this.expected, payload);
  }

  private deliver(seq: number, payload: Uint8Array): void {
    this.state[seq & this.mask] = DELIVERED;
    this.out.push(payload);
    this.counters.rxDelivered++;
    this.lastDelivered = seq;
  }

  private advance(): void {
    // The slot about to enter the ahead window still holds the oldest history entry: wipe it.
    this.state[(this.expected + this.maxPackets + 1) & this.mask] = EMPTY;
    this.expected = (this.expected + 1) >>> 0;
  }

  private findOldestArrival(): void {
    let oldest = Number.POSITIVE_INFINITY;
    let found = 0;
    for (let i = 1; found < this.buffered; i++) {
      const slot = (this.expected + i) & this.mask;
      if (this.state[slot] !== BUFFERED) continue;
      found++;
      if (this.arrival[slot]! < oldest) oldest = this.arrival[slot]!;
    }
    this.oldestArrival = oldest;
    this.oldestStale = false;
  }
}
