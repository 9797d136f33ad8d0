/**
 * One client's session on ferry-relay, sans-IO (PROTOCOL.md sections 3, 4, 7, 8):
 *
 *   awaiting-hello --hello, token ok--> resolving --address allowed--> dialing --TCP up--> open --> closed
 *
 * The I/O layer feeds it WebSocket messages, Pongs, the resolved address, TCP 1723 events, control bytes and GRE
 * packets from the server, and `now`; it polls actions (frames for the client, bytes and GRE for the server, what to
 * resolve, dial and close) and follows `nextTimeout()`. Every refusal and failure is an `error` frame followed by a
 * close with status 4000 + code; nothing a client or server sends can make a method throw.
 *
 * Pieces with a job of their own live beside it: the hello's authentication (hello-auth.ts), what happens to one GRE
 * packet (gre-forwarding.ts), and the action queue with the traffic counts (session-traffic.ts).
 */
import { type WrapError, wrapError } from "../errors.js";
import { isWireAddress } from "../wire/address.js";
import { emitWrapFrame, parseWrapFrame, wrapFrameTooLarge } from "../wire/frame.js";
import { RELAY_ERROR_CODE, type RelayErrorCode, type RelayMessage } from "../wire/relay-messages.js";
import type { ServerCallIds } from "./call-id-allocator.js";
import { greToClient, greToServerRefusal } from "./gre-forwarding.js";
import { type ClientCredentials, helloAuthRefusal } from "./hello-auth.js";
import { PptpTranslator } from "./pptp-translator.js";
import { RateLimiter } from "./rate-limit.js";
import { newRelayCounters, type RelayCounters } from "./relay-counters.js";
import { type RelayAction, SessionTraffic } from "./session-traffic.js";

/** The client must send hello within this long of the upgrade (RELAY_HANDSHAKE_TIMEOUT). */
export const HELLO_DEADLINE_MS = 10_000;
/** Resolving the server and its TCP 1723 connect together get this long (RELAY_SERVER_UNREACHABLE). */
export const SERVER_CONNECT_DEADLINE_MS = 10_000;
/** A client heard nothing from (no frame, no Pong) for this long is gone. */
export const CLIENT_IDLE_TIMEOUT_MS = 60_000;
export const PROBES_PER_SECOND = 10;
/** The WebSocket close status after a normal end (the server closed TCP 1723). */
export const CLOSE_NORMAL = 1000;

/** Which servers the relay may dial (an Allowlist). */
export interface TargetPolicy {
  /** Whether the hello's server is itself on the list. */
  lists(server: string): boolean;
  /** Whether the relay may dial `address`, which it resolved `server` to. */
  permits(server: string, address: string): boolean;
}

export interface RelaySessionOptions extends ClientCredentials {
  /** 16 lower-case hex digits (random, chosen by the I/O layer): names the session in logs and in `welcome`. */
  readonly sessionId: string;
  readonly targets: TargetPolicy;
  /** The relay's Call IDs per server address, shared by every session. */
  readonly callIds: ServerCallIds<PptpTranslator>;
  /** Relay-wide totals this session adds to. */
  readonly counters?: RelayCounters;
}

/** How a session ended: the relay error it sent, or a normal close by either side. */
export type SessionOutcome = RelayErrorCode | "CLIENT_CLOSED" | "SERVER_CLOSED";

type Phase = "awaiting-hello" | "resolving" | "dialing" | "open" | "closed";

export class RelaySession {
  readonly sessionId: string;
  readonly counters: RelayCounters;
  private phase: Phase = "awaiting-hello";
  private readonly traffic: SessionTraffic;
  private readonly probeLimiter = new RateLimiter(PROBES_PER_SECOND);
  private readonly startedAt: number;
  private lastHeard: number;
  private connectDeadline: number | undefined;
  private drainEndsAt: number | undefined;
  private serverName: string | undefined;
  private serverAddress: string | undefined;
  private dialed = false;
  private pptp: PptpTranslator | undefined;
  private ending: { readonly outcome: SessionOutcome; readonly error?: WrapError } | undefined;
  private welcomeAt: number | undefined;

  constructor(
    private readonly options: RelaySessionOptions,
    now: number,
  ) {
    this.sessionId = options.sessionId;
    this.counters = options.counters ?? newRelayCounters();
    this.traffic = new SessionTraffic(this.counters);
    this.startedAt = now;
    this.lastHeard = now;
  }

  /** The server named in hello, once there was one. */
  get server(): string | undefined {
    return this.serverName;
  }

