/**
 * The client side of the wrap protocol (PROTOCOL.md sections 4-6) as a sans-IO machine: it turns received
 * WebSocket messages and closes into events, and the session's control bytes and GRE packets into frames to send.
 * It owns the hello/welcome handshake, the ordering rules, the relay's refusals, probes both ways and the
 * detection of a relay that went silent. The I/O adapter (wrap-carrier.ts) moves the frames and owns one timer.
 */
import { relayRefusal, type WrapError, wrapError } from "../errors.js";
import {
  emitControlFrames,
  emitWrapFrame,
  parseWrapFrame,
  probeRoundTripMs,
  probeTimestamp,
  type RelayMessage,
  relayErrorCodeOf,
  WRAP_MAX_GRE_PACKET,
} from "../wire/index.js";

/** How long the relay may take to answer hello; its own server connect gives up after 10 s (section 9). */
export const WELCOME_TIMEOUT_MS = 30_000;
export const PROBE_INTERVAL_MS = 5_000;
/** This many probes in a row without a reply (15 s of them) mean the relay is gone. */
export const PROBES_UNANSWERED_LIMIT = 3;
/** Section 6.5: a responder answers at most 10 probes per second. */
const PROBE_ANSWERS_PER_SECOND = 10;
const PROBE_ANSWER_WINDOW_MS = 1_000;
/** WebSocket close statuses 4000 + a relay error code carry the refusal when the error frame was lost. */
const RELAY_CLOSE_STATUS_BASE = 4000;
const RELAY_CLOSE_STATUS_LAST = 4999;
const CLOSE_NORMAL = 1000;
const CLOSE_PROTOCOL_ERROR = 1002;

/** What the relay told the client in `welcome`. */
export interface WrapWelcome {
  /** The client's address as the relay sees it ("" if it will not say): differs from the local one behind NAT. */
  readonly observedAddress: string;
  /** The address the relay sends GRE from and answers GRE probes on; "" if it answers none. */
  readonly relayAddress: string;
  /** 16 hex digits naming the session in the relay's logs. */
  readonly sessionId: string;
}

/** Payloads are views into the bytes given to handleFrame, not copies. */
export type WrapSessionEvent =
  | ({ readonly type: "welcome" } & WrapWelcome)
  | { readonly type: "control"; readonly bytes: Uint8Array }
  | { readonly type: "gre"; readonly packet: Uint8Array }
  | { readonly type: "goaway"; readonly reconnectAfterMs: number }
  | { readonly type: "rtt"; readonly rttMs: number }
  /** The session ended; `error` is undefined only for the relay's clean close after the server closed TCP 1723. */
  | { readonly type: "closed"; readonly error?: WrapError };

/** How the adapter should end the WebSocket: a closing handshake, or dropping a relay that stopped answering. */
export type WrapCloseRequest =
  | { readonly kind: "close"; readonly status: number; readonly reason: string }
  | { readonly kind: "abort" };

export interface WrapSessionStats {
  /** GRE packets a frame cannot carry (empty, or over WRAP_MAX_GRE_PACKET), dropped before sending. */
  greDroppedTooLarge: number;
  /** Frames on channels, and relay messages of types, this version does not know. */
  unknownIgnored: number;
  /** Relay probes over the answer rate, and probe-replies to no probe of ours. */
  probesIgnored: number;
}

export type WrapSessionState = "idle" | "awaiting-welcome" | "open" | "closed";

export class WrapClientSession {
  readonly stats: WrapSessionStats = { greDroppedTooLarge: 0, unknownIgnored: 0, probesIgnored: 0 };
  private current: WrapSessionState = "idle";
  private welcome: WrapWelcome | undefined;
  private readonly frames: Uint8Array[] = [];
  private readonly events: WrapSessionEvent[] = [];
  private closeRequest: WrapCloseRequest | undefined;
  private deadline: number | undefined;
  private nextProbeId = 1;
  private unansweredProbes = 0;
  private answerWindowStart = Number.NEGATIVE_INFINITY;
  private answersInWindow = 0;

  /**
   * `server` and `token` go into hello; they must pass `isServerName` and `isToken` (the caller checks the
   * profile first: start() throws RangeError otherwise, as the codecs do for the caller's mistakes).
   */
  constructor(
    private readonly server: string,
    private readonly token: string,
  ) {}

  get state(): WrapSessionState {
    return this.current;
  }

