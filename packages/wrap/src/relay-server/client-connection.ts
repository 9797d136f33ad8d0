/**
 * The I/O of one client session: moves WebSocket messages, TCP 1723 bytes and GRE packets between the network and
 * a RelaySession, carries out its actions, and owns its one timer. Backpressure (PROTOCOL.md section 7) is applied
 * here with the pure rules of backpressure.ts: the session drops GRE by the WebSocket's bufferedAmount; this adapter
 * pauses reading TCP 1723 while the WebSocket is backed up with control bytes, and pauses reading the WebSocket while
 * TCP 1723 is.
 */
import { connect, type Socket } from "node:net";
import { DeadlineTimer } from "@ferry/pptp-client/tunnel";
import { WebSocket } from "ws";
import { clientReadingPaused, serverReadingPaused } from "../relay/backpressure.js";
import type { RelaySession } from "../relay/relay-session.js";
import type { RelayAction } from "../relay/session-traffic.js";
import type { GreLink, GreRouter } from "./gre-router.js";
import type { RelayLog } from "./relay-log.js";

/** How long a TCP 1723 connection the relay ended may take to finish sending before it is cut. */
const SERVER_CLOSE_GRACE_MS = 5000;

export interface ConnectionContext {
  readonly router: GreRouter;
  /** The hello's server to an IPv4 address, undefined when it does not resolve. */
  readonly resolve: (name: string) => Promise<string | undefined>;
  readonly serverPort: number;
  /** welcome's relayAddress, given the relay's address on its TCP connection to the server ("" for none). */
  readonly relayAddress: (localAddress: string | undefined) => string;
  /** Monotonic milliseconds: the session's `now`. */
  readonly clock: () => number;
  readonly log: RelayLog;
  /** Told once when the session is past its hello (or ended before it): it no longer counts as a handshake. */
  readonly introduced: (connection: ClientConnection) => void;
  /** Told once when the session has been welcomed, and once when it has ended (for metrics and logs). */
  readonly welcomed: (connection: ClientConnection) => void;
  readonly ended: (connection: ClientConnection) => void;
  /** Told when the WebSocket has closed: the connection is gone. */
  readonly gone: (connection: ClientConnection) => void;
}

export class ClientConnection {
  private server: Socket | undefined;
  private gre: GreLink | undefined;
  private unsentAtWakeUp: number | undefined;
  private readonly timer = new DeadlineTimer(
    () => {
      this.session.handleTimeout(this.context.clock());
      this.pump();
    },
    () => this.context.clock(),
  );
  private serverPaused = false;
  private clientPaused = false;
  private reportedIntroduced = false;
  private reportedWelcome = false;
  private reportedEnd = false;

  constructor(
    private readonly ws: WebSocket,
    readonly session: RelaySession,
    /** The client's address as the relay sees it. */
    readonly observedAddress: string,
    private readonly context: ConnectionContext,
  ) {
    ws.on("message", (data, isBinary) => {
      this.session.handleClientMessage(bytesOf(data), this.context.clock(), isBinary);
      this.pump();
    });
    ws.on("pong", () => this.session.handlePong(this.context.clock()));
    ws.on("error", (error) => {
      // ws closes the connection itself after an error (e.g. 1009 for a message over maxPayload).
      this.log("client-error", { reason: (error as { code?: string }).code ?? error.message });
    });
    ws.on("close", () => {
      this.session.clientClosed(this.context.clock());
      this.pump();
      this.timer.set(undefined);
      this.context.gone(this);
    });
    this.pump();
  }

  /**
   * The WebSocket's unsent bytes as they were when this wake-up began: GRE frames sent in the same wake-up sit in
   * bufferedAmount until the socket takes them, and counting them would drop the tail of every burst on an idle
   * link. What earlier wake-ups left unsent is the congestion that must turn into loss.
   */
  private unsentBeforeThisWakeUp(): number {
    if (this.unsentAtWakeUp === undefined) {
      this.unsentAtWakeUp = this.ws.bufferedAmount;
      queueMicrotask(() => {
        this.unsentAtWakeUp = undefined;
      });
    }
    return this.unsentAtWakeUp;
  }

  /** The WebSocket's unsent bytes (what backpressure decisions look at). */
  get clientUnsent(): number {
    return this.ws.bufferedAmount;
  }

