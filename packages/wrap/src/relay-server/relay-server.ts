/**
 * ferry-relay's server: HTTPS + WebSocket (`ferry.v1` at /ferry) for clients, one RelaySession per WebSocket,
 * session limits, Pings, health and metrics, GRE probes (PROTOCOL.md section 6.5) when it may open a raw socket
 * for them, and the graceful shutdown of section 8.
 */
import { randomBytes } from "node:crypto";
import { lookup } from "node:dns/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { TLSSocket } from "node:tls";
import { DeadlineTimer } from "@ferry/pptp-client/tunnel";
import { parseIpv4 } from "@ferry/pptp-client/wire";
import { type WebSocket, WebSocketServer } from "ws";
import { type WrapError, wrapError } from "../errors.js";
import type { Allowlist } from "../relay/allowlist.js";
import { AuthThrottle, type AuthThrottleLimits, DEFAULT_AUTH_THROTTLE } from "../relay/auth-throttle.js";
import { ServerCallIds } from "../relay/call-id-allocator.js";
import { DEFAULT_HANDSHAKE_LIMITS, HandshakeGate, type HandshakeLimits } from "../relay/handshake-gate.js";
import type { PptpTranslator } from "../relay/pptp-translator.js";
import { RateLimiter } from "../relay/rate-limit.js";
import { newRelayCounters, type RelayCounters } from "../relay/relay-counters.js";
import { type AuthAttempts, RelaySession } from "../relay/relay-session.js";
import type { TokenSet } from "../relay/relay-tokens.js";
import { sourceKey } from "../relay/source-key.js";
import { isWireAddress } from "../wire/address.js";
import { emitWrapFrame, WRAP_MAX_FRAME_LENGTH } from "../wire/frame.js";
import { RELAY_ERROR_CODE, type RelayErrorCode } from "../wire/relay-messages.js";
import { ClientConnection } from "./client-connection.js";
import { type GreNetwork, rawGreNetwork } from "./gre-network.js";
import { GreProbeAnswerer } from "./gre-probe-answerer.js";
import { GreRouter } from "./gre-router.js";
import { type RelayLog, stderrLog } from "./relay-log.js";
import { RelayMetrics } from "./relay-metrics.js";

/** The protocol versions this relay speaks, newest first (PROTOCOL.md section 2). */
export const RELAY_PROTOCOLS: readonly string[] = ["ferry.v1"];
export const RELAY_PATH = "/ferry";
export const DEFAULT_MAX_SESSIONS = 1000;
export const DEFAULT_MAX_SESSIONS_PER_SOURCE = 16;
export const DEFAULT_DRAIN_MS = 30_000;
export const PPTP_PORT = 1723;
const PING_INTERVAL_MS = 20_000;
/** goaway's reconnectAfterMs is spread uniformly over 0..this, so clients do not all come back at once. */
const RECONNECT_SPREAD_MS = 10_000;
/** After the drain period, how long closing WebSockets get to finish their close handshake. */
const CLOSE_GRACE_MS = 5000;
/** Slow or silent HTTP clients are cut before they hold a socket for long (the hello deadline starts later). */
const REQUEST_TIMEOUT_MS = 10_000;
/**
 * Connections the kernel queues before the relay accepts them (capped by net.core.somaxconn). Node's 511 overflows
 * under a connection flood, and an honest client's dropped SYN then costs it a second or more to retry.
 */
