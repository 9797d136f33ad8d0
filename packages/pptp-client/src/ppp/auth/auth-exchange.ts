import type { AuthOutcome, AuthPhase } from "./auth-phase.js";

/**
 * What every authentication exchange keeps, in either role: the packets it queued, its one outcome, and the
 * deadline of its retransmission or wait. Subclasses hold only what their method adds.
 */
export abstract class AuthExchange implements AuthPhase {
  abstract readonly protocol: number;
  protected readonly outbox: Uint8Array[] = [];
  protected outcome: AuthOutcome | undefined;
  protected deadline: number | undefined;

  abstract start(now: number): void;
  abstract handlePacket(info: Uint8Array, now: number): void;
  abstract handleTimeout(now: number): void;

  pollPacket(): Uint8Array | undefined {
    return this.outbox.shift();
  }

  /** The outcome, delivered once. */
  pollOutcome(): AuthOutcome | undefined {
    const outcome = this.outcome;
    this.outcome = undefined;
    return outcome;
  }

  nextTimeout(): number | undefined {
    return this.deadline;
  }
}