  ping(): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.ping();
  }

  /** Starts the drain (PROTOCOL.md section 8). */
  goaway(reconnectAfterMs: number, drainMs: number): void {
    this.session.goaway(this.context.clock(), reconnectAfterMs, drainMs);
    this.pump();
  }

  /** Ends a session still awaiting hello with RELAY_BUSY, to make room for a newer one (HandshakeGate). */
  shed(): void {
    this.session.shed(this.context.clock());
    this.pump();
  }

  /** Cuts the WebSocket without a close handshake (shutdown's last resort). */
  terminate(): void {
    this.ws.terminate();
  }

  private pump(): void {
    const greOut: Uint8Array[] = [];
    for (let action = this.session.poll(); action !== undefined; action = this.session.poll()) {
      if (action.type === "send-gre") greOut.push(action.packet);
      else this.perform(action);
    }
    this.gre?.send(greOut);
    if (!this.session.awaitingHello && !this.reportedIntroduced) {
      this.reportedIntroduced = true;
      this.context.introduced(this);
    }
    if (this.session.welcomed && !this.reportedWelcome) {
      this.reportedWelcome = true;
      this.context.welcomed(this);
    }
    if (this.session.closed && !this.reportedEnd) {
      this.reportedEnd = true;
      this.context.ended(this);
    }
    this.timer.set(this.session.nextTimeout());
  }

  private perform(action: Exclude<RelayAction, { type: "send-gre" }>): void {
    switch (action.type) {
      case "resolve":
        this.context.resolve(action.server).then(
          (address) => this.resolved(address),
          () => this.resolved(undefined),
        );
        return;
      case "dial":
        this.dial(action.address);
        return;
      case "send-client":
        this.sendClient(action.frame, action.control);
        return;
      case "send-server":
        this.sendServer(action.bytes);
        return;
      case "close-client":
        if (this.ws.readyState === WebSocket.CONNECTING || this.ws.readyState === WebSocket.OPEN) {
          this.ws.close(action.status, action.reason);
        }
        return;
      case "close-server":
        this.closeServer();
        return;
    }
  }

  private resolved(address: string | undefined): void {
    this.session.resolved(this.context.clock(), address);
    this.pump();
  }

  private dial(address: string): void {
    const translator = this.session.translator!;
    const link = this.context.router.attach(address, translator, (packet) => {
      this.session.handleServerGre(packet, this.context.clock(), this.unsentBeforeThisWakeUp());
      this.pump();
    });
    if (!link.ok) {
      this.log("gre-unavailable", { server: address, reason: link.error.message });
      this.session.localFailure(
        this.context.clock(),
        "The relay cannot send GRE to the server right now.",
        "Tell the relay's administrator: the relay needs CAP_NET_RAW for its raw GRE socket.",
      );
      return;
    }
    this.gre = link.value;
    const socket = connect({ host: address, port: this.context.serverPort, noDelay: true });
    this.server = socket;
    socket.on("connect", () => {
      this.session.serverConnected(
        this.context.clock(),
        this.observedAddress,
        this.context.relayAddress(socket.localAddress),
      );
      this.pump();
    });
    socket.on("data", (data: Buffer) => {
      this.session.handleServerBytes(data, this.context.clock());
      this.pump();
    });
    socket.on("end", () => {
      this.session.serverEnded(this.context.clock());
      this.pump();
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      this.session.serverFailed(this.context.clock(), error.code ?? error.message);
      this.pump();
    });
    socket.on("drain", () => {
      if (!this.clientPaused) return;
      this.clientPaused = false;
      this.ws.resume();
    });
  }

  private sendClient(frame: Uint8Array, control: boolean): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(frame, { binary: true }, () => this.clientDrained());
    // Control is never dropped; when it piles up, the server is made to wait instead (TCP flow control).
    if (control && !this.serverPaused && serverReadingPaused(this.ws.bufferedAmount, false)) {
      this.serverPaused = true;
      this.server?.pause();
    }
  }

  private clientDrained(): void {
    if (!this.serverPaused || serverReadingPaused(this.ws.bufferedAmount, true)) return;
    this.serverPaused = false;
    this.server?.resume();
  }

  private sendServer(bytes: Uint8Array): void {
    const socket = this.server;
    if (socket === undefined || socket.destroyed) return;
    socket.write(bytes);
    if (!this.clientPaused && clientReadingPaused(socket.writableLength)) {
      this.clientPaused = true;
      this.ws.pause();
    }
  }

  private closeServer(): void {
    this.gre?.close();
    this.gre = undefined;
    const socket = this.server;
    if (socket === undefined) return;
    if (socket.connecting) {
      socket.destroy();
    } else {
      // end() lets the client's last control bytes (Stop-Control-Connection-Request) reach the server first.
      socket.end();
      setTimeout(() => socket.destroy(), SERVER_CLOSE_GRACE_MS).unref();
    }
    if (this.clientPaused) this.ws.resume();
  }

  private log(event: string, fields: Record<string, string | number | undefined>): void {
    this.context.log(event, { session: this.session.sessionId, ...fields });
  }
}

/** A ws message as bytes: a Buffer normally (binaryType "nodebuffer"), fragments joined if ws hands an array. */
function bytesOf(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}
