/**
 * Answers GRE probes (PROTOCOL.md section 6.5) that arrive on the relay's probe port: each probe-reply goes back to
 * the probe's source, as GreProbeResponder decides (no amplification, at most 10 a second per source).
 */
import { GreProbeResponder } from "../relay/gre-probe.js";
import type { GreDatagram, GreProbePort } from "./gre-network.js";

export interface GreProbeCounts {
  readonly answered: number;
  /** Not a probe, over its source's limit, or the reply not taken by the network. */
  readonly ignored: number;
}

export class GreProbeAnswerer {
  private readonly responder = new GreProbeResponder();
  private answered = 0;
  private ignored = 0;

  constructor(
    private readonly port: GreProbePort,
    /** Monotonic milliseconds. */
    private readonly clock: () => number,
  ) {
    port.onDatagrams((datagrams) => this.answer(datagrams));
  }

  counts(): GreProbeCounts {
    return { answered: this.answered, ignored: this.ignored };
  }

  close(): void {
    this.port.close();
  }

  private answer(datagrams: readonly GreDatagram[]): void {
    const now = this.clock();
    for (const { source, packet } of datagrams) {
      const reply = this.responder.reply(packet, source, now);
      if (reply !== undefined && this.port.sendTo(source, [reply]) === 1) this.answered++;
      else this.ignored++;
    }
  }
}
