/**
 * The one RFC 1661 option negotiation automaton. LCP, IPCP and CCP are each an instance of it with their own
 * OptionsHandler; the automaton owns states, identifiers, the restart timer and counters, and the handler owns
 * what the options mean. Transitions come from fsm-table.ts, the RFC's table verbatim.
 */
import { type FerryError, ferryError } from "../errors.js";
import { bytesEqual } from "../util/bytes.js";
import type { RandomSource } from "../util/random.js";
import {
  CP_HEADER_LENGTH,
  CpCode,
  type CpOption,
  emitCpOptions,
  emitCpPacket,
  parseCpOptions,
  parseCpPacket,
} from "../wire/ppp-cp.js";
import {
  type FsmAction,
  type FsmEventName,
  type FsmState,
  fsmTransition,
  restartTimerRuns,
} from "./fsm-table.js";

export interface FsmLimits {
  /** Restart timer: how long a Configure- or Terminate-Request waits for its answer. */
  readonly restartTimerMs: number;
  /** Configure-Requests sent without an answer before giving up. */
  readonly maxConfigure: number;
  readonly maxTerminate: number;
  /** Configure-Naks sent (or received) in a row before Nak turns into Reject. */
  readonly maxFailure: number;
}

export const DEFAULT_FSM_LIMITS: FsmLimits = {
  restartTimerMs: 3000,
  maxConfigure: 10,
  maxTerminate: 2,
  maxFailure: 5,
};

export type RequestVerdict =
  | { readonly verdict: "ack" }
  | { readonly verdict: "nak" | "reject"; readonly options: CpOption[] };

/** What a protocol-specific code (beyond 1..7) means to the automaton. */
export interface ExtraCodeVerdict {
  /** The RFC 1661 event the packet is, if any: Echo and Discard are RXR, Protocol-Reject RXJ+ or RXJ-. */
  readonly event?: "RXR" | "RXJ+" | "RXJ-";
  /** An answer carrying the packet's identifier: for RXR the `ser` action sends it (Opened only), otherwise sent at once. */
  readonly reply?: { readonly code: number; readonly data: Uint8Array };
}

/** What one control protocol's options mean; the automaton calls it and never looks inside an option itself. */
export interface OptionsHandler {
  /** Our Configure-Request options, from our current wishes. */
  buildRequest(): CpOption[];
  /**
   * The peer's Configure-Request: ack all, or nak (with our suggested values) / reject (the unacceptable ones).
   * May record what the peer asked for: This-Layer-Down follows when the peer renegotiates an Opened link.
   */
  checkRequest(options: readonly CpOption[], rejectNotNak: boolean): RequestVerdict;
  handleAck(options: readonly CpOption[]): void;
  handleNak(options: readonly CpOption[]): void;
  handleReject(options: readonly CpOption[]): void;
  /** Back to the configured wishes, when a new negotiation starts. */
  resetOptions?(): void;
  /** Set once the negotiation cannot succeed (a mandatory option refused...): the owner ends the link with it. */
  readonly failure?: FerryError | undefined;
  /** Codes beyond 1..7 (LCP 8-13, CCP 14-15); undefined means an unknown code, answered with Code-Reject. */
  handleExtraCode?(
    code: number,
    identifier: number,
    data: Uint8Array,
    state: FsmState,
    now: number,
  ): ExtraCodeVerdict | undefined;
  /** The peer Code-Rejected one of our codes beyond 1..7 (an Echo-Request, say). */
  codeRejected?(code: number): void;
}

/** The tlu, tld, tls and tlf actions: signals to the layers above and below, which the automaton's owner runs. */
export interface LayerSignals {
  up?(now: number): void;
  down?(now: number): void;
  started?(now: number): void;
  finished?(now: number): void;
}

/** An RFC 1661 event with what its actions need from the packet behind it. */
export type FsmEvent =
  | { readonly type: "Up" | "Down" | "Open" | "Close" | "TO+" | "TO-" | "RTA" | "RXJ+" | "RXJ-" }
  | { readonly type: "RCR+"; readonly identifier: number; readonly options: Uint8Array }
  | {
      readonly type: "RCR-";
      readonly identifier: number;
      readonly nak: boolean;
      readonly options: Uint8Array;
    }
  | { readonly type: "RCA" | "RCN" | "RTR"; readonly identifier: number }
  | { readonly type: "RUC"; readonly packet: Uint8Array }
  | {
      readonly type: "RXR";
      readonly reply?: { readonly identifier: number; readonly code: number; readonly data: Uint8Array };
    };