  /** The address the relay dials (and routes GRE for), once the allowlist passed it. */
  get address(): string | undefined {
    return this.serverAddress;
  }

  /** The Call ID translator towards the server, from the dial on: the GRE router finds sessions by it. */
  get translator(): PptpTranslator | undefined {
    return this.pptp;
  }

  /** Upgraded, and no hello yet: what the HandshakeGate bounds. */
  get awaitingHello(): boolean {
    return this.phase === "awaiting-hello";
  }

  get welcomed(): boolean {
    return this.welcomeAt !== undefined;
  }

  /** Milliseconds from the upgrade to `welcome`, once sent. */
  get handshakeMs(): number | undefined {
    return this.welcomeAt === undefined ? undefined : this.welcomeAt - this.startedAt;
  }

  get closed(): boolean {
    return this.phase === "closed";
  }

  /** How the session ended, once closed; with the error value for relay errors. */
  get outcome(): { readonly outcome: SessionOutcome; readonly error?: WrapError } | undefined {
    return this.ending;
  }

  poll(): RelayAction | undefined {
    return this.traffic.poll();
  }

  nextTimeout(): number | undefined {
    if (this.phase === "closed") return undefined;
    let next = this.lastHeard + CLIENT_IDLE_TIMEOUT_MS;
    if (this.phase === "awaiting-hello") next = Math.min(next, this.startedAt + HELLO_DEADLINE_MS);
    if (this.connectDeadline !== undefined) next = Math.min(next, this.connectDeadline);
    if (this.drainEndsAt !== undefined) next = Math.min(next, this.drainEndsAt);
    return next;
  }

  handleTimeout(now: number): void {
    if (this.phase === "closed") return;
    if (this.phase === "awaiting-hello" && now >= this.startedAt + HELLO_DEADLINE_MS) {
      this.fail(
        "RELAY_HANDSHAKE_TIMEOUT",
        `The client sent no hello within ${HELLO_DEADLINE_MS / 1000} s of the upgrade.`,
        "Check the network between client and relay; a client sends hello at once.",
      );
    } else if (this.connectDeadline !== undefined && now >= this.connectDeadline) {
      this.unreachable(`no connection within ${SERVER_CONNECT_DEADLINE_MS / 1000} s`);
    } else if (this.drainEndsAt !== undefined && now >= this.drainEndsAt) {
      this.fail(
        "RELAY_SHUTTING_DOWN",
        "The relay is shutting down and its drain period ended.",
        "Reconnect; another relay replica takes the new session.",
      );
    } else if (now >= this.lastHeard + CLIENT_IDLE_TIMEOUT_MS) {
      this.fail(
        "RELAY_ERROR",
        `The relay heard nothing from the client for ${CLIENT_IDLE_TIMEOUT_MS / 1000} s.`,
        "Reconnect; the network between client and relay dropped the connection.",
      );
    }
  }

  /** One WebSocket message from the client; `binary` false for a text message (a protocol error). */
  handleClientMessage(bytes: Uint8Array, now: number, binary = true): void {
    if (this.phase === "closed") return;
    this.lastHeard = now;
    this.traffic.fromClient(bytes);
    if (!binary) {
      this.protocolError("it sent a text WebSocket message");
      return;
    }
    if (wrapFrameTooLarge(bytes)) {
      this.fail(
        "RELAY_FRAME_TOO_LARGE",
        `The client sent a frame of ${bytes.length} bytes, over its channel's limit.`,
        "Update the client; frames are at most 4097 bytes (GRE 1601, relay messages 2049).",
      );
      return;
    }
    const frame = parseWrapFrame(bytes);
    if (!frame.ok) {
      this.protocolError(`it sent a malformed frame (${frame.reason})`);
      return;
    }
    switch (frame.value.channel) {
      case "unknown":
        return;
      case "relay":
        this.relayMessage(frame.value.message, now);
        return;
      case "control":
        if (this.phase !== "open") {
          this.protocolError("it sent control bytes before welcome");
          return;
        }
        this.controlFromClient(frame.value.bytes);
        return;
      case "gre":
        if (this.phase !== "open") {
          this.protocolError("it sent a GRE packet before welcome");
          return;
        }
        this.greFromClient(frame.value.packet);
        return;
    }
  }

  /** A WebSocket Pong: the client is alive. */
  handlePong(now: number): void {
    if (this.phase !== "closed") this.lastHeard = now;
  }

