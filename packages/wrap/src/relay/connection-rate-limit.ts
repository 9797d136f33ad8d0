/**
 * New TCP connections per source, as a token bucket: a source may open `burst` connections at once and `perSecond`
 * a second after that. The relay asks before a connection's TLS handshake starts, so a source that floods the relay
 * with connections costs it an accept and a close each, never a handshake.
 *
 * Pure: times come in as `now`. The sources remembered are bounded, in two generations: a source seen goes into the
 * current one, and the current one becomes the previous one (the previous one being forgotten) once it holds half of
 * `maxSources` or a whole refill time has passed. So a source unseen for two refill times (its bucket full again, no
 * different from a source never seen) is forgotten, and a flood of distinct sources can cost limits, never memory:
 * past the bound, the least recently seen sources come back with a full bucket. (Two maps, not one kept in order of
 * use: deleting from the front of a JS Map leaves holes its iterators skip, slow under exactly such a flood.)
 */

export interface ConnectionRateLimits {
  /** New connections a second per source once its burst is spent; 0 turns the limit off. */
  readonly perSecond: number;
  /** New connections a source may open at once (at least 1 while the limit is on). */
  readonly burst: number;
  /** Sources remembered at once (at least 2). */
  readonly maxSources: number;
}

export const DEFAULT_CONNECTION_RATE: ConnectionRateLimits = {
  perSecond: 20,
  burst: 40,
  maxSources: 65_536,
};

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date: when the source was last seen. */
  at: number;
}

export class ConnectionRateLimit {
  private current = new Map<string, Bucket>();
  private previous = new Map<string, Bucket>();
  private rotatedAt = Number.NEGATIVE_INFINITY;
  /** How long an emptied bucket takes to fill up. */
  private readonly refillMs: number;
  private readonly perGeneration: number;
  private refusedTotal = 0;

  constructor(private readonly limits: ConnectionRateLimits = DEFAULT_CONNECTION_RATE) {
    this.refillMs = limits.perSecond > 0 ? (limits.burst / limits.perSecond) * 1000 : 0;
    this.perGeneration = Math.max(1, Math.floor(limits.maxSources / 2));
  }

  /** Connections refused so far. */
  get refused(): number {
    return this.refusedTotal;
  }

  /** Sources remembered now (bounded by maxSources). */
  get trackedSources(): number {
    return this.current.size + this.previous.size;
  }

  /** A new connection from `source` at `now`: true lets it in (and spends a token), false refuses it. */
  admit(source: string, now: number): boolean {
    const { perSecond, burst } = this.limits;
    if (perSecond <= 0) return true;
    if (now - this.rotatedAt >= this.refillMs) this.rotate(now);
    let bucket = this.current.get(source);
    if (bucket === undefined) {
      bucket = this.previous.get(source);
      if (this.current.size >= this.perGeneration) this.rotate(now);
      else if (bucket !== undefined) this.previous.delete(source);
      bucket ??= { tokens: burst, at: now };
      this.current.set(source, bucket);
    }
    bucket.tokens = Math.min(burst, bucket.tokens + (Math.max(0, now - bucket.at) * perSecond) / 1000);
    bucket.at = now;
    if (bucket.tokens < 1) {
      this.refusedTotal++;
      return false;
    }
    bucket.tokens--;
    return true;
  }

  /** The current generation becomes the previous one; the sources only the previous one held are forgotten. */
  private rotate(now: number): void {
    this.previous = this.current;
    this.current = new Map();
    this.rotatedAt = now;
  }
}
