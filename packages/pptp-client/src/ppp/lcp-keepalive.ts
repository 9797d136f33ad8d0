/**
 * LCP Echo as keepalive and round-trip probe, counted like pppd's lcp-echo-interval / lcp-echo-failure: every
 * interval, give up if `failures` echoes in a row went unanswered, otherwise send another.
 */
export class LcpKeepalive {
  private deadline: number | undefined;
  private unanswered = 0;
  /** Send times of the echoes still in flight, by identifier (a late answer still proves the peer alive). */
  private readonly inFlight = new Map<number, number>();
  private refused = false;

  constructor(
    private readonly intervalMs: number,
    private readonly failures: number,
  ) {}

  start(now: number): void {
    this.stop();
    if (this.intervalMs > 0 && this.failures > 0 && !this.refused) this.deadline = now + this.intervalMs;
  }

  stop(): void {
    this.deadline = undefined;
    this.unanswered = 0;
    this.inFlight.clear();
  }

  /** The peer Code-Rejected Echo-Request: it cannot be kept alive this way, so stop asking for good. */
  refuse(): void {
    this.refused = true;
    this.stop();
  }

  nextTimeout(): number | undefined {
    return this.deadline;
  }

  /** At the deadline: "send" (then call sent() with the Echo-Request's identifier) or "dead". */
  due(now: number): "send" | "dead" | undefined {
    if (this.deadline === undefined || now < this.deadline) return undefined;
    if (this.unanswered >= this.failures) {
      this.deadline = undefined;
      return "dead";
    }
    this.deadline = now + this.intervalMs;
    return "send";
  }

  sent(identifier: number, now: number): void {
    this.unanswered++;
    this.inFlight.delete(identifier);
    this.inFlight.set(identifier, now);
    // Keep only as many as can still matter: older ones would have been given up on.
    for (const old of this.inFlight.keys()) {
      if (this.inFlight.size <= this.failures) break;
      this.inFlight.delete(old);
    }
  }

  /** An Echo-Reply: the round-trip time if it answers one of our echoes. */
  answered(identifier: number, now: number): number | undefined {
    const sentAt = this.inFlight.get(identifier);
    if (sentAt === undefined) return undefined;
    this.inFlight.clear();
    this.unanswered = 0;
    return now - sentAt;
  }
}