  /** What the hello's server resolved to (an IPv4 address), or undefined when it did not resolve. */
  resolved(_now: number, address: string | undefined): void {
    if (this.phase !== "resolving") return;
    const server = this.serverName!;
    const { targets } = this.options;
    if (address === undefined) {
      if (targets.lists(server)) {
        this.unreachable("its name did not resolve to an IPv4 address");
        return;
      }
      this.forbidden(server);
      return;
    }
    if (!targets.permits(server, address)) {
      this.forbidden(server);
      return;
    }
    this.serverAddress = address;
    this.pptp = new PptpTranslator(this.options.callIds.forServer(address));
    this.phase = "dialing";
    this.dialed = true;
    this.traffic.signal({ type: "dial", address });
  }

  /**
   * TCP 1723 is up: welcome the client. `observedAddress` is the client's address as the relay sees it,
   * `relayAddress` the address the relay answers GRE probes on ("" for none).
   */
  serverConnected(now: number, observedAddress: string, relayAddress: string): void {
    if (this.phase !== "dialing") return;
    this.phase = "open";
    this.connectDeadline = undefined;
    this.welcomeAt = now;
    this.traffic.sendRelay({
      type: "welcome",
      // The I/O layer's text, checked: an address the wire cannot carry becomes "none" rather than a throw.
      observedAddress: isWireAddress(observedAddress) ? observedAddress : "",
      relayAddress: isWireAddress(relayAddress) ? relayAddress : "",
      sessionId: this.sessionId,
    });
  }

  /** TCP 1723 failed: refused, reset, timed out (`reason` says which, for the client's details). */
  serverFailed(_now: number, reason: string): void {
    if (this.phase === "resolving" || this.phase === "dialing" || this.phase === "open")
      this.unreachable(reason);
  }

  /** The server closed TCP 1723 cleanly: whatever it sent went to the client already; close with 1000. */
  serverEnded(now: number): void {
    if (this.phase !== "open") {
      this.serverFailed(now, "it closed the connection before it was up");
      return;
    }
    this.end("SERVER_CLOSED");
    this.traffic.signal({ type: "close-client", status: CLOSE_NORMAL, reason: "server closed" });
  }

  /** Control bytes from TCP 1723. */
  handleServerBytes(bytes: Uint8Array, _now: number): void {
    if (this.phase !== "open") return;
    this.traffic.fromServer(bytes);
    const result = this.pptp!.fromServer(bytes);
    if (!result.ok) {
      this.fail("RELAY_ERROR", result.error.message, result.error.hint);
      return;
    }
    this.traffic.sendServer(result.toServer);
    this.traffic.sendControlToClient(result.toClient);
  }

  /**
   * A well-formed GRE packet from the server routed to this session (its key's call-id is this session's relay
   * Call ID; the router drops malformed ones).
   * `clientUnsent` is the WebSocket's bufferedAmount: above 64 KiB the packet is dropped, never queued.
   */
  handleServerGre(packet: Uint8Array, _now: number, clientUnsent: number): void {
    if (this.phase !== "open") {
      this.traffic.dropGre("unrouted");
      return;
    }
    const forwarded = greToClient(this.pptp!, packet, clientUnsent);
    if (typeof forwarded === "string") {
      this.traffic.dropGre(forwarded);
      return;
    }
    this.traffic.sendClient(emitWrapFrame({ channel: "gre", packet: forwarded }), false);
  }

  /** The client's WebSocket closed: close TCP 1723 and give the Call ID back. */
  clientClosed(_now: number): void {
    if (this.phase === "closed") return;
    this.end("CLIENT_CLOSED");
  }

  /**
   * The relay is shutting down (PROTOCOL.md section 8): tell the client to reconnect after `reconnectAfterMs`, keep
   * forwarding for `drainMs`, then end with RELAY_SHUTTING_DOWN. A session not yet welcomed cannot be sent goaway
   * and ends at once.
   */
  goaway(now: number, reconnectAfterMs: number, drainMs: number): void {
    if (this.phase === "closed" || this.drainEndsAt !== undefined) return;
    if (this.phase !== "open") {
      this.fail(
        "RELAY_SHUTTING_DOWN",
        "The relay is shutting down.",
        "Reconnect; another relay replica takes the new session.",
      );
      return;
    }
    this.drainEndsAt = now + drainMs;
    this.traffic.sendRelay({
      type: "goaway",
      reconnectAfterMs: Math.max(0, Math.min(0xffffffff, Math.round(reconnectAfterMs))),
    });
  }

