/**
 * ferry-relay's listeners: HTTPS where clients upgrade to a WebSocket (`ferry.v1` at /ferry), and the optional
 * plain-HTTP metrics listener; /healthz on both, /metrics on the latter. An upgrade whose path, protocols or timing
 * (the relay is draining) rule it out is answered with a plain HTTP status here; the relay is told of every TCP
 * connection (before TLS starts), TLS handshake and accepted WebSocket, and decides what becomes of them.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { TLSSocket } from "node:tls";
import { type WebSocket, WebSocketServer } from "ws";
import { type WrapError, wrapError } from "../errors.js";
import { WRAP_MAX_FRAME_LENGTH } from "../wire/frame.js";
import type { RelayMetrics } from "./relay-metrics.js";
import type { HostPort, RelayOptions } from "./relay-options.js";

/** The protocol versions this relay speaks, newest first (PROTOCOL.md section 2). */
export const RELAY_PROTOCOLS: readonly string[] = ["ferry.v1"];
export const RELAY_PATH = "/ferry";
/** Slow or silent HTTP clients are cut before they hold a socket for long (the hello deadline starts later). */
const REQUEST_TIMEOUT_MS = 10_000;
/**
 * Connections the kernel queues before the relay accepts them (capped by net.core.somaxconn). Node's 511 overflows
 * under a connection flood, and an honest client's dropped SYN then costs it a second or more to retry.
 */
const LISTEN_BACKLOG = 4096;
/** Node checks its HTTP timeouts this often (its default, 30 s, would let a silent client stay 40 s). */
const HTTP_TIMEOUT_CHECK_MS = 1000;

/** startRelay's rejection: the relay could not start (certificate, key, address in use...). */
export class RelayStartError extends Error {
  constructor(readonly error: WrapError) {
    super(error.message);
    this.name = "RelayStartError";
  }
}

/** What the listeners tell the relay, and ask it. */
export interface ListenerEvents {
  /** A TCP connection on the client listener, before its TLS handshake starts: false if the relay closed it. */
  readonly connection: (socket: Socket) => boolean;
  readonly tlsDone: (socket: TLSSocket) => void;
  readonly tlsFailed: (error: NodeJS.ErrnoException, socket: TLSSocket) => void;
  /** A WebSocket that passed the upgrade's checks. */
  readonly websocket: (ws: WebSocket, request: IncomingMessage) => void;
  /** True once the relay is shutting down: /healthz says so and upgrades are refused. */
  readonly draining: () => boolean;
}

export class RelayListeners {
  private readonly https: HttpsServer;
  private readonly wss: WebSocketServer;
  private metricsServer: HttpServer | undefined;

  /** Throws RelayStartError when the certificate or key cannot be used. */
  constructor(
    options: Pick<RelayOptions, "cert" | "key" | "clientCa" | "requireClientCert">,
    private readonly metrics: RelayMetrics,
    private readonly events: ListenerEvents,
  ) {
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
    // Node's TLS server wraps each new socket in TLS in a 'connection' listener of its own. The relay decides
    // first and only the sockets it keeps are wrapped, so one it refuses (a flood) costs no TLS state at all.
    const startTls = this.https.listeners("connection") as ((socket: Socket) => void)[];
    this.https.removeAllListeners("connection");
    this.https.on("connection", (socket: Socket) => {
      if (!events.connection(socket)) return;
      for (const listener of startTls) listener.call(this.https, socket);
    });
    this.https.on("secureConnection", (socket: TLSSocket) => events.tlsDone(socket));
    this.https.on("tlsClientError", (error: NodeJS.ErrnoException, socket: TLSSocket) =>
      events.tlsFailed(error, socket),
    );
  }

  /** Listens for clients on `listen`, and on `metrics` when given; rejects with RelayStartError. */
  async listen(listen: HostPort, metrics: HostPort | undefined): Promise<void> {
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
  }

  address(): AddressInfo {
    return this.https.address() as AddressInfo;
  }

  metricsAddress(): AddressInfo | undefined {
    return (this.metricsServer?.address() as AddressInfo | null) ?? undefined;
  }

  /** Stops accepting clients and closes idle HTTP connections; resolves once the client listener has closed. */
  stopAccepting(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.https.close(() => resolve()));
    this.https.closeIdleConnections();
    return closed;
  }

  /** Closes the client listener's HTTP connections (not those still in their TLS handshake). */
  closeConnections(): void {
    this.https.closeAllConnections();
  }

  /** Closes the WebSocket server and the metrics listener. */
  async close(): Promise<void> {
    this.wss.close();
    const metricsServer = this.metricsServer;
    if (metricsServer !== undefined) {
      await new Promise<void>((resolve) => {
        metricsServer.close(() => resolve());
        metricsServer.closeAllConnections();
      });
    }
  }

  /** Plain HTTP on the client listener and the metrics listener: /healthz everywhere, /metrics on the latter. */
  private request(request: IncomingMessage, response: ServerResponse, metrics = false): void {
    const path = pathOf(request);
    if (request.method === "GET" && path === "/healthz") {
      const draining = this.events.draining();
      response.writeHead(draining ? 503 : 200, { "content-type": "text/plain" });
      response.end(draining ? "draining\n" : "ok\n");
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
    if (this.events.draining()) {
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
    this.wss.handleUpgrade(request, socket, head, (ws) => this.events.websocket(ws, request));
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
