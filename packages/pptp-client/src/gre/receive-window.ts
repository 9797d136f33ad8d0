import type { ViewQueue } from "../util/view-queue.js";
import type { GreCounters } from "./gre-link.js";

/** Largest receive window we accept: the ring (and its typed arrays) is the next power of two at or above it. */
export const MAX_REORDER_PACKETS = 4096;

const MISSING = 0; // inside the window and not received: a gap, counted as lost until a late copy fills it
const HELD = 1; // in-order mode: waiting behind a gap
const DONE = 2; // delivered: another copy is a replay
const BEFORE_START = 3; // older than the first packet we saw: never taken, like the kernel

/**
 * Which received GRE payloads go on, and when: a sliding replay window over the peer's sequence numbers (the
 * IPsec anti-replay window of RFC 4303 section 3.4.3, one byte per sequence number instead of one bit because a
 * number can also be held).
 *
 * `head` is one past the newest sequence number taken. The window is the `size` numbers before head: a packet in
 * it is taken once (a second copy is a duplicate), a packet behind it is stale, a packet at or past head moves the
 * window on, the numbers it jumps over becoming gaps (lost until a late copy fills them, late copies counting as
 * reordered). A forward jump of any size below 2^31 is taken, as Linux's pptp.c takes any higher number; all
 * arithmetic is 32-bit serial arithmetic, `(a - b) | 0` being the signed distance from b to a.
 *
 * Delivery has two modes. Immediate (the default): every packet taken goes on at once, late ones included, so a
 * gap delays nothing; the inner TCP copes with loss and reordering itself, and holding packets behind a gap, as
 * pptp-linux and pptpd do for up to 300 ms, stalls every TCP window that meets a loss (5 % loss: ~17 KB/s in the
 * lab). In-order (for stateful MPPE, whose one RC4 stream cannot decrypt a packet that comes after a later one):
 * packets wait behind a gap in `expected`, the next number to deliver, until it is filled, `holdMs` pass, or the
 * window moves past it; a late packet whose gap was already skipped is stale. In immediate mode expected == head.
 * Late packets go on too, where Linux drops them: without MPPE a late one spares the inner TCP a retransmission,
 * and control packets travel in the clear (Linux makes the same exception for late LCP echoes). A late packet
 * reaches MPPE too, which is why the window must not exceed the decrypter's LATE_WINDOW (64).
 */
export class ReceiveWindow {
  private readonly mask: number;
  private readonly state: Uint8Array;
  private readonly arrival: Float64Array;
  private readonly held: (Uint8Array | undefined)[];
  private inOrder = false;
  private started = false;
  private head = 0;
  private expected = 0;
  /** Packets held behind a gap (in-order mode only). */
  buffered = 0;
  /** Arrival time of the longest-waiting held packet: the front gap has kept it waiting since then. */
  private oldestArrival = 0;
  private oldestStale = false;
  private lastDelivered = 0;

  constructor(
    private readonly size: number,
    private readonly holdMs: number,
    private readonly out: ViewQueue,
    private readonly counters: GreCounters,
  ) {
    let slots = 64;
    while (slots < size) slots *= 2;
    this.mask = slots - 1;
    this.state = new Uint8Array(slots);
    this.arrival = new Float64Array(slots);
    this.held = new Array<Uint8Array | undefined>(slots).fill(undefined);
  }

  /**
   * What we acknowledge: the highest sequence number delivered (never one held or skipped), which in immediate mode
   * is the highest received, as Linux's pptp.c acks; undefined until something was delivered.
   */
  get acknowledged(): number | undefined {
    return this.counters.rxDelivered === 0 ? undefined : this.lastDelivered;
  }

  /** Switches between immediate and in-order delivery; leaving in-order mode delivers what was held. */
  setInOrder(inOrder: boolean): void {
    if (inOrder === this.inOrder) return;
    if (!inOrder) this.skipTo(this.head);
    this.inOrder = inOrder;
  }

  /** One data payload with its sequence number. The first one ever received places the window. */
  accept(seq: number, payload: Uint8Array, now: number): void {
    if (!this.started) {
      this.started = true;
      this.state.fill(BEFORE_START);
      this.head = seq;
      this.expected = seq;
    }
    const ahead = (seq - this.head) | 0;
    if (ahead >= 0) {
      this.extendTo(seq);
      this.take(seq, payload, now);
      return;
    }
    if (-ahead > this.size) {
      this.counters.rxStale++;
      return;
    }
    const slot = seq & this.mask;
    const state = this.state[slot];
    if (state === DONE || state === HELD) {
      this.counters.rxDuplicates++;
      return;
    }
    if (state === BEFORE_START || (this.inOrder && ((seq - this.expected) | 0) < 0)) {
      this.counters.rxStale++;
      return;
    }
    this.counters.rxLost--;
    this.counters.rxReordered++;
    this.take(seq, payload, now);
  }

