/**
 * Misbehaving clients for the relay's attack tests and bench, each from a loopback source address of its own
 * choosing (127.0.0.0/8 all reaches this host), so that per-source limits see many attackers.
 */
import { type Socket, connect as tcpConnect } from "node:net";
import { type TLSSocket, connect as tlsConnect } from "node:tls";
import { WebSocket } from "ws";
import { emitWrapFrame, parseWrapFrame } from "../../../src/wire/frame.js";
import type { RelayMessage } from "../../../src/wire/relay-messages.js";

/** The relay's client port and the CA its certificate chains to. */
export interface Target {
  readonly port: number;
  readonly ca: Buffer;
}

/** An attacker's connection: `closed` settles when it is gone, whoever closed it. */
export interface Held {
  readonly socket: Socket;
  readonly closed: Promise<void>;
}

/** `count` source addresses 127.0.<block>.1.. (never 127.0.0.1, the honest client's). */
export function sources(count: number, block = 1): string[] {
  return Array.from({ length: count }, (_, i) => `127.0.${block + Math.floor(i / 250)}.${(i % 250) + 1}`);
}

function held(socket: Socket): Held {
  socket.on("error", () => {});
  return { socket, closed: new Promise((resolve) => socket.once("close", () => resolve())) };
}

/** Opens TCP and never speaks TLS. */
export function silentTcp(target: Target, localAddress: string): Held {
  return held(tcpConnect({ host: "127.0.0.1", port: target.port, localAddress }));
}

/** Finishes TLS, then starts an upgrade request it never completes (slowloris). */
export async function stalledHttp(target: Target, localAddress: string): Promise<Held> {
  const socket: TLSSocket = tlsConnect({
    socket: tcpConnect({ host: "127.0.0.1", port: target.port, localAddress }),
    ca: target.ca,
    servername: "localhost",
  });
  const connection = held(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once("secureConnect", () => resolve());
    socket.once("error", reject);
  });
  socket.write("GET /ferry HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n");
  return connection;
}

/** A WebSocket that upgrades, then sends nothing. */
export async function silentWebSocket(target: Target, localAddress: string): Promise<WebSocket> {
  const ws = new WebSocket(`wss://127.0.0.1:${target.port}/ferry`, ["ferry.v1"], {
    ca: target.ca,
    localAddress,
    perMessageDeflate: false,
  });
  ws.on("error", () => {});
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("close", () => reject(new Error("closed before open")));
    ws.once("unexpected-response", (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
  });
  return ws;
}

/** What one exchange ended with: the close status and the relay's error code, if any. */
export interface Outcome {
  readonly status: number;
  readonly error?: string;
}

/**
 * Upgrades, sends `frames` (a relay message is sent as a relay frame, a string as a text message), and waits for
 * the relay to close: one attempt of a token guesser, a forger or an open-proxy prober.
 */
export function exchange(
  target: Target,
  localAddress: string,
  frames: readonly (RelayMessage | Uint8Array | string)[],
  timeoutMs = 15_000,
): Promise<Outcome> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`wss://127.0.0.1:${target.port}/ferry`, ["ferry.v1"], {
      ca: target.ca,
      localAddress,
      perMessageDeflate: false,
    });
    let error: string | undefined;
    ws.on("error", () => {});
    ws.on("open", () => {
      for (const frame of frames) {
        if (typeof frame === "string") ws.send(frame, { binary: false });
        else if (frame instanceof Uint8Array) ws.send(frame);
        else ws.send(emitWrapFrame({ channel: "relay", message: frame }));
      }
    });
    ws.on("message", (data: Buffer) => {
      const frame = parseWrapFrame(new Uint8Array(data));
      if (frame.ok && frame.value.channel === "relay" && frame.value.message.type === "error")
        error = frame.value.message.code;
    });
    // A relay that neither answers nor closes (a session it accepted!) shows as status 0, "no answer".
    const timer = setTimeout(() => {
      error = "no answer";
      ws.terminate();
    }, timeoutMs);
    ws.on("close", (status) => {
      clearTimeout(timer);
      resolve(
        error === "no answer" ? { status: 0, error } : error === undefined ? { status } : { status, error },
      );
    });
  });
}