  /**
   * The relay has too many clients that have not sent hello, and this one waited longest (HandshakeGate): it ends
   * with RELAY_BUSY. A session past its hello is not affected.
   */
  shed(_now: number): void {
    if (this.phase !== "awaiting-hello") return;
    this.fail(
      "RELAY_BUSY",
      "The relay has too many clients that have not sent hello, and this one waited longest.",
      "Send hello at once after the upgrade; try again in a moment.",
    );
  }

  /** Something on the relay's own side failed (e.g. no raw GRE socket): end with RELAY_ERROR. */
  localFailure(_now: number, message: string, hint: string): void {
    this.fail("RELAY_ERROR", message, hint);
  }

  private relayMessage(message: RelayMessage, now: number): void {
    switch (message.type) {
      case "unknown":
        return;
      case "hello":
        if (this.phase !== "awaiting-hello") {
          this.protocolError("it sent a second hello");
          return;
        }
        this.hello(message.server, message.token, now);
        return;
      case "probe":
        if (this.phase !== "open") {
          this.protocolError("it sent a probe before welcome");
          return;
        }
        if (!this.probeLimiter.allow(now)) {
          this.counters.probesIgnored++;
          return;
        }
        this.counters.probesAnswered++;
        this.traffic.sendRelay({ type: "probe-reply", id: message.id, sentAt: message.sentAt });
        return;
      case "probe-reply":
        // The relay sends no probes of its own; a reply is harmless and ignored, but not before welcome.
        if (this.phase !== "open") this.protocolError("it sent a probe-reply before welcome");
        return;
      default:
        this.protocolError(`it sent ${message.type}, which only a relay sends`);
        return;
    }
  }

  private hello(server: string, token: string, now: number): void {
    // Token first: a client that is not authenticated learns nothing about the allowlist (PROTOCOL.md section 3).
    const refusal = helloAuthRefusal(this.options, token, now, this.counters);
    if (refusal !== undefined) {
      this.fail("RELAY_AUTH_FAILED", refusal.message, refusal.hint);
      return;
    }
    this.serverName = server;
    this.phase = "resolving";
    this.connectDeadline = now + SERVER_CONNECT_DEADLINE_MS;
    this.traffic.signal({ type: "resolve", server });
  }

  private controlFromClient(bytes: Uint8Array): void {
    const result = this.pptp!.fromClient(bytes);
    if (!result.ok) {
      // The one non-protocol failure: every relay Call ID towards this server is taken.
      if (result.error.code === "CALL_REJECTED") {
        this.fail("RELAY_BUSY", result.error.message, result.error.hint);
        return;
      }
      this.fail("RELAY_PROTOCOL_ERROR", result.error.message, result.error.hint);
      return;
    }
    this.traffic.sendServer(result.toServer);
    this.traffic.sendControlToClient(result.toClient);
  }

  private greFromClient(packet: Uint8Array): void {
    const refusal = greToServerRefusal(this.pptp!, packet);
    if (refusal !== undefined) {
      this.traffic.dropGre(refusal);
      return;
    }
    this.traffic.sendGre(packet);
  }

  private forbidden(server: string): void {
    this.fail(
      "RELAY_TARGET_FORBIDDEN",
      `The relay is not allowed to reach ${server}.`,
      "Ask the relay's administrator to add the server to --allow.",
    );
  }

  private unreachable(reason: string): void {
    const server = this.serverName ?? "the server";
    this.fail(
      "RELAY_SERVER_UNREACHABLE",
      `The relay could not reach ${server} on TCP 1723: ${reason}.`,
      "Check that the PPTP server is up and that the relay's network may reach its TCP 1723 and GRE.",
    );
  }

  private protocolError(what: string): void {
    this.fail(
      "RELAY_PROTOCOL_ERROR",
      `The relay could not understand the client: ${what}.`,
      "Update the client; it does not speak ferry.v1 as PROTOCOL.md describes.",
    );
  }

  /** Sends `error`, closes with 4000 + code, and closes the server side. */
  private fail(code: RelayErrorCode, message: string, hint: string): void {
    if (this.phase === "closed") return;
    this.traffic.sendRelay({ type: "error", code, message });
    this.traffic.signal({ type: "close-client", status: 4000 + RELAY_ERROR_CODE[code], reason: code });
    this.end(code, wrapError(code, message, hint, { sessionId: this.sessionId }));
  }

  private end(outcome: SessionOutcome, error?: WrapError): void {
    this.phase = "closed";
    this.connectDeadline = undefined;
    this.ending = error === undefined ? { outcome } : { outcome, error };
    this.pptp?.close();
    if (this.dialed) this.traffic.signal({ type: "close-server" });
  }
}