const LISTEN_BACKLOG = 4096;
/** Node checks its HTTP timeouts this often (its default, 30 s, would let a silent client stay 40 s). */
const HTTP_TIMEOUT_CHECK_MS = 1000;
/** TLS handshake failures logged per second at most (all are counted): a flood of garbage must not flood the log. */
const TLS_ERRORS_LOGGED_PER_SECOND = 10;

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export interface RelayOptions {
  /** Where clients connect (TLS); port 0 picks a free port. */
  readonly listen: HostPort;
  /** PEM certificate chain and private key of the relay. */
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
  /** PEM CA for client certificates: a client with a certificate it signed may send an empty token. */
  readonly clientCa?: string | Buffer;
  /** With clientCa: refuse the TLS handshake of clients without a valid certificate. */
  readonly requireClientCert?: boolean;
  readonly tokens: TokenSet;
  readonly allow: Allowlist;
  /** Where to serve /metrics and /healthz over plain HTTP (keep it off the public interface). */
  readonly metrics?: HostPort;
  readonly maxSessions?: number;
  readonly maxSessionsPerSource?: number;
  /** How long sessions keep forwarding after goaway when the relay shuts down. */
  readonly drainMs?: number;
  /** The PPTP servers' TCP port; 1723 except in tests. */
  readonly serverPort?: number;
  /** Raw GRE sockets by default; tests pass an in-process network. */
  readonly greNetwork?: GreNetwork;
  /**
   * The IPv4 address welcome names for GRE probes (e.g. the relay's public address behind a 1:1 NAT). By default
   * the relay's own address on its TCP connection to the server: the address it sends that server's GRE from.
   */
  readonly greProbeAddress?: string;
  /** Host name to IPv4 address; the system resolver by default. */
  readonly resolve?: (name: string) => Promise<string | undefined>;
  readonly log?: RelayLog;
  /** Uniform in [0, 1): spreads goaway delays. */
  readonly random?: () => number;
  readonly pingIntervalMs?: number;
  /** Limits and deadlines for connections that are not sessions yet (DEFAULT_HANDSHAKE_LIMITS). */
  readonly handshakeLimits?: Partial<HandshakeLimits>;
  /** The throttle on wrong tokens per source (DEFAULT_AUTH_THROTTLE). */
  readonly authThrottle?: Partial<AuthThrottleLimits>;
}

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

/** startRelay's rejection: the relay could not start (certificate, key, address in use...). */
export class RelayStartError extends Error {
  constructor(readonly error: WrapError) {
    super(error.message);
    this.name = "RelayStartError";
  }
}

export async function startRelay(options: RelayOptions): Promise<RunningRelay> {
  const relay = new Relay(options);
  await relay.listen();
  return relay;
}

/** A TCP connection on the client listener, by its peer ("address|port"), until it closes. */
interface TrackedSocket {
  readonly raw: Socket;
  /** The socket to destroy to end it: the raw one, then its TLS socket once the handshake is done. */
  current: Duplex;
}

class Relay implements RunningRelay {
  readonly counters = newRelayCounters();
  readonly metrics: RelayMetrics;
  private readonly https: HttpsServer;
  private readonly wss: WebSocketServer;
  private metricsServer: HttpServer | undefined;
  private readonly connections = new Set<ClientConnection>();
  /** Sessions per source (sourceKey: an IPv4 address or an IPv6 /64). */
  private readonly perSource = new Map<string, number>();
  private readonly gate: HandshakeGate<string>;
  private readonly gateTimer: DeadlineTimer;
  private readonly sockets = new Map<string, TrackedSocket>();
  /** Sessions still awaiting hello, by peer: the gate may shed the oldest. */
  private readonly awaitingHello = new Map<string, ClientConnection>();
  private readonly authThrottle: AuthThrottle;
  private readonly tlsErrorLog = new RateLimiter(TLS_ERRORS_LOGGED_PER_SECOND);
  private readonly callIds = new ServerCallIds<PptpTranslator>();
  private readonly router: GreRouter;
  /** Undefined when the probe socket could not be opened: welcome then names no relayAddress. */
  private probes: GreProbeAnswerer | undefined;
  private readonly log: RelayLog;
  private readonly clock = () => performance.now();
  private pinger: NodeJS.Timeout | undefined;
  private draining = false;
  private stopping: Promise<void> | undefined;
  private emptied: (() => void) | undefined;

