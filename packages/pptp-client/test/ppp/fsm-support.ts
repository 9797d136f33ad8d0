/** A scripted OptionsHandler and a recording automaton, for testing the RFC 1661 automaton on its own. */
import { ControlProtocolFsm, type FsmLimits, type RequestVerdict } from "../../src/ppp/fsm.js";
import type { CpOption } from "../../src/wire/ppp-cp.js";
import { CpCode, parseCpPacket } from "../../src/wire/ppp-cp.js";
import { seededRandom } from "../support/seeded-random.js";

/** Asks for one option (type 1, value `wish`); accepts a peer's request whose option 1 equals `accept`. */
export class ScriptedHandler {
  wish = 5;
  accept: number | undefined;
  verdicts: RequestVerdict[] = [];
  calls: string[] = [];
  rejectNotNakSeen: boolean[] = [];

  buildRequest(): CpOption[] {
    return [{ type: 1, data: Uint8Array.of(this.wish) }];
  }

  checkRequest(options: readonly CpOption[], rejectNotNak: boolean): RequestVerdict {
    this.rejectNotNakSeen.push(rejectNotNak);
    const scripted = this.verdicts.shift();
    if (scripted !== undefined) return scripted;
    const bad = options.filter(
      (o) => o.type !== 1 || (this.accept !== undefined && o.data[0] !== this.accept),
    );
    if (bad.length === 0) return { verdict: "ack" };
    if (rejectNotNak || bad.some((o) => o.type !== 1)) return { verdict: "reject", options: bad };
    return { verdict: "nak", options: [{ type: 1, data: Uint8Array.of(this.accept ?? 0) }] };
  }

  handleAck(): void {
    this.calls.push("ack");
  }

  handleNak(options: readonly CpOption[]): void {
    this.calls.push("nak");
    const suggestion = options.find((o) => o.type === 1);
    if (suggestion !== undefined) this.wish = suggestion.data[0]!;
  }

  handleReject(options: readonly CpOption[]): void {
    this.calls.push(`reject:${options.map((o) => o.type).join(",")}`);
  }

  handleExtraCode(code: number) {
    if (code === CpCode.EchoRequest)
      return { event: "RXR" as const, reply: { code: CpCode.EchoReply, data: Uint8Array.of(0, 0, 0, 0) } };
    return undefined;
  }

  codeRejected(code: number): void {
    this.calls.push(`code-rejected:${code}`);
  }
}

export interface Sent {
  readonly code: number;
  readonly identifier: number;
  readonly data: Uint8Array;
  readonly raw: Uint8Array;
}

export const TEST_LIMITS: FsmLimits = {
  restartTimerMs: 3000,
  maxConfigure: 10,
  maxTerminate: 2,
  maxFailure: 5,
};

/** An automaton whose sends and layer signals land in one log, in order. */
export function recordingFsm(handler = new ScriptedHandler(), limits: FsmLimits = TEST_LIMITS, seed = 7) {
  const log: string[] = [];
  const sent: Sent[] = [];
  const fsm = new ControlProtocolFsm({
    name: "TEST",
    handler,
    limits,
    random: seededRandom(seed),
    send: (raw) => {
      const packet = parseCpPacket(raw);
      if (!packet.ok) throw new Error("the automaton sent a malformed packet");
      sent.push({ ...packet.value, raw });
      log.push(`send:${packet.value.code}`);
    },
    layer: {
      up: () => log.push("tlu"),
      down: () => log.push("tld"),
      started: () => log.push("tls"),
      finished: () => log.push("tlf"),
    },
  });
  return { fsm, handler, log, sent };
}
