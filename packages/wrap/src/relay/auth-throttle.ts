/**
 * Token guessing, rate limited per source (PROTOCOL.md section 3): after `failures` wrong tokens within `windowMs`
 * from one source, that source's hellos are refused with RELAY_AUTH_FAILED without being checked for `coolDownMs`.
 * A guesser thus gets a handful of tries a minute per address, however fast it reconnects. Pure: times come in as
 * `now`, and the sources remembered are bounded (the least recently failed is forgotten first).
 */

export interface AuthThrottleLimits {
  /** Wrong tokens within the window that start a cool-down. */
  readonly failures: number;
  readonly windowMs: number;
  readonly coolDownMs: number;
  /** Sources remembered at once. */
  readonly maxSources: number;
}

export const DEFAULT_AUTH_THROTTLE: AuthThrottleLimits = {
  failures: 5,
  windowMs: 60_000,
  coolDownMs: 60_000,
  maxSources: 65_536,
};

/** One wrong token, as counted: `count` failures within the window; `coolingDownUntil` when this one started a cool-down. */
export interface AuthFailure {
  readonly count: number;
  readonly coolingDownUntil?: number;
}

interface SourceRecord {
  /** Times of the failures within the window, oldest first (at most `failures` of them). */
  failures: number[];
  coolingUntil: number;
}

export class AuthThrottle {
  /** In order of the last failure, least recent first (a source is re-inserted when it fails). */
  private readonly sources = new Map<string, SourceRecord>();

  constructor(private readonly limits: AuthThrottleLimits = DEFAULT_AUTH_THROTTLE) {}

  /** Sources remembered now (bounded by maxSources). */
  get trackedSources(): number {
    return this.sources.size;
  }

  /** True while `source` is cooling down: its hellos are refused unchecked. */
  coolingDown(source: string, now: number): boolean {
    const record = this.sources.get(source);
    return record !== undefined && now < record.coolingUntil;
  }

  /** A hello from `source` carried a wrong token (or none without a certificate). */
  failed(source: string, now: number): AuthFailure {
    this.forgetIdle(now);
    let record = this.sources.get(source);
    if (record === undefined) {
      if (this.sources.size >= this.limits.maxSources) this.forgetLeastRecent();
      record = { failures: [], coolingUntil: Number.NEGATIVE_INFINITY };
    } else {
      this.sources.delete(source);
    }
    this.sources.set(source, record);
    const { failures, windowMs, coolDownMs } = this.limits;
    record.failures = record.failures.filter((at) => now - at < windowMs);
    record.failures.push(now);
    if (record.failures.length > failures) record.failures.shift();
    const count = record.failures.length;
    if (count < failures || now < record.coolingUntil) return { count };
    record.coolingUntil = now + coolDownMs;
    return { count, coolingDownUntil: record.coolingUntil };
  }

  /** Drops sources whose failures have all left the window and that are not cooling down. */
  private forgetIdle(now: number): void {
    for (const [source, record] of this.sources) {
      const last = record.failures[record.failures.length - 1] ?? Number.NEGATIVE_INFINITY;
      if (now - last < this.limits.windowMs || now < record.coolingUntil) return;
      this.sources.delete(source);
    }
  }

  private forgetLeastRecent(): void {
    const oldest = this.sources.keys().next();
    if (!oldest.done) this.sources.delete(oldest.value);
  }
}