  /** Call once the WebSocket is open: queues hello and starts the welcome deadline. */
  start(now: number): void {
    if (this.current !== "idle") return;
    this.queueMessage({ type: "hello", server: this.server, token: this.token });
    this.current = "awaiting-welcome";
    this.deadline = now + WELCOME_TIMEOUT_MS;
  }

  /** One binary WebSocket message from the relay. */
  handleFrame(bytes: Uint8Array, now: number): void {
    if (this.current !== "awaiting-welcome" && this.current !== "open") return;
    const frame = parseWrapFrame(bytes);
    if (!frame.ok) {
      this.violation(`malformed frame: ${frame.reason}`);
      return;
    }
    const value = frame.value;
    switch (value.channel) {
      case "unknown":
        this.stats.unknownIgnored++;
        return;
      case "relay":
        this.handleMessage(value.message, now);
        return;
      case "control":
        if (this.current !== "open") this.violation("control bytes before welcome");
        else this.events.push({ type: "control", bytes: value.bytes });
        return;
      case "gre":
        if (this.current !== "open") this.violation("a GRE packet before welcome");
        else this.events.push({ type: "gre", packet: value.packet });
        return;
    }
  }

  /** A text WebSocket message: the protocol uses binary messages only (section 1). */
  handleTextMessage(_now: number): void {
    if (this.current === "awaiting-welcome" || this.current === "open") this.violation("a text message");
  }

  /** The WebSocket closed (by the relay, or broke: 1006). */
  handleClosed(status: number, reason: string, _now: number): void {
    if (this.current === "closed") return;
    const started = this.current !== "idle";
    this.current = "closed";
    this.deadline = undefined;
    if (status >= RELAY_CLOSE_STATUS_BASE && status <= RELAY_CLOSE_STATUS_LAST) {
      const code = relayErrorCodeOf(status - RELAY_CLOSE_STATUS_BASE);
      this.end(relayRefusal(code, reason || `closed with status ${status}`, this.server, this.sessionId));
    } else if (status === CLOSE_NORMAL && this.welcome !== undefined) {
      this.events.push({ type: "closed" });
    } else if (status === CLOSE_NORMAL || !started) {
      this.end(
        wrapError(
          "RELAY_CONNECTION_LOST",
          "The relay closed the connection before accepting the session.",
          "Try again; if it persists, ask the relay's administrator.",
          this.closeDetail(status, reason),
        ),
      );
    } else {
      this.end(
        wrapError(
          "RELAY_CONNECTION_LOST",
          `The connection to the relay broke (WebSocket status ${status}).`,
          "The network to the relay dropped or the relay stopped; connect again.",
          this.closeDetail(status, reason),
        ),
      );
    }
  }

  handleTimeout(now: number): void {
    if (this.deadline === undefined || now < this.deadline) return;
    if (this.current === "awaiting-welcome") {
      this.fail(
        wrapError(
          "RELAY_UNREACHABLE",
          `The relay accepted the connection but did not answer within ${WELCOME_TIMEOUT_MS / 1000} s.`,
          "The relay may be overloaded or the network stalling; try again, or ask the relay's administrator.",
        ),
        { kind: "abort" },
      );
      return;
    }
    if (this.unansweredProbes >= PROBES_UNANSWERED_LIMIT) {
      const seconds = (PROBES_UNANSWERED_LIMIT * PROBE_INTERVAL_MS) / 1000;
      this.fail(
        wrapError(
          "RELAY_CONNECTION_LOST",
          `The relay stopped answering: ${PROBES_UNANSWERED_LIMIT} probes in ${seconds} s went unanswered.`,
          "The network to the relay dropped or the relay stopped; connect again.",
          this.sessionDetail(),
        ),
        { kind: "abort" },
      );
      return;
    }
    this.queueMessage({ type: "probe", id: this.nextProbeId, sentAt: probeTimestamp(now) });
    this.nextProbeId = (this.nextProbeId + 1) >>> 0;
    this.unansweredProbes++;
    this.deadline = now + PROBE_INTERVAL_MS;
  }

  /** Bytes of the TCP 1723 stream towards the server; ignored unless the session is open. */
  sendControl(bytes: Uint8Array): void {
    if (this.current !== "open") return;
    this.frames.push(...emitControlFrames(bytes));
  }

  /** One GRE packet towards the server; false when it was not queued (session not open, or unframeable). */
  sendGre(packet: Uint8Array): boolean {
    if (this.current !== "open") return false;
    if (packet.length === 0 || packet.length > WRAP_MAX_GRE_PACKET) {
      this.stats.greDroppedTooLarge++;
      return false;
    }
    this.frames.push(emitWrapFrame({ channel: "gre", packet }));
    return true;
  }

