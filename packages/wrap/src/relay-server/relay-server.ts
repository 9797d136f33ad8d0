/**
 * ferry-relay's server: one RelaySession per client WebSocket, under the session limits, with Pings, GRE probes
 * (PROTOCOL.md section 6.5) when it may open a raw socket for them, and the graceful shutdown of section 8. This is
 * where the parts meet: the listeners (relay-listeners.ts: HTTPS, WebSocket upgrades, health and metrics), the
 * handshake guard (handshake-guard.ts: connections before they are sessions), the open sessions (open-sessions.ts)
 * and their drain (relay-shutdown.ts).
 */
import { randomBytes } from "node:crypto";
import { lookup } from "node:dns/promises";
import type { IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { parseIpv4 } from "@ferry/pptp-client/wire";
import type { WebSocket } from "ws";
import { AuthThrottle, DEFAULT_AUTH_THROTTLE } from "../relay/auth-throttle.js";
import { ServerCallIds } from "../relay/call-id-allocator.js";
import { DEFAULT_CONNECTION_RATE } from "../relay/connection-rate-limit.js";
import { DEFAULT_HANDSHAKE_LIMITS } from "../relay/handshake-gate.js";
import type { AuthAttempts } from "../relay/hello-auth.js";
import type { PptpTranslator } from "../relay/pptp-translator.js";
import { newRelayCounters, type RelayCounters } from "../relay/relay-counters.js";
import { RelaySession } from "../relay/relay-session.js";
import { sourceKey } from "../relay/source-key.js";
import { unmappedAddress } from "../wire/address.js";
import { emitWrapFrame } from "../wire/frame.js";
import { RELAY_ERROR_CODE, type RelayErrorCode } from "../wire/relay-messages.js";
import { ClientConnection } from "./client-connection.js";
import { rawGreNetwork } from "./gre-network.js";
import { GreProbeAnswerer } from "./gre-probe-answerer.js";
import { GreRouter } from "./gre-router.js";
import { HandshakeGuard } from "./handshake-guard.js";
import { OpenSessions } from "./open-sessions.js";
import { observedAddressOf, peerKey } from "./peer-address.js";
import { RelayListeners } from "./relay-listeners.js";
import { type RelayLog, stderrLog } from "./relay-log.js";
import { RelayMetrics } from "./relay-metrics.js";
import {
  DEFAULT_DRAIN_MS,
  DEFAULT_MAX_SESSIONS,
  DEFAULT_MAX_SESSIONS_PER_SOURCE,
  PPTP_PORT,
  type RelayOptions,
} from "./relay-options.js";
import { drainSessions } from "./relay-shutdown.js";

const PING_INTERVAL_MS = 20_000;

export interface RunningRelay {
  /** The client listener's address (with the port chosen for port 0). */
  address(): AddressInfo;
  metricsAddress(): AddressInfo | undefined;
  readonly metrics: RelayMetrics;
  readonly counters: RelayCounters;
  /** Sessions open now. */
  sessions(): number;
  /** Bytes queued on all client WebSockets and not yet sent (what GRE drops are decided on). */
  clientUnsentBytes(): number;
  /** Connections that are not sessions yet, by stage: TLS handshake, HTTP (no upgrade yet), awaiting hello. */
  handshakes(): Readonly<Record<"tls" | "http" | "hello", number>>;
  /**
   * Stops accepting, sends every session goaway, lets them drain (default: the drainMs option), ends the rest with
   * RELAY_SHUTTING_DOWN and closes everything. Calling it again returns the same promise.
   */
  shutdown(options?: { readonly drainMs?: number }): Promise<void>;
}

/** Rejects with RelayStartError when the relay cannot start (certificate, key, address in use...). */
export async function startRelay(options: RelayOptions): Promise<RunningRelay> {
  const relay = new Relay(options);
  await relay.listen();
  return relay;
}

class Relay implements RunningRelay {
  readonly counters = newRelayCounters();
  readonly metrics: RelayMetrics;
  private readonly listeners: RelayListeners;
  private readonly openSessions: OpenSessions;
  private readonly guard: HandshakeGuard;
  private readonly authThrottle: AuthThrottle;
  private readonly callIds = new ServerCallIds<PptpTranslator>();
  private readonly router: GreRouter;
  /** Undefined when the probe socket could not be opened: welcome then names no relayAddress. */
  private probes: GreProbeAnswerer | undefined;
  private readonly log: RelayLog;
  private readonly clock = () => performance.now();
  private pinger: NodeJS.Timeout | undefined;
  private draining = false;
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: RelayOptions) {
    this.log = options.log ?? stderrLog;
    this.router = new GreRouter(options.greNetwork ?? rawGreNetwork, this.callIds, this.counters);
    this.openSessions = new OpenSessions(
      options.maxSessions ?? DEFAULT_MAX_SESSIONS,
      options.maxSessionsPerSource ?? DEFAULT_MAX_SESSIONS_PER_SOURCE,
    );
    this.guard = new HandshakeGuard(
      { ...DEFAULT_HANDSHAKE_LIMITS, ...options.handshakeLimits },
      { ...DEFAULT_CONNECTION_RATE, ...options.connectionRate },
      this.counters.handshakesCut,
      this.clock,
      this.log,
    );
    this.authThrottle = new AuthThrottle({ ...DEFAULT_AUTH_THROTTLE, ...options.authThrottle });
    this.metrics = new RelayMetrics(this.counters, {
      activeSessions: () => this.openSessions.size,
      clientUnsentBytes: () => this.clientUnsentBytes(),
      draining: () => this.draining,
      greProbes: () => this.probes?.counts() ?? { answered: 0, ignored: 0 },
      greForeign: () => this.router.foreignPackets(),
      handshakesPending: () => this.guard.pending(),
      connectionsRateLimited: () => this.guard.rateLimited(),
    });
    this.listeners = new RelayListeners(options, this.metrics, {
      connection: (socket) => this.guard.connected(socket),
      tlsDone: (socket) => this.guard.secured(socket),
      tlsFailed: (error, socket) => this.guard.tlsFailed(error, socket),
      websocket: (ws, request) => this.accept(ws, request),
      draining: () => this.draining,
    });
  }

  async listen(): Promise<void> {
    await this.listeners.listen(this.options.listen, this.options.metrics);
    this.openProbes();
    this.pinger = setInterval(() => {
      for (const connection of this.openSessions) connection.ping();
    }, this.options.pingIntervalMs ?? PING_INTERVAL_MS);
    this.pinger.unref();
    const at = this.address();
    this.log("listening", { address: at.address, port: at.port, metrics: this.metricsAddress()?.port });
  }

  address(): AddressInfo {
    return this.listeners.address();
  }

  /** Answering GRE probes is optional (section 6.5): without the socket the relay works as before. */
  private openProbes(): void {
    const network = this.options.greNetwork ?? rawGreNetwork;
    const port = network.openProbes?.();
    if (port?.ok) {
      this.probes = new GreProbeAnswerer(port.value, this.clock);
      this.log("gre-probes", {
        address: this.options.greProbeAddress ?? "the relay's address toward each server",
      });
    } else {
      this.log("gre-probes-off", { reason: port?.error.message ?? "this GRE network has no probe socket" });
    }
  }

  /** welcome's relayAddress for a session whose TCP connection to the server has `localAddress`. */
  private relayAddressFor(localAddress: string | undefined): string {
    if (this.probes === undefined) return "";
    const address = this.options.greProbeAddress ?? unmappedAddress(localAddress ?? "");
    return parseIpv4(address) === undefined ? "" : address;
  }

  metricsAddress(): AddressInfo | undefined {
    return this.listeners.metricsAddress();
  }

  sessions(): number {
    return this.openSessions.size;
  }

  handshakes(): Readonly<Record<"tls" | "http" | "hello", number>> {
    return this.guard.pending();
  }

  clientUnsentBytes(): number {
    return this.openSessions.clientUnsentBytes();
  }

  shutdown(options: { readonly drainMs?: number } = {}): Promise<void> {
    this.stopping ??= this.stop(options.drainMs ?? this.options.drainMs ?? DEFAULT_DRAIN_MS);
    return this.stopping;
  }

  private async stop(drainMs: number): Promise<void> {
    this.draining = true;
    this.log("draining", { sessions: this.openSessions.size, drainMs });
    const listenerClosed = this.listeners.stopAccepting();
    await drainSessions(this.openSessions, drainMs, this.options.random ?? Math.random);
    clearInterval(this.pinger);
    this.listeners.closeConnections();
    // Connections still in their TLS handshake are not the HTTP server's yet: closeAllConnections misses them.
    this.guard.destroyAll();
    await listenerClosed;
    this.guard.stop();
    this.router.close();
    this.probes?.close();
    await this.listeners.close();
    this.log("stopped");
  }

  private accept(ws: WebSocket, request: IncomingMessage): void {
    const source = observedAddressOf(request);
    const limitKey = sourceKey(source);
    const key = peerKey(request.socket);
    if (this.draining) {
      this.refuse(ws, key, source, "RELAY_SHUTTING_DOWN", "The relay is shutting down.");
      return;
    }
    const busy = this.openSessions.busy(limitKey);
    if (busy !== undefined) {
      this.refuse(ws, key, source, "RELAY_BUSY", busy);
      return;
    }
    if (!this.guard.upgraded(key)) {
      this.refuse(
        ws,
        key,
        source,
        "RELAY_BUSY",
        "The relay is at its limit of connections from one address that have not sent hello.",
      );
      return;
    }
    const tls = request.socket as TLSSocket;
    const session = new RelaySession(
      {
        sessionId: randomBytes(8).toString("hex"),
        clientCertOk: tls.authorized === true,
        authorize: (token, certOk) => this.options.tokens.authorize(token, certOk),
        authAttempts: this.authAttemptsOf(source, limitKey),
        targets: this.options.allow,
        callIds: this.callIds,
        counters: this.counters,
      },
      this.clock(),
    );
    this.log("session-open", { session: session.sessionId, client: source });
    const connection = new ClientConnection(ws, session, source, {
      router: this.router,
      resolve: this.options.resolve ?? resolveIpv4,
      serverPort: this.options.serverPort ?? PPTP_PORT,
      relayAddress: (localAddress) => this.relayAddressFor(localAddress),
      clock: this.clock,
      log: this.log,
      introduced: (c) => this.guard.left(key, c),
      welcomed: (c) => {
        this.metrics.handshakeDone(c.session.handshakeMs ?? 0);
        this.log("session-welcome", {
          session: c.session.sessionId,
          server: c.session.server,
          address: c.session.address,
        });
      },
      ended: (c) => {
        const ending = c.session.outcome;
        if (ending === undefined) return;
        this.metrics.sessionEnded(ending.outcome);
        this.log("session-end", {
          session: c.session.sessionId,
          outcome: ending.outcome,
          server: c.session.server,
          reason: ending.error?.message,
        });
      },
      gone: (c) => {
        this.guard.left(key, c);
        this.openSessions.remove(c, limitKey);
      },
    });
    this.openSessions.add(connection, limitKey);
    if (session.awaitingHello) this.guard.awaitHello(key, connection);
  }

  /**
   * The token throttle for one client: wrong tokens are logged with the source and the count within the window,
   * never with the token; the start of a cool-down is logged once.
   */
  private authAttemptsOf(source: string, limitKey: string): AuthAttempts {
    return {
      coolingDown: (now) => this.authThrottle.coolingDown(limitKey, now),
      failed: (now) => {
        const failure = this.authThrottle.failed(limitKey, now);
        this.log("auth-failed", { source, count: failure.count });
        if (failure.coolingDownUntil !== undefined) {
          this.log("auth-throttled", {
            source: limitKey,
            count: failure.count,
            seconds: Math.round((failure.coolingDownUntil - now) / 1000),
          });
        }
      },
    };
  }

  /** Refuses a WebSocket before any session: an error frame, then a close with 4000 + code. */
  private refuse(ws: WebSocket, key: string, source: string, code: RelayErrorCode, message: string): void {
    this.guard.left(key);
    this.metrics.sessionEnded(code);
    this.log("session-refused", { client: source, outcome: code });
    ws.on("error", () => {});
    ws.send(emitWrapFrame({ channel: "relay", message: { type: "error", code, message } }));
    ws.close(4000 + RELAY_ERROR_CODE[code], code);
  }
}

async function resolveIpv4(name: string): Promise<string | undefined> {
  try {
    return (await lookup(name, { family: 4 })).address;
  } catch {
    return undefined;
  }
}