export interface FsmOptions {
  /** "LCP", "IPCP", "CCP": used in errors. */
  readonly name: string;
  readonly handler: OptionsHandler;
  readonly limits: FsmLimits;
  readonly random: RandomSource;
  /** Sends one packet (the PPP Information field) of this protocol. */
  readonly send: (info: Uint8Array) => void;
  readonly layer?: LayerSignals;
  /** Sees every transition (for logs, and for owners that react to a particular one). */
  readonly observe?: (event: FsmEventName, from: FsmState, to: FsmState) => void;
}

const NEGOTIATING: ReadonlySet<FsmState> = new Set<FsmState>(["Req-Sent", "Ack-Rcvd", "Ack-Sent"]);
/** States where our last Configure-Request may still be answered, so replies are matched against it. */
const MATCHING_REPLIES: ReadonlySet<FsmState> = new Set<FsmState>([
  "Req-Sent",
  "Ack-Rcvd",
  "Ack-Sent",
  "Opened",
]);

export class ControlProtocolFsm {
  /** Packets that did not parse, and replies that did not match our request: counted, then dropped. */
  malformedPackets = 0;
  strayReplies = 0;

  private current: FsmState = "Initial";
  private counter = 0;
  private deadline: number | undefined;
  private nextIdentifier: number;
  /** Our last Configure-Request, and whether an answer to it is still welcome (pppd's !seen_ack). */
  private request: { readonly identifier: number; readonly options: Uint8Array } | undefined;
  private awaitingReply = false;
  private naksSent = 0;
  private naksReceived = 0;
  private heardFromPeer = false;
  private ownError: FerryError | undefined;

  constructor(private readonly options: FsmOptions) {
    this.nextIdentifier = options.random(1)[0]!;
  }

  get state(): FsmState {
    return this.current;
  }

  get restartCount(): number {
    return this.counter;
  }

  /** Why the negotiation cannot (or could not) succeed: the handler's reason, or the automaton's own. */
  get error(): FerryError | undefined {
    return this.options.handler.failure ?? this.ownError;
  }

  up(now: number): void {
    this.fire({ type: "Up" }, now);
  }

  down(now: number): void {
    this.fire({ type: "Down" }, now);
  }

  open(now: number): void {
    this.fire({ type: "Open" }, now);
  }

  close(now: number): void {
    this.fire({ type: "Close" }, now);
  }

  /** LCP Protocol-Reject for this protocol: the peer does not run it at all (RXJ-). */
  protocolRejected(now: number): void {
    this.fire({ type: "RXJ-" }, now);
  }

  handlePacket(info: Uint8Array, now: number): void {
    const result = parseCpPacket(info);
    if (!result.ok) {
      this.malformedPackets++;
      return;
    }
    // Until the lower layer is up nothing may be answered (RFC 1661 section 4.2, Initial and Starting).
    if (this.current === "Initial" || this.current === "Starting") return;
    this.heardFromPeer = true;
    const { code, identifier, data } = result.value;
    switch (code) {
      case CpCode.ConfigureRequest:
        this.receiveConfigureRequest(identifier, data, now);
        return;
      case CpCode.ConfigureAck:
        this.receiveConfigureAck(identifier, data, now);
        return;
      case CpCode.ConfigureNak:
      case CpCode.ConfigureReject:
        this.receiveNakOrReject(code === CpCode.ConfigureNak, identifier, data, now);
        return;
      case CpCode.TerminateRequest:
        this.fire({ type: "RTR", identifier }, now);
        return;
      case CpCode.TerminateAck:
        this.fire({ type: "RTA" }, now);
        return;
      case CpCode.CodeReject:
        this.receiveCodeReject(data, now);
        return;
      default:
        this.receiveExtraCode(code, identifier, data, info.subarray(0, CP_HEADER_LENGTH + data.length), now);
        return;
    }
  }

  /** Sends a packet of a code outside the negotiation (Echo-Request, Protocol-Reject, Reset-Request); returns its identifier. */
  sendCode(code: number, data: Uint8Array): number {
    const identifier = this.takeIdentifier();
    this.emit(code, identifier, data);
    return identifier;
  }

  nextTimeout(): number | undefined {
    return this.deadline;
  }

  handleTimeout(now: number): void {
    if (this.deadline === undefined || now < this.deadline) return;
    this.deadline = undefined;
    this.fire({ type: this.counter > 0 ? "TO+" : "TO-" }, now);
  }

