/**
 * The I/O side of the HandshakeGate (relay/handshake-gate.ts): follows each TCP connection on the client listener
 * from accept through TLS and the WebSocket upgrade to its session's hello, arms the gate's timer, destroys the
 * connections the gate cuts and sheds the sessions it evicts while they await hello. Before the gate, a new
 * connection must pass its source's rate (relay/connection-rate-limit.ts): one over it is destroyed before TLS.
 */
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { TLSSocket } from "node:tls";
import { DeadlineTimer } from "@ferry/pptp-client/tunnel";
import { ConnectionRateLimit, type ConnectionRateLimits } from "../relay/connection-rate-limit.js";
import { HandshakeGate, type HandshakeLimits } from "../relay/handshake-gate.js";
import { RateLimiter } from "../relay/rate-limit.js";
import type { HandshakeCut } from "../relay/relay-counters.js";
import { sourceKey } from "../relay/source-key.js";
import { unmappedAddress } from "../wire/address.js";
import type { ClientConnection } from "./client-connection.js";
import { peerKey } from "./peer-address.js";
import type { RelayLog } from "./relay-log.js";

/** TLS handshake failures logged per second at most (all are counted): a flood of garbage must not flood the log. */
const TLS_ERRORS_LOGGED_PER_SECOND = 10;
/** Lines summing up connections refused over their source's rate, per second at most (all are counted). */
const RATE_LIMITED_LOGGED_PER_SECOND = 1;

/** A TCP connection on the client listener, by its peer ("address|port"), until it closes. */
interface TrackedSocket {
  readonly raw: Socket;
  /** The socket to destroy to end it: the raw one, then its TLS socket once the handshake is done. */
  current: Duplex;
}

export class HandshakeGuard {
  private readonly gate: HandshakeGate<string>;
  private readonly timer: DeadlineTimer;
  private readonly sockets = new Map<string, TrackedSocket>();
  /** Sessions still awaiting hello, by peer: the gate may shed the oldest. */
  private readonly awaitingHello = new Map<string, ClientConnection>();
  private readonly tlsErrorLog = new RateLimiter(TLS_ERRORS_LOGGED_PER_SECOND);
  private readonly rate: ConnectionRateLimit;
  private readonly rateLimitedLog = new RateLimiter(RATE_LIMITED_LOGGED_PER_SECOND);
  /** Refused over their rate since the last `connections-rate-limited` line. */
  private rateLimitedUnlogged = 0;

  constructor(
    limits: HandshakeLimits,
    rate: ConnectionRateLimits,
    /** Where cuts are counted (RelayCounters.handshakesCut). */
    cuts: Record<HandshakeCut, number>,
    private readonly clock: () => number,
    private readonly log: RelayLog,
  ) {
    this.rate = new ConnectionRateLimit(rate);
    this.gate = new HandshakeGate(limits, cuts);
    this.timer = new DeadlineTimer(() => this.timeout(), clock);
  }

  /** Connections that are not sessions yet, by stage. */
  pending(): Readonly<Record<"tls" | "http" | "hello", number>> {
    return this.gate.pending();
  }

  /** Connections refused so far because their source opened new ones faster than its rate. */
  rateLimited(): number {
    return this.rate.refused;
  }

  /**
   * A new TCP connection, before its TLS handshake starts: within its source's rate, the gate admits it (closing
   * older stalled ones if it must) and true is returned; otherwise it is destroyed at once and false returned.
   */
  connected(socket: Socket): boolean {
    if (socket.remoteAddress === undefined) {
      socket.destroy(); // already gone
      return false;
    }
    const key = peerKey(socket);
    const source = sourceKey(unmappedAddress(socket.remoteAddress));
    const now = this.clock();
    if (!this.rate.admit(source, now)) {
      socket.destroy();
      this.rateLimitedUnlogged++;
      if (this.rateLimitedLog.allow(now)) {
        this.log("connections-rate-limited", { source, refused: this.rateLimitedUnlogged });
        this.rateLimitedUnlogged = 0;
      }
      return false;
    }
    const admission = this.gate.accepted(key, source, now);
    if (!admission.admitted) {
      socket.destroy();
      return false;
    }
    const tracked: TrackedSocket = { raw: socket, current: socket };
    this.sockets.set(key, tracked);
    socket.once("close", () => {
      if (this.sockets.get(key) !== tracked) return;
      this.sockets.delete(key);
      this.gate.closed(key);
      this.arm();
    });
    this.cut(admission.evict);
    this.arm();
    return true;
  }

  /** Its TLS handshake is done: from now on its TLS socket is the one to destroy. */
  secured(socket: TLSSocket): void {
    const key = peerKey(socket);
    const tracked = this.sockets.get(key);
    if (tracked !== undefined) tracked.current = socket;
    this.gate.secured(key, this.clock());
    this.arm();
  }

  tlsFailed(error: NodeJS.ErrnoException, socket: TLSSocket): void {
    const key = peerKey(socket);
    // Connections the gate cut itself fail their handshake too: those are counted and not logged again.
    if (!this.gate.tracks(key)) return;
    this.gate.failed(key);
    this.arm();
    if (this.tlsErrorLog.allow(this.clock()))
      this.log("tls-error", { peer: socket.remoteAddress, reason: error.code ?? error.message });
  }

  /**
   * The connection `key` upgraded to a WebSocket: whether the gate lets it await hello. To make room it may shed
   * the session that has waited longest for its hello.
   */
  upgraded(key: string): boolean {
    const admission = this.gate.upgraded(key, this.clock());
    this.arm();
    if (!admission.admitted) return false;
    for (const evicted of admission.evict) this.awaitingHello.get(evicted)?.shed();
    return true;
  }

  /** The session on connection `key` awaits its hello: the gate may shed it to make room. */
  awaitHello(key: string, connection: ClientConnection): void {
    this.awaitingHello.set(key, connection);
  }

  /** The connection `key` is no longer a handshake: refused, past its session's hello, or gone. */
  left(key: string, connection?: ClientConnection): void {
    this.gate.closed(key);
    this.arm();
    if (connection !== undefined && this.awaitingHello.get(key) === connection)
      this.awaitingHello.delete(key);
  }

  /** Destroys every connection still open on the listener, however far it got. */
  destroyAll(): void {
    for (const { current } of this.sockets.values()) current.destroy();
  }

  stop(): void {
    this.timer.set(undefined);
  }

  /** Connections the gate gave up on (deadline passed, or evicted): destroyed without a word. */
  private cut(keys: readonly string[]): void {
    for (const key of keys) this.sockets.get(key)?.current.destroy();
  }

  private timeout(): void {
    this.cut(this.gate.handleTimeout(this.clock()));
    this.arm();
  }

  private arm(): void {
    this.timer.set(this.gate.nextTimeout());
  }
}