  constructor(private readonly options: RelayOptions) {
    this.log = options.log ?? stderrLog;
    this.router = new GreRouter(options.greNetwork ?? rawGreNetwork, this.callIds, this.counters);
    this.gate = new HandshakeGate(
      { ...DEFAULT_HANDSHAKE_LIMITS, ...options.handshakeLimits },
      this.counters.handshakesCut,
    );
    this.gateTimer = new DeadlineTimer(() => this.gateTimeout(), this.clock);
    this.authThrottle = new AuthThrottle({ ...DEFAULT_AUTH_THROTTLE, ...options.authThrottle });
    this.metrics = new RelayMetrics(this.counters, {
      activeSessions: () => this.connections.size,
      clientUnsentBytes: () => this.clientUnsentBytes(),
      draining: () => this.draining,
      greProbes: () => this.probes?.counts() ?? { answered: 0, ignored: 0 },
      greForeign: () => this.router.foreignPackets(),
      handshakesPending: () => this.gate.pending(),
    });
    try {
      this.https = createHttpsServer(
        {
          cert: options.cert,
          key: options.key,
          minVersion: "TLSv1.2",
          ...(options.clientCa === undefined
            ? {}
            : {
                ca: options.clientCa,
                requestCert: true,
                rejectUnauthorized: options.requireClientCert ?? false,
              }),
          requestTimeout: REQUEST_TIMEOUT_MS,
          headersTimeout: REQUEST_TIMEOUT_MS,
          connectionsCheckingInterval: HTTP_TIMEOUT_CHECK_MS,
        },
        (request, response) => this.request(request, response),
      );
    } catch (cause) {
      throw new RelayStartError(
        wrapError(
          "USAGE",
          `The relay cannot use its TLS certificate or key: ${(cause as Error).message}.`,
          "Give --cert a PEM certificate (chain) and --key its PEM private key.",
          undefined,
          cause,
        ),
      );
    }
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: WRAP_MAX_FRAME_LENGTH,
      perMessageDeflate: false,
      handleProtocols: (offered) => RELAY_PROTOCOLS.find((p) => offered.has(p)) ?? false,
    });
    this.https.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.upgrade(request, socket, head),
    );
    this.https.on("connection", (socket: Socket) => this.connected(socket));
    this.https.on("secureConnection", (socket: TLSSocket) => {
      const key = peerKey(socket);
      const tracked = this.sockets.get(key);
      if (tracked !== undefined) tracked.current = socket;
      this.gate.secured(key, this.clock());
      this.armGate();
    });
    this.https.on("tlsClientError", (error: NodeJS.ErrnoException, socket: TLSSocket) => {
      const key = peerKey(socket);
      // Connections the gate cut itself fail their handshake too: those are counted and not logged again.
      if (!this.gate.tracks(key)) return;
      this.gate.failed(key);
      this.armGate();
      if (this.tlsErrorLog.allow(this.clock()))
        this.log("tls-error", { peer: socket.remoteAddress, reason: error.code ?? error.message });
    });
  }

  /** A new TCP connection: the gate admits it (closing older stalled ones if it must) or it is closed at once. */
  private connected(socket: Socket): void {
    if (socket.remoteAddress === undefined) {
      socket.destroy(); // already gone
      return;
    }
    const key = peerKey(socket);
    const address = unmappedAddress(socket.remoteAddress ?? "");
    const admission = this.gate.accepted(key, sourceKey(address), this.clock());
    if (!admission.admitted) {
      socket.destroy();
      return;
    }
    const tracked: TrackedSocket = { raw: socket, current: socket };
    this.sockets.set(key, tracked);
    socket.once("close", () => {
      if (this.sockets.get(key) !== tracked) return;
      this.sockets.delete(key);
      this.gate.closed(key);
      this.armGate();
    });
    this.cut(admission.evict);
    this.armGate();
  }

  /** Connections the gate gave up on (deadline passed, or evicted): destroyed without a word. */
  private cut(keys: readonly string[]): void {
    for (const key of keys) this.sockets.get(key)?.current.destroy();
  }

  private gateTimeout(): void {
    this.cut(this.gate.handleTimeout(this.clock()));
    this.armGate();
  }

  private armGate(): void {
    this.gateTimer.set(this.gate.nextTimeout());
  }

  async listen(): Promise<void> {
    const { listen, metrics } = this.options;
    await listenOn(this.https, listen, "--listen");
    if (metrics !== undefined) {
      const server = createHttpServer((request, response) => this.request(request, response, true));
      try {
        await listenOn(server, metrics, "--metrics");
      } catch (error) {
        this.https.close();
        throw error;
      }
      this.metricsServer = server;
    }
    this.openProbes();
    this.pinger = setInterval(() => {
      for (const connection of this.connections) connection.ping();
    }, this.options.pingIntervalMs ?? PING_INTERVAL_MS);
    this.pinger.unref();
    const at = this.address();
    this.log("listening", { address: at.address, port: at.port, metrics: this.metricsAddress()?.port });
  }

  address(): AddressInfo {
    return this.https.address() as AddressInfo;
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
    return (this.metricsServer?.address() as AddressInfo | null) ?? undefined;
  }

  sessions(): number {
    return this.connections.size;
  }

  handshakes(): Readonly<Record<"tls" | "http" | "hello", number>> {
    return this.gate.pending();
  }

  clientUnsentBytes(): number {
    let total = 0;
    for (const connection of this.connections) total += connection.clientUnsent;
    return total;
  }

  shutdown(options: { readonly drainMs?: number } = {}): Promise<void> {
    this.stopping ??= this.stop(options.drainMs ?? this.options.drainMs ?? DEFAULT_DRAIN_MS);
    return this.stopping;
  }

  private async stop(drainMs: number): Promise<void> {
    this.draining = true;
    this.log("draining", { sessions: this.connections.size, drainMs });
    const listenerClosed = new Promise<void>((resolve) => this.https.close(() => resolve()));
    this.https.closeIdleConnections();
    const random = this.options.random ?? Math.random;
    for (const connection of this.connections) {
      connection.goaway(Math.floor(random() * (RECONNECT_SPREAD_MS + 1)), drainMs);
    }
    // Sessions end themselves when the drain period ends; the grace covers their close handshakes.
    const emptied = new Promise<void>((resolve) => {
      this.emptied = resolve;
      if (this.connections.size === 0) resolve();
    });
    const cut = setTimeout(() => {
      for (const connection of this.connections) connection.terminate();
    }, drainMs + CLOSE_GRACE_MS);
    await emptied;
    clearTimeout(cut);
    clearInterval(this.pinger);
    this.https.closeAllConnections();
    // Connections still in their TLS handshake are not the HTTP server's yet: closeAllConnections misses them.
    for (const { current } of this.sockets.values()) current.destroy();
    await listenerClosed;
    this.gateTimer.set(undefined);
    this.router.close();
    this.probes?.close();
    this.wss.close();
    const metricsServer = this.metricsServer;
    if (metricsServer !== undefined) {
      await new Promise<void>((resolve) => {
        metricsServer.close(() => resolve());
        metricsServer.closeAllConnections();
      });
    }
    this.log("stopped");
  }

  /** Plain HTTP on the client listener and the metrics listener: /healthz everywhere, /metrics on the latter. */
  private request(request: IncomingMessage, response: ServerResponse, metrics = false): void {
    const path = pathOf(request);
    if (request.method === "GET" && path === "/healthz") {
      response.writeHead(this.draining ? 503 : 200, { "content-type": "text/plain" });
      response.end(this.draining ? "draining\n" : "ok\n");
      return;
    }
    if (metrics && request.method === "GET" && path === "/metrics") {
      this.metrics.text().then(
        (text) => {
          response.writeHead(200, { "content-type": this.metrics.contentType });
          response.end(text);
        },
        () => {
          response.writeHead(500, { "content-type": "text/plain" });
          response.end("metrics unavailable\n");
        },
      );
      return;
    }
    response.writeHead(404, { "content-type": "text/plain" });
    response.end("not found\n");
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on("error", () => socket.destroy());
    if (pathOf(request) !== RELAY_PATH) {
      refuseUpgrade(socket, 404, "Not Found");
      return;
    }
    if (this.draining) {
      refuseUpgrade(socket, 503, "Service Unavailable");
      return;
    }
    const offered = (request.headers["sec-websocket-protocol"] ?? "").split(",").map((p) => p.trim());
    if (!RELAY_PROTOCOLS.some((p) => offered.includes(p))) {
      refuseUpgrade(socket, 426, "Upgrade Required", {
        "Ferry-Protocols": RELAY_PROTOCOLS.join(", "),
      });
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, request));
  }

  private accept(ws: WebSocket, request: IncomingMessage): void {
    const source = observedAddressOf(request);
    const limitKey = sourceKey(source);
    const key = peerKey(request.socket);
    const perSource = this.perSource.get(limitKey) ?? 0;
    const maxSessions = this.options.maxSessions ?? DEFAULT_MAX_SESSIONS;
    const maxPerSource = this.options.maxSessionsPerSource ?? DEFAULT_MAX_SESSIONS_PER_SOURCE;
    if (this.draining) {
      this.refuse(ws, key, source, "RELAY_SHUTTING_DOWN", "The relay is shutting down.");
      return;
    }
    if (this.connections.size >= maxSessions) {
      this.refuse(ws, key, source, "RELAY_BUSY", `The relay is at its limit of ${maxSessions} sessions.`);
      return;
    }
    if (perSource >= maxPerSource) {
      this.refuse(
        ws,
        key,
        source,
        "RELAY_BUSY",
        `The relay is at its limit of ${maxPerSource} sessions from one address.`,
      );
      return;
    }
    const admission = this.gate.upgraded(key, this.clock());
    this.armGate();
    if (!admission.admitted) {
      this.refuse(
        ws,
        key,
        source,
        "RELAY_BUSY",
        "The relay is at its limit of connections from one address that have not sent hello.",
      );
      return;
    }
    for (const evicted of admission.evict) this.awaitingHello.get(evicted)?.shed();
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
    this.perSource.set(limitKey, perSource + 1);
    this.log("session-open", { session: session.sessionId, client: source });
    const leftGate = () => {
      this.gate.closed(key);
      this.armGate();
      if (this.awaitingHello.get(key) === connection) this.awaitingHello.delete(key);
    };
    const connection = new ClientConnection(ws, session, source, {
      router: this.router,
      resolve: this.options.resolve ?? resolveIpv4,
      serverPort: this.options.serverPort ?? PPTP_PORT,
      relayAddress: (localAddress) => this.relayAddressFor(localAddress),
      clock: this.clock,
      log: this.log,
      introduced: leftGate,
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
        leftGate();
        this.forget(c, limitKey);
      },
    });
    this.connections.add(connection);
    if (session.awaitingHello) this.awaitingHello.set(key, connection);
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

  private forget(connection: ClientConnection, limitKey: string): void {
    if (!this.connections.delete(connection)) return;
    const left = (this.perSource.get(limitKey) ?? 1) - 1;
    if (left <= 0) this.perSource.delete(limitKey);
    else this.perSource.set(limitKey, left);
    if (this.connections.size === 0) this.emptied?.();
  }

  /** Refuses a WebSocket before any session: an error frame, then a close with 4000 + code. */
  private refuse(ws: WebSocket, key: string, source: string, code: RelayErrorCode, message: string): void {
    this.gate.closed(key);
    this.armGate();
    this.metrics.sessionEnded(code);
    this.log("session-refused", { client: source, outcome: code });
    ws.on("error", () => {});
    ws.send(emitWrapFrame({ channel: "relay", message: { type: "error", code, message } }));
    ws.close(4000 + RELAY_ERROR_CODE[code], code);
  }
}