  /** Applies one event through the RFC table. Events the table marks impossible ("-") in this state are ignored. */
  fire(event: FsmEvent, now: number): void {
    const from = this.current;
    const transition = fsmTransition(event.type, from);
    if (transition === undefined) return;
    this.current = transition.next;
    if (!restartTimerRuns(transition.next)) this.deadline = undefined;
    if (event.type === "TO-" && NEGOTIATING.has(from)) this.ownError ??= this.notConvergedError();
    if (event.type === "RXJ-") this.ownError ??= this.refusedError();
    for (const action of transition.actions) this.perform(action, event, from, now);
    this.options.observe?.(event.type, from, transition.next);
  }

  private perform(action: FsmAction, event: FsmEvent, from: FsmState, now: number): void {
    const { layer, limits } = this.options;
    switch (action) {
      case "tlu":
        layer?.up?.(now);
        return;
      case "tld":
        layer?.down?.(now);
        return;
      case "tls":
        layer?.started?.(now);
        return;
      case "tlf":
        layer?.finished?.(now);
        return;
      case "irc":
        this.counter =
          this.current === "Closing" || this.current === "Stopping"
            ? limits.maxTerminate
            : limits.maxConfigure;
        return;
      case "zrc":
        // A pause before Stopped, so the peer gets our Terminate-Ack (RFC 1661 section 4.4).
        this.counter = 0;
        this.deadline = now + limits.restartTimerMs;
        return;
      case "scr":
        this.sendConfigureRequest(event.type === "TO+", !NEGOTIATING.has(from), now);
        return;
      case "sca":
        if (event.type !== "RCR+") return;
        this.naksSent = 0;
        this.emit(CpCode.ConfigureAck, event.identifier, event.options);
        return;
      case "scn":
        if (event.type !== "RCR-") return;
        if (event.nak) this.naksSent++;
        this.emit(event.nak ? CpCode.ConfigureNak : CpCode.ConfigureReject, event.identifier, event.options);
        return;
      case "str":
        this.emit(CpCode.TerminateRequest, this.takeIdentifier(), new Uint8Array(0));
        this.counter--;
        this.deadline = now + limits.restartTimerMs;
        return;
      case "sta":
        if (!("identifier" in event)) return;
        this.emit(CpCode.TerminateAck, event.identifier, new Uint8Array(0));
        return;
      case "scj":
        if (event.type !== "RUC") return;
        this.emit(CpCode.CodeReject, this.takeIdentifier(), event.packet);
        return;
      case "ser":
        if (event.type !== "RXR" || event.reply === undefined) return;
        this.emit(event.reply.code, event.reply.identifier, event.reply.data);
        return;
    }
  }

  private sendConfigureRequest(retransmission: boolean, fresh: boolean, now: number): void {
    if (fresh) {
      this.options.handler.resetOptions?.();
      this.naksSent = 0;
      this.naksReceived = 0;
    }
    const options = emitCpOptions(this.options.handler.buildRequest());
    // A retransmission keeps its identifier, so that an Ack to either copy is accepted (RFC 1661 section 5.1).
    const sameAsBefore =
      retransmission && this.request !== undefined && bytesEqual(this.request.options, options);
    const identifier =
      sameAsBefore && this.request !== undefined ? this.request.identifier : this.takeIdentifier();
    this.request = { identifier, options };
    this.awaitingReply = true;
    this.emit(CpCode.ConfigureRequest, identifier, options);
    this.counter--;
    this.deadline = now + this.options.limits.restartTimerMs;
  }

  private receiveConfigureRequest(identifier: number, data: Uint8Array, now: number): void {
    // Closed answers Terminate-Ack and Closing/Stopping ignore it, whatever the options say: do not judge them.
    if (this.current === "Closed" || this.current === "Closing" || this.current === "Stopping") {
      this.fire({ type: "RCR+", identifier, options: data }, now);
      return;
    }
    const options = parseCpOptions(data);
    if (!options.ok) {
      this.malformedPackets++;
      return;
    }
    const verdict = this.options.handler.checkRequest(
      options.value,
      this.naksSent >= this.options.limits.maxFailure,
    );
    if (verdict.verdict === "ack") {
      this.fire({ type: "RCR+", identifier, options: data }, now);
    } else {
      const reply = emitCpOptions(verdict.options);
      this.fire({ type: "RCR-", identifier, nak: verdict.verdict === "nak", options: reply }, now);
    }
  }

  private receiveConfigureAck(identifier: number, data: Uint8Array, now: number): void {
    if (MATCHING_REPLIES.has(this.current)) {
      const request = this.expectedReply(identifier);
      // An Ack must repeat our request exactly (RFC 1661 section 5.2).
      if (request === undefined || !bytesEqual(data, request.options)) {
        this.strayReplies++;
        return;
      }
      const options = parseCpOptions(data);
      if (!options.ok) return;
      this.awaitingReply = false;
      this.naksReceived = 0;
      this.options.handler.handleAck(options.value);
    }
    this.fire({ type: "RCA", identifier }, now);
  }

