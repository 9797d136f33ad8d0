/**
 * The connect policy for a profile's transport, sans-IO. `direct` and `wrap` decide at once. `auto` tries direct
 * and decides "wrap" as soon as any sign says GRE cannot get through: no GRE back within a short window after the
 * call is set up, an ICMP protocol-unreachable for GRE, or carrier-grade NAT evidence. GRE from the server decides
 * "direct". A decision remembered for this network short-cuts the wait. A reconnect after a direct session on the
 * same network watches GRE again the same way (a NAT can lose its PPTP helper mid-connection), see resumeDirect().
 *
 * The policy only decides; the caller runs the direct attempt, feeds what it sees, and on "wrap" after a direct
 * attempt tears that attempt down and starts over through the relay.
 */
import type { CgnatEvidence } from "./cgnat.js";

export type TransportMode = "auto" | "direct" | "wrap";
export type Transport = "direct" | "wrap";
/** Why `auto` ended up on wrap: the value of the connected event's `fallbackReason`. */
export type FallbackReason = "gre-timeout" | "gre-unreachable" | "cgnat" | "tcp-blocked" | "remembered";

export interface TransportDecision {
  readonly transport: Transport;
  /** Set only when `auto` chose wrap. */
  readonly fallbackReason?: FallbackReason;
  /** One sentence for the log and `ferry diagnose`: what the decision rests on. */
  readonly why: string;
  /**
   * Whether `auto` learned this from the network and it is worth remembering for the network. False when the
   * profile forced the transport, and for a remembered decision (re-remembering it would keep it alive forever).
   */
  readonly learned: boolean;
}

export interface TransportPolicyConfig {
  readonly mode: TransportMode;
  /** How long after the call is set up `auto` waits for the first GRE packet; default 3000 ms. */
  readonly greTimeoutMs?: number;
}

export const DEFAULT_GRE_TIMEOUT_MS = 3000;

type State =
  | { readonly kind: "idle" }
  /**
   * `auto` trying direct; `deadline` is set once the call is up. `trustDirect`: this network passed GRE before.
   * `resumed`: this connection ran direct on this network moments ago (resumeDirect()).
   */
  | {
      readonly kind: "probing";
      readonly deadline: number | undefined;
      readonly trustDirect: boolean;
      readonly resumed: boolean;
    }
  | { readonly kind: "decided" };

export class TransportPolicy {
  private readonly mode: TransportMode;
  private readonly greTimeoutMs: number;
  private state: State = { kind: "idle" };
  private decision: TransportDecision | undefined;

  /** Throws RangeError for a GRE timeout that is not a positive number: profiles are validated before this. */
  constructor(config: TransportPolicyConfig) {
    const greTimeoutMs = config.greTimeoutMs ?? DEFAULT_GRE_TIMEOUT_MS;
    if (!Number.isFinite(greTimeoutMs) || greTimeoutMs <= 0) {
      throw new RangeError(`The GRE timeout must be a positive number of milliseconds, not ${greTimeoutMs}.`);
    }
    this.mode = config.mode;
    this.greTimeoutMs = greTimeoutMs;
  }

  /**
   * Begins a connect. `remembered` is this network's earlier decision: "wrap" goes straight to wrap; "direct" still
   * watches GRE (a network can start blocking it) but no longer lets CGNAT evidence alone override what worked.
   * A second start, or one after the decision, is ignored.
   */
  start(_now: number, remembered?: Transport): void {
    if (this.state.kind !== "idle") return;
    if (this.mode !== "auto") {
      this.decideFixed();
    } else if (remembered === "wrap") {
      this.decide({
        transport: "wrap",
        fallbackReason: "remembered",
        why: "GRE did not get through on this network before, so the connection goes through the relay.",
        learned: false,
      });
    } else {
      this.state = {
        kind: "probing",
        deadline: undefined,
        trustDirect: remembered === "direct",
        resumed: false,
      };
    }
  }

  /**
   * Begins a reconnect of a session that ran direct on this network and lost its server. In `auto` the direct attempt
   * is watched for GRE as on a first connect, since a network can start dropping GRE mid-connection (a NAT that lost
   * its PPTP helper, a firewall rule); but TCP 1723 failing now means the server is away rather than that the network
   * blocks it, and CGNAT evidence alone does not override what just worked. Fixed modes decide as start() does.
   */
  resumeDirect(_now: number): void {
    if (this.state.kind !== "idle") return;
    if (this.mode !== "auto") this.decideFixed();
    else this.state = { kind: "probing", deadline: undefined, trustDirect: true, resumed: true };
  }