function pathOf(request: IncomingMessage): string {
  const url = request.url ?? "/";
  const query = url.indexOf("?");
  return query < 0 ? url : url.slice(0, query);
}

/** Answers an upgrade request with a plain HTTP status and closes: no WebSocket. */
function refuseUpgrade(
  socket: Duplex,
  status: number,
  reason: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  const body = `${reason}\n`;
  const lines = [
    `HTTP/1.1 ${status} ${reason}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    "Connection: close",
    "Content-Type: text/plain",
    `Content-Length: ${Buffer.byteLength(body)}`,
  ];
  socket.end(`${lines.join("\r\n")}\r\n\r\n${body}`);
}

/** Names a TCP connection on the listener while it lasts: its peer's address and port. */
function peerKey(socket: { readonly remoteAddress?: string; readonly remotePort?: number }): string {
  return `${socket.remoteAddress ?? "?"}|${socket.remotePort ?? 0}`;
}

/** The WebSocket's TCP peer, as the wire's address text ("" if Node does not know it). */
function observedAddressOf(request: IncomingMessage): string {
  const text = unmappedAddress(request.socket.remoteAddress ?? "");
  return isWireAddress(text) ? text : "";
}

/** An IPv4 address as Node writes it on a dual-stack socket ("::ffff:a.b.c.d") as a dotted quad. */
function unmappedAddress(address: string): string {
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return v4 === null ? address : v4[1]!;
}

async function resolveIpv4(name: string): Promise<string | undefined> {
  try {
    return (await lookup(name, { family: 4 })).address;
  } catch {
    return undefined;
  }
}

function listenOn(server: HttpServer | HttpsServer, at: HostPort, flag: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => {
      server.off("listening", listening);
      reject(
        new RelayStartError(
          wrapError(
            "LOCAL_IO_FAILED",
            `The relay cannot listen on ${at.host}:${at.port} (${flag}): ${error.code ?? error.message}.`,
            "Pick a free port and an address of this host; ports below 1024 need CAP_NET_BIND_SERVICE.",
            undefined,
            error,
          ),
        ),
      );
    };
    const listening = () => {
      server.off("error", failed);
      resolve();
    };
    server.once("error", failed);
    server.once("listening", listening);
    server.listen({ port: at.port, host: at.host, backlog: LISTEN_BACKLOG });
  });
}
