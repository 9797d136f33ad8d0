/**
 * LCP Echo as keepalive and round-trip probe. While the peer answers, one Echo-Request every interval; an echo not
 * answered within the re-probe time (min(interval, 2 s)) is a miss, and another echo goes out at once, every
 * re-probe time, until one is answered or `failures` in a row have missed: then the peer is dead. At the defaults
 * (10 s, 4) a path that breaks right after an answered echo is noticed 10 + 4 x 2 = 18 s later, where pppd's way
 * (lcp-echo-interval 10, lcp-echo-failure 4: every echo waits a whole interval) takes 50 s.
 *
 * False alarms need the same thing as before, `failures` echoes in a row unanswered: at 5 % random loss each way an
 * echo or its answer is lost 9.75 % of the time, four in a row 0.009 %, about one false PEER_DEAD per 31 hours of
 * 10 s echoes. What changes is the length of a loss burst a session rides out: about failures x 2 s (8 s) instead
 * of a whole minute. Any answer, however late, to any echo of the current run resets to the healthy rhythm, so a
 * path whose round trip stays under failures x 2 s is never given up on; and so does any frame from the peer that
 * arrives after the echo went out (heard()): on a path with a long queue (a saturated uplink, seconds of buffer) the
 * data keeps coming while the echo's answer waits its turn, and that is a live peer, not a miss (pppd's
 * lcp-echo-adaptive reasons the same way).
 */

/** How soon an unanswered echo is followed by the next, and how long an echo may take to count as answered. */
export const ECHO_REPROBE_MS = 2_000;

export class LcpKeepalive {
  private deadline: number | undefined;
  private readonly reprobeMs: number;
  /** Echoes in a row that went unanswered within the re-probe time. */
  private missed = 0;
  /** Send time of the latest echo while it waits for its answer; undefined while healthy between echoes. */
  private awaitingSince: number | undefined;
  private lastSentAt = 0;
  /** When a frame from the peer last arrived. */
  private lastHeardAt = Number.NEGATIVE_INFINITY;
  /** Send times of this run's echoes still in flight, by identifier (a late answer still proves the peer alive). */
  private readonly inFlight = new Map<number, number>();
  private refused = false;

  constructor(
    private readonly intervalMs: number,
    private readonly failures: number,
  ) {
    this.reprobeMs = Math.min(intervalMs, ECHO_REPROBE_MS);
  }

  /** Echoes in a row that have gone unanswered so far. */
  get unanswered(): number {
    return this.missed;
  }

  start(now: number): void {
    this.stop();
    if (this.intervalMs > 0 && this.failures > 0 && !this.refused) this.deadline = now + this.intervalMs;
  }

  stop(): void {
    this.deadline = undefined;
    this.missed = 0;
    this.awaitingSince = undefined;
    this.inFlight.clear();
  }

  /** The peer Code-Rejected Echo-Request: it cannot be kept alive this way, so stop asking for good. */
  refuse(): void {
    this.refused = true;
    this.stop();
  }

  /** Something suggests the path changed: send an echo now, unless one is already waiting for its answer. */
  probe(now: number): void {
    if (this.deadline !== undefined && this.awaitingSince === undefined)
      this.deadline = Math.min(this.deadline, now);
  }

  nextTimeout(): number | undefined {
    return this.deadline;
  }

  /** A frame from the peer arrived (any protocol, decrypted and well formed): the path works both ways. */
  heard(now: number): void {
    this.lastHeardAt = now;
  }

  /**
   * At the deadline: "send" an echo (then call sent() with its identifier), "reprobe" (the last echo missed: send
   * the next at once), "dead" (`failures` in a row missed), or nothing yet (the peer was heard from meanwhile: the
   * next deadline is a healthy interval after the last echo).
   */
  due(now: number): "send" | "reprobe" | "dead" | undefined {
    if (this.deadline === undefined || now < this.deadline) return undefined;
    let verdict: "send" | "reprobe" = "send";
    if (this.awaitingSince !== undefined && this.lastHeardAt >= this.awaitingSince) {
      // The peer's frames came after the echo went out: its answer is only slow. Back to the healthy rhythm.
      this.missed = 0;
      this.awaitingSince = undefined;
      const next = this.lastSentAt + this.intervalMs;
      if (now < next) {
        this.deadline = next;
        return undefined;
      }
    } else if (this.awaitingSince !== undefined) {
      this.missed++;
      if (this.missed >= this.failures) {
        // Dead is final: an answer after this revives nothing.
        this.deadline = undefined;
        this.awaitingSince = undefined;
        this.inFlight.clear();
        return "dead";
      }
      verdict = "reprobe";
    }
    this.awaitingSince = now;
    this.lastSentAt = now;
    this.deadline = now + this.reprobeMs;
    return verdict;
  }

  sent(identifier: number, now: number): void {
    this.inFlight.delete(identifier);
    this.inFlight.set(identifier, now);
    // Keep only this run's echoes: older ones were answered or given up on.
    for (const old of this.inFlight.keys()) {
      if (this.inFlight.size <= this.failures) break;
      this.inFlight.delete(old);
    }
  }

  /** An Echo-Reply: the round-trip time if it answers one of our echoes; back to one echo per interval. */
  answered(identifier: number, now: number): number | undefined {
    const sentAt = this.inFlight.get(identifier);
    if (sentAt === undefined) return undefined;
    this.inFlight.clear();
    this.missed = 0;
    this.awaitingSince = undefined;
    if (this.deadline !== undefined) this.deadline = Math.max(now, this.lastSentAt + this.intervalMs);
    return now - sentAt;
  }
}
