/**
 * "At most N per second" for probe answers (PROTOCOL.md section 6.5): a sliding window over the times of the last N
 * answers. An answer is allowed when the oldest of them is at least a window old.
 */
export class RateLimiter {
  /** Times of the last `limit` allowed events, oldest first, as a ring. */
  private readonly times: number[] = [];
  private next = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs = 1000,
  ) {}

  /** Counts an event at `now` if the limit allows it; false (not counted) when it does not. */
  allow(now: number): boolean {
    if (this.limit <= 0) return false;
    if (this.times.length < this.limit) {
      this.times.push(now);
      return true;
    }
    if (now - this.times[this.next]! < this.windowMs) return false;
    this.times[this.next] = now;
    this.next = (this.next + 1) % this.limit;
    return true;
  }

  /** True when nothing was allowed within the last window: the limiter holds no state worth keeping. */
  idle(now: number): boolean {
    const newest = this.times[(this.next + this.times.length - 1) % this.limit];
    return newest === undefined || now - newest >= this.windowMs;
  }
}