  /** The client ends the session: a normal close, and no `closed` event (the caller knows). */
  close(): void {
    if (this.current === "closed") return;
    this.current = "closed";
    this.deadline = undefined;
    this.closeRequest = { kind: "close", status: CLOSE_NORMAL, reason: "" };
  }

  pollFrame(): Uint8Array | undefined {
    return this.frames.shift();
  }

  pollEvent(): WrapSessionEvent | undefined {
    return this.events.shift();
  }

  /** Set once, when the session wants the WebSocket ended. */
  pollClose(): WrapCloseRequest | undefined {
    const request = this.closeRequest;
    this.closeRequest = undefined;
    return request;
  }

  nextTimeout(): number | undefined {
    return this.deadline;
  }

  private handleMessage(message: RelayMessage, now: number): void {
    switch (message.type) {
      case "unknown":
        this.stats.unknownIgnored++;
        return;
      case "hello":
        this.violation("a hello from the relay");
        return;
      case "error":
        this.fail(relayRefusal(message.code, message.message, this.server, this.sessionId), {
          kind: "close",
          status: CLOSE_NORMAL,
          reason: "",
        });
        return;
      case "welcome":
        if (this.current === "open") {
          this.violation("a second welcome");
          return;
        }
        this.welcome = {
          observedAddress: message.observedAddress,
          relayAddress: message.relayAddress,
          sessionId: message.sessionId,
        };
        this.current = "open";
        this.deadline = now + PROBE_INTERVAL_MS;
        this.events.push({ type: "welcome", ...this.welcome });
        return;
    }
    if (this.current !== "open") {
      this.violation(`a ${message.type} before welcome`);
      return;
    }
    switch (message.type) {
      case "goaway":
        this.events.push({ type: "goaway", reconnectAfterMs: message.reconnectAfterMs });
        return;
      case "probe":
        this.answerProbe(message.id, message.sentAt, now);
        return;
      case "probe-reply":
        this.takeProbeReply(message.id, message.sentAt, now);
        return;
    }
  }

  private answerProbe(id: number, sentAt: number, now: number): void {
    if (now - this.answerWindowStart >= PROBE_ANSWER_WINDOW_MS) {
      this.answerWindowStart = now;
      this.answersInWindow = 0;
    }
    if (this.answersInWindow >= PROBE_ANSWERS_PER_SECOND) {
      this.stats.probesIgnored++;
      return;
    }
    this.answersInWindow++;
    this.queueMessage({ type: "probe-reply", id, sentAt });
  }

  /** A reply to any outstanding probe shows the relay alive (replies come in order, so earlier ones count too). */
  private takeProbeReply(id: number, sentAt: number, now: number): void {
    const age = (this.nextProbeId - id + 2 ** 32) % 2 ** 32;
    if (age === 0 || age > this.unansweredProbes) {
      this.stats.probesIgnored++;
      return;
    }
    this.unansweredProbes = 0;
    this.events.push({ type: "rtt", rttMs: probeRoundTripMs(sentAt, now) });
  }

  private violation(what: string): void {
    this.fail(
      wrapError(
        "PROTOCOL_ERROR",
        `The relay broke the wrap protocol: ${what}.`,
        "Update Ferry; if it persists, report it with the relay session ID.",
        { reason: what, ...this.sessionDetail() },
      ),
      { kind: "close", status: CLOSE_PROTOCOL_ERROR, reason: "protocol error" },
    );
  }

  private fail(error: WrapError, request: WrapCloseRequest): void {
    this.current = "closed";
    this.deadline = undefined;
    this.closeRequest = request;
    this.end(error);
  }

  private end(error: WrapError): void {
    this.events.push({ type: "closed", error });
  }

  private queueMessage(message: RelayMessage): void {
    this.frames.push(emitWrapFrame({ channel: "relay", message }));
  }

  private get sessionId(): string | undefined {
    return this.welcome?.sessionId;
  }

  private sessionDetail(): Record<string, string> {
    return this.sessionId === undefined ? {} : { relaySessionId: this.sessionId };
  }

  private closeDetail(status: number, reason: string): Record<string, string | number> {
    return {
      closeStatus: status,
      ...(reason === "" ? {} : { closeReason: reason }),
      ...this.sessionDetail(),
    };
  }
}

/** The relay error code a close status names; codes this client does not know are RELAY_ERROR (section 2). */