  private receiveNakOrReject(nak: boolean, identifier: number, data: Uint8Array, now: number): void {
    if (MATCHING_REPLIES.has(this.current)) {
      const request = this.expectedReply(identifier);
      const options = parseCpOptions(data);
      if (!options.ok) {
        this.malformedPackets++;
        return;
      }
      if (request === undefined || (!nak && !this.allRequested(options.value, request.options))) {
        this.strayReplies++;
        return;
      }
      this.awaitingReply = false;
      const { handler, limits } = this.options;
      if (!nak) {
        this.naksReceived = 0;
        handler.handleReject(options.value);
      } else if (++this.naksReceived >= limits.maxFailure) {
        // A peer that keeps suggesting values we keep refusing: give those options up (pppd's treat_as_reject).
        handler.handleReject(options.value.filter((o) => this.requestedType(o.type, request.options)));
      } else {
        handler.handleNak(options.value);
      }
    }
    this.fire({ type: "RCN", identifier }, now);
  }

  private receiveCodeReject(data: Uint8Array, now: number): void {
    if (data.length < 1) {
      this.malformedPackets++;
      return;
    }
    const rejected = data[0]!;
    // Without codes 1..7 the protocol cannot work at all; anything else (Echo, Reset) the link can do without.
    if (rejected >= CpCode.ConfigureRequest && rejected <= CpCode.CodeReject) {
      this.fire({ type: "RXJ-" }, now);
      return;
    }
    this.options.handler.codeRejected?.(rejected);
    this.fire({ type: "RXJ+" }, now);
  }

  private receiveExtraCode(
    code: number,
    identifier: number,
    data: Uint8Array,
    packet: Uint8Array,
    now: number,
  ): void {
    const verdict = this.options.handler.handleExtraCode?.(code, identifier, data, this.current, now);
    if (verdict === undefined) {
      this.fire({ type: "RUC", packet }, now);
      return;
    }
    const reply = verdict.reply === undefined ? undefined : { identifier, ...verdict.reply };
    if (verdict.event === "RXR")
      this.fire(reply === undefined ? { type: "RXR" } : { type: "RXR", reply }, now);
    else if (verdict.event !== undefined) this.fire({ type: verdict.event }, now);
    else if (reply !== undefined) this.emit(reply.code, reply.identifier, reply.data);
  }

  /** Our outstanding request if `identifier` answers it; a second answer to the same request is stale. */
  private expectedReply(identifier: number): { readonly options: Uint8Array } | undefined {
    if (!this.awaitingReply || this.request === undefined || this.request.identifier !== identifier)
      return undefined;
    return this.request;
  }

  /** A Configure-Reject may only list options we sent, unmodified (RFC 1661 section 5.4). */
  private allRequested(options: readonly CpOption[], sent: Uint8Array): boolean {
    const ours = parseCpOptions(sent);
    if (!ours.ok) return false;
    return options.every((o) => ours.value.some((s) => s.type === o.type && bytesEqual(s.data, o.data)));
  }

  private requestedType(type: number, sent: Uint8Array): boolean {
    const ours = parseCpOptions(sent);
    return ours.ok && ours.value.some((s) => s.type === type);
  }

  private takeIdentifier(): number {
    const identifier = this.nextIdentifier;
    this.nextIdentifier = (identifier + 1) & 0xff;
    return identifier;
  }

  private emit(code: number, identifier: number, data: Uint8Array): void {
    this.options.send(emitCpPacket(code, identifier, data));
  }

  private notConvergedError(): FerryError {
    const { name, limits } = this.options;
    const detail = { protocol: name, configureRequests: limits.maxConfigure };
    return this.heardFromPeer
      ? ferryError(
          "NEGOTIATION_FAILED",
          `${name} negotiation did not converge after ${limits.maxConfigure} Configure-Requests.`,
          `The server and this profile disagree on ${name} options; compare the profile with the server's PPP options.`,
          detail,
        )
      : ferryError(
          "NEGOTIATION_FAILED",
          `The server never answered our ${name} Configure-Requests.`,
          `Check that GRE (IP protocol 47) passes in both directions and that the server runs ${name}.`,
          detail,
        );
  }

  private refusedError(): FerryError {
    const { name } = this.options;
    return ferryError(
      "NEGOTIATION_FAILED",
      `The server refused to speak ${name} (Protocol-Reject or Code-Reject).`,
      `The server does not support ${name}; check its PPP options.`,
      { protocol: name },
    );
  }
}
