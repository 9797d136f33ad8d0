/** pppd waits this long for a Reset-Ack before it may repeat a Reset-Request (RACKTIMEOUT). */
export const RESET_ACK_TIMEOUT_MS = 1_000;

/**
 * When to send a CCP Reset-Request after MPPE decryption failures, as pppd's ccp.c decides: one request, then quiet
 * until a Reset-Ack or the timeout; failures meanwhile mark the request for repetition when the timeout fires
 * (RACK_PENDING / RREQ_REPEAT). A lost request thus costs one timeout, not a stream that never recovers.
 */
export class CcpResetPolicy {
  private deadline: number | undefined;
  private repeat = false;

  /** Decryption failed; true when a Reset-Request should go out now. */
  failed(now: number): boolean {
    if (this.deadline !== undefined) {
      this.repeat = true;
      return false;
    }
    this.deadline = now + RESET_ACK_TIMEOUT_MS;
    return true;
  }

  acked(): void {
    this.deadline = undefined;
    this.repeat = false;
  }

  nextTimeout(): number | undefined {
    return this.deadline;
  }

  /** True when the timeout fired with failures since the request: send it again. */
  handleTimeout(now: number): boolean {
    if (this.deadline === undefined || now < this.deadline) return false;
    if (!this.repeat) {
      this.deadline = undefined;
      return false;
    }
    this.repeat = false;
    this.deadline = now + RESET_ACK_TIMEOUT_MS;
    return true;
  }
}
