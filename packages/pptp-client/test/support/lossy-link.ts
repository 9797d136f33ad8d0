import { seededRandom } from "./seeded-random.js";

export interface Impairments {
  /** Probability that a packet is dropped. */
  loss: number;
  /** Probability that a packet is duplicated. */
  duplicate: number;
  /** Probability that a packet is held back and delivered after a later one. */
  reorder: number;
  /** One-way delay in milliseconds. */
  delayMs: number;
}

export const PERFECT: Impairments = { loss: 0, duplicate: 0, reorder: 0, delayMs: 1 };

/**
 * A one-way datagram link with seeded loss, duplication and reordering, driven by an explicit clock.
 * Packets are copied on entry: the sender may reuse its buffers, as a real socket allows.
 */
export class LossyLink {
  private readonly random;
  private queue: { at: number; packet: Uint8Array }[] = [];
  private held: Uint8Array | undefined;
  delivered = 0;
  dropped = 0;

  constructor(
    /** May be changed mid-run, e.g. to end a bad spell. */
    public impairments: Impairments,
    seed: number,
  ) {
    this.random = seededRandom(seed);
  }

  send(packet: Uint8Array, now: number): void {
    const copy = packet.slice();
    const { loss, duplicate, reorder, delayMs } = this.impairments;
    if (this.random.float() < loss) {
      this.dropped++;
      return;
    }
    if (this.held === undefined && this.random.float() < reorder) {
      this.held = copy;
      return;
    }
    this.enqueue(copy, now + delayMs);
    if (this.held !== undefined) {
      this.enqueue(this.held, now + delayMs);
      this.held = undefined;
    }
    if (this.random.float() < duplicate) this.enqueue(copy.slice(), now + delayMs);
  }

  /** Packets due by `now`, in order. */
  receive(now: number): Uint8Array[] {
    const due: Uint8Array[] = [];
    while (this.queue.length > 0 && this.queue[0]!.at <= now) due.push(this.queue.shift()!.packet);
    this.delivered += due.length;
    return due;
  }

  nextDelivery(): number | undefined {
    if (this.queue[0] !== undefined) return this.queue[0].at;
    return undefined;
  }

  private enqueue(packet: Uint8Array, at: number): void {
    this.queue.push({ at, packet });
  }
}