  /** The direct attempt's call is set up (Outgoing-Call-Reply accepted): the GRE window starts now. */
  callEstablished(now: number): void {
    if (this.state.kind !== "probing" || this.state.deadline !== undefined) return;
    this.state = { ...this.state, deadline: now + this.greTimeoutMs };
  }

  /** A GRE packet of the direct attempt came back: GRE gets through. */
  greReceived(_now: number): void {
    if (this.state.kind !== "probing") return;
    this.decide({
      transport: "direct",
      why: "GRE from the server came back, so the direct transport works.",
      learned: true,
    });
  }

  /** An ICMP protocol-unreachable for IP protocol 47 came back for the direct attempt. */
  greUnreachable(_now: number): void {
    if (this.state.kind !== "probing") return;
    this.decide({
      transport: "wrap",
      fallbackReason: "gre-unreachable",
      why: "A router answered GRE (IP protocol 47) with ICMP protocol-unreachable, so GRE cannot get through.",
      learned: true,
    });
  }

  /**
   * The server hung up the direct attempt's call before any GRE came back: its own GRE was refused on the way
   * (pptpd hangs up on an ICMP unreachable for it, which a NAT without a PPTP helper sends).
   */
  callDroppedBeforeGre(_now: number): void {
    if (this.state.kind !== "probing" || this.state.deadline === undefined) return;
    this.decide({
      transport: "wrap",
      fallbackReason: "gre-unreachable",
      why: "The server hung up the call before any GRE came back: its GRE (IP protocol 47) was refused on the way, as a NAT router without a PPTP helper does.",
      learned: true,
    });
  }

  /**
   * TCP 1723 to the server could not be opened directly (refused, timed out, no route): a network that only lets
   * a web proxy or TLS out. The relay may still reach the server.
   */
  controlUnreachable(_now: number, reason: string): void {
    if (this.state.kind !== "probing" || this.state.resumed) return;
    this.decide({
      transport: "wrap",
      fallbackReason: "tcp-blocked",
      why: `TCP 1723 to the server could not be opened from this network (${reason}), so the connection goes through the relay.`,
      learned: true,
    });
  }

  /** The result of CGNAT detection; evidence of CGNAT switches to wrap unless direct worked here before. */
  cgnat(evidence: CgnatEvidence): void {
    if (this.state.kind !== "probing" || !evidence.cgnat || this.state.trustDirect) return;
    this.decide({ transport: "wrap", fallbackReason: "cgnat", why: evidence.why, learned: true });
  }

  nextTimeout(): number | undefined {
    return this.state.kind === "probing" ? this.state.deadline : undefined;
  }

  handleTimeout(now: number): void {
    if (this.state.kind !== "probing" || this.state.deadline === undefined || now < this.state.deadline)
      return;
    this.decideGreTimeout(this.greTimeoutMs);
  }

  /**
   * The direct attempt itself gave up waiting for GRE (the session's own GRE window, when it is shorter than this
   * policy's): the same evidence as this policy's timer running out.
   */
  greTimedOut(now: number): void {
    if (this.state.kind !== "probing" || this.state.deadline === undefined) return;
    this.decideGreTimeout(Math.round(now - (this.state.deadline - this.greTimeoutMs)));
  }

  /** The decision, exactly once; undefined before it is made and after it has been polled. */
  pollDecision(): TransportDecision | undefined {
    const decision = this.decision;
    this.decision = undefined;
    return decision;
  }

  private decideFixed(): void {
    this.decide(
      this.mode === "direct"
        ? {
            transport: "direct",
            why: "The profile asks for the direct transport (TCP 1723 and GRE).",
            learned: false,
          }
        : {
            transport: "wrap",
            why: "The profile asks for the wrap transport (TLS/WebSocket to the relay).",
            learned: false,
          },
    );
  }

  private decideGreTimeout(waitedMs: number): void {
    this.decide({
      transport: "wrap",
      fallbackReason: "gre-timeout",
      why:
        `TCP 1723 reached the server but no GRE came back within ${waitedMs} ms: a firewall or NAT ` +
        "without a PPTP helper is dropping IP protocol 47.",
      learned: true,
    });
  }

  /** A fallback on a resumed attempt says that GRE used to pass here: the network changed its mind, not the profile. */
  private decide(decision: TransportDecision): void {
    const resumed = this.state.kind === "probing" && this.state.resumed;
    this.state = { kind: "decided" };
    this.decision =
      resumed && decision.transport === "wrap"
        ? { ...decision, why: `GRE stopped getting through on this network. ${decision.why}` }
        : decision;
  }
}
