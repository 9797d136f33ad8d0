/**
 * A FIFO of byte views on a growable ring: push and shift are O(1) and allocation-free once the ring has grown to
 * the burst size (Array.prototype.shift is O(n) and would make a deep queue quadratic on the data path).
 */
export class ViewQueue {
  private ring: (Uint8Array | undefined)[];
  private head = 0;
  private count = 0;

  constructor(initialCapacity = 16) {
    this.ring = new Array<Uint8Array | undefined>(Math.max(1, initialCapacity)).fill(undefined);
  }

  get length(): number {
    return this.count;
  }

  push(view: Uint8Array): void {
    if (this.count === this.ring.length) this.grow();
    this.ring[(this.head + this.count) % this.ring.length] = view;
    this.count++;
  }

  shift(): Uint8Array | undefined {
    if (this.count === 0) return undefined;
    const view = this.ring[this.head];
    this.ring[this.head] = undefined; // let the packet behind the view be collected
    this.head = (this.head + 1) % this.ring.length;
    this.count--;
    return view;
  }

  private grow(): void {
    const bigger = new Array<Uint8Array | undefined>(this.ring.length * 2).fill(undefined);
    for (let i = 0; i < this.count; i++) bigger[i] = this.ring[(this.head + i) % this.ring.length];
    this.ring = bigger;
    this.head = 0;
  }
}
