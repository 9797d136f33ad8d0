/** What a module in fuzz/targets/ exports. */
export interface FuzzTarget {
  /** Runs one input. It must never throw, nor allocate without bound: either is a crash. */
  fuzz(data: Uint8Array): void;
  /** The longest input worth trying (default 4096). */
  readonly maxLen?: number;
  /** Tokens the mutator inserts, on top of the common PPTP/GRE/PPP dictionary. */
  readonly dictionary?: readonly Uint8Array[];
  /** Packages (folder names under packages/) whose coverage the report gives (default: all loaded). */
  readonly packages?: readonly string[];
}

/** A failed expectation inside a target (a bound exceeded, an invariant broken): reported as a crash. */
export class FuzzCheckError extends Error {
  override readonly name = "FuzzCheckError";
}

export function check(condition: boolean, what: string): asserts condition {
  if (!condition) throw new FuzzCheckError(what);
}

/** Reads an input as a sequence of small decisions; past its end every read yields zero. */
export class InputReader {
  private off = 0;

  constructor(private readonly data: Uint8Array) {}

  get remaining(): number {
    return this.data.length - this.off;
  }

  u8(): number {
    return this.off < this.data.length ? this.data[this.off++]! : 0;
  }

  u16(): number {
    return (this.u8() << 8) | this.u8();
  }

  /** Up to `n` bytes (a view). */
  bytes(n: number): Uint8Array {
    const out = this.data.subarray(this.off, Math.min(this.data.length, this.off + n));
    this.off += out.length;
    return out;
  }

  /** A chunk whose length is the next byte, at most `max`; 0 means the rest of the input (also at most `max`). */
  chunk(max = 255): Uint8Array {
    const n = this.u8();
    return this.bytes(n === 0 ? Math.min(max, this.remaining) : Math.min(n, max));
  }

  /** A chunk whose length is the next 16-bit value (capped at `max`). */
  chunk16(max: number): Uint8Array {
    return this.bytes(Math.min(this.u16(), max));
  }

  rest(): Uint8Array {
    return this.bytes(this.remaining);
  }
}

/** A sans-IO machine's timer: the earliest deadline, and what fires when it is due. */
export interface Timed {
  nextTimeout(): number | undefined;
  handleTimeout(now: number): void;
}

/**
 * The "wait" op of the machine-driving targets: the clock moves on by a quadratic step (short waits are common,
 * long ones reach the handshake and idle deadlines), and a due deadline fires. Returns the new time.
 */
export function waitOp(input: InputReader, now: number, machine: Timed): number {
  const b = input.u8();
  const later = now + b * b * 4;
  const due = machine.nextTimeout();
  if (due !== undefined && due <= later) machine.handleTimeout(later);
  return later;
}