  /** In-order mode: skips every gap whose oldest waiting packet has waited holdMs, delivering what follows it. */
  expire(now: number): void {
    for (
      let deadline = this.deadline();
      deadline !== undefined && now >= deadline;
      deadline = this.deadline()
    ) {
      this.skipFrontGap();
    }
  }

  /** When the front gap will be given up on, if anything is held behind one. */
  deadline(): number | undefined {
    if (this.buffered === 0) return undefined;
    if (this.oldestStale) this.findOldestArrival();
    return this.oldestArrival + this.holdMs;
  }

  /**
   * Moves head past `seq`: the numbers jumped over become gaps (lost), the slots entering the window are wiped of
   * the numbers a ring's length older that they held. In-order mode first skips the gaps the window leaves behind,
   * so nothing is ever held outside it (a window of 0 holds nothing).
   */
  private extendTo(seq: number): void {
    const newHead = (seq + 1) >>> 0;
    if (this.inOrder) {
      const floor = (newHead - Math.max(this.size, 1)) >>> 0;
      if (((floor - this.expected) | 0) > 0) this.skipTo(floor);
    }
    const entering = (newHead - this.head) >>> 0;
    this.counters.rxLost += entering - 1;
    if (entering > this.mask) this.state.fill(MISSING);
    else for (let i = 0; i < entering; i++) this.state[(this.head + i) & this.mask] = MISSING;
    this.head = newHead;
    if (!this.inOrder) this.expected = newHead;
  }

  /** A packet accepted as new: on at once, or, in in-order mode, held unless it is the one expected. */
  private take(seq: number, payload: Uint8Array, now: number): void {
    if (!this.inOrder) {
      this.deliver(seq, payload);
      return;
    }
    if (seq === this.expected) {
      this.deliver(seq, payload);
      this.expected = (seq + 1) >>> 0;
      this.deliverRun();
      return;
    }
    const slot = seq & this.mask;
    this.state[slot] = HELD;
    this.held[slot] = payload;
    this.arrival[slot] = now;
    if (this.buffered++ === 0) {
      this.oldestArrival = now;
      this.oldestStale = false;
    }
  }

  private skipFrontGap(): void {
    let next = (this.expected + 1) >>> 0;
    while (this.state[next & this.mask] !== HELD) next = (next + 1) >>> 0;
    this.skipTo(next);
  }

  /**
   * Gives up on the gaps before `target` (their loss is already counted), delivering the held packets on the way
   * and the run that follows. Only the held packets need a walk; the rest is one jump.
   */
  private skipTo(target: number): void {
    while (this.expected !== target && this.buffered > 0) {
      if (this.state[this.expected & this.mask] === HELD) this.deliverHeld(this.expected);
      this.expected = (this.expected + 1) >>> 0;
    }
    this.expected = target;
    this.deliverRun();
  }

  /** Delivers the held packets that now follow on without a gap. */
  private deliverRun(): void {
    while (this.buffered > 0) {
      if (this.state[this.expected & this.mask] !== HELD) return;
      this.deliverHeld(this.expected);
      this.expected = (this.expected + 1) >>> 0;
    }
  }

  private deliverHeld(seq: number): void {
    const slot = seq & this.mask;
    const payload = this.held[slot]!;
    this.held[slot] = undefined;
    this.buffered--;
    this.oldestStale = true;
    this.deliver(seq, payload);
  }

  private deliver(seq: number, payload: Uint8Array): void {
    this.state[seq & this.mask] = DONE;
    this.out.push(payload);
    this.counters.rxDelivered++;
    // In-order delivery only goes up; in immediate mode only the packet that moved head is the highest, not a late one.
    if (this.inOrder || seq === (this.head - 1) >>> 0) this.lastDelivered = seq;
  }

  private findOldestArrival(): void {
    let oldest = Number.POSITIVE_INFINITY;
    let found = 0;
    for (let i = 1; found < this.buffered; i++) {
      const slot = (this.expected + i) & this.mask;
      if (this.state[slot] !== HELD) continue;
      found++;
      if (this.arrival[slot]! < oldest) oldest = this.arrival[slot]!;
    }
    this.oldestArrival = oldest;
    this.oldestStale = false;
  }
}
