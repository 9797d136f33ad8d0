/** A wrap client for tests: the `ws` package speaking frames with the wire codecs, collecting what the relay sends. */
import { type ControlMessage, ControlStreamReader } from "@ferry/pptp-client/wire";
import { WebSocket } from "ws";
import { emitControlFrames, emitWrapFrame, parseWrapFrame, type WrapFrame } from "../../../src/wire/frame.js";
import type { RelayMessage } from "../../../src/wire/relay-messages.js";

export interface ClientOptions {
  readonly ca: Buffer;
  readonly protocols?: readonly string[];
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** The loopback address to connect from (127.0.0.0/8): tests play many sources this way. */
  readonly localAddress?: string;
}

export class RelayClient {
  readonly frames: WrapFrame[] = [];
  readonly control: ControlMessage[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly reader = new ControlStreamReader();
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data: Buffer) => {
      const frame = parseWrapFrame(new Uint8Array(data));
      if (!frame.ok) throw new Error(`relay sent a malformed frame: ${frame.reason}`);
      this.frames.push(frame.value);
      if (frame.value.channel === "control") {
        this.reader.push(frame.value.bytes);
        for (let m = this.reader.next(); m !== undefined; m = this.reader.next()) {
          if (m.ok && m.value.kind === "message") this.control.push(m.value.message);
        }
      }
      this.wake();
    });
    this.closed = new Promise((resolve) => {
      ws.on("close", (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.wake();
      });
    });
    ws.on("error", () => {});
  }

  static async connect(url: string, options: ClientOptions): Promise<RelayClient> {
    const ws = new WebSocket(url, [...(options.protocols ?? ["ferry.v1"])], {
      ca: options.ca,
      ...(options.cert === undefined ? {} : { cert: options.cert, key: options.key }),
      ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
      perMessageDeflate: false,
    });
    const client = new RelayClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
      ws.once("unexpected-response", (_request, response) =>
        reject(new Error(`HTTP ${response.statusCode}`)),
      );
    });
    return client;
  }

  sendRelay(message: RelayMessage): void {
    this.send(emitWrapFrame({ channel: "relay", message }));
  }

  sendControl(message: Uint8Array): void {
    for (const frame of emitControlFrames(message)) this.send(frame);
  }

  send(frame: Uint8Array): void {
    this.ws.send(frame);
  }

  relayMessages(): RelayMessage[] {
    return this.frames.flatMap((f) => (f.channel === "relay" ? [f.message] : []));
  }

  gre(): Uint8Array[] {
    return this.frames.flatMap((f) => (f.channel === "gre" ? [f.packet] : []));
  }

  /** Resolves once `ready()` holds, re-checked whenever a frame or the close arrives. */
  async until<T>(ready: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = ready();
      if (value !== undefined && value !== false) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The first relay message of `type`. */
  message<T extends RelayMessage["type"]>(type: T): Promise<Extract<RelayMessage, { type: T }>> {
    return this.until(
      () => this.relayMessages().find((m): m is Extract<RelayMessage, { type: T }> => m.type === type),
      type,
    );
  }

  close(): void {
    this.ws.terminate();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
