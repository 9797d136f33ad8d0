/**
 * The link's LCP Echo traffic: sends the Echo-Requests that the keepalive's timing calls for, carrying our magic
 * number, and reports what the answers (or their absence) show as events.
 */
import { writeU32 } from "../util/bytes.js";
import { CpCode } from "../wire/ppp-cp.js";
import type { ControlProtocolFsm } from "./fsm.js";
import type { LcpOptions } from "./lcp.js";
import { LcpKeepalive } from "./lcp-keepalive.js";
import type { PppEvent } from "./link-output.js";

export class LcpEcho extends LcpKeepalive {
  constructor(
    intervalMs: number,
    failures: number,
    private readonly lcp: ControlProtocolFsm,
    private readonly lcpOptions: LcpOptions,
    private readonly emit: (event: PppEvent) => void,
  ) {
    super(intervalMs, failures);
  }

  /** At the keepalive deadline: sends the echo that is due. True once the peer counts as dead. */
  handleTimeout(now: number): boolean {
    const verdict = this.due(now);
    if (verdict === "reprobe" || verdict === "dead")
      this.emit({ type: "echo-missed", unanswered: this.unanswered });
    if (verdict === "send" || verdict === "reprobe") {
      const magic = new Uint8Array(4);
      writeU32(magic, 0, this.lcpOptions.magic);
      this.sent(this.lcp.sendCode(CpCode.EchoRequest, magic), now);
    }
    return verdict === "dead";
  }

  /** An Echo-Reply arrived: reports the round trip when it answers one of our echoes. */
  replied(identifier: number, now: number): void {
    const rttMs = this.answered(identifier, now);
    if (rttMs !== undefined) this.emit({ type: "echo-rtt", rttMs });
  }
}
