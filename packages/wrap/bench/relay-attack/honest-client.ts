/**
 * The honest client the attacks must not hurt, from 127.0.0.1: how long a connect takes (TLS, upgrade, hello,
 * welcome) and how much GRE a PPTP call gets echoed back through the relay meanwhile.
 */
import { setTimeout as wait } from "node:timers/promises";
import {
  ControlStreamReader,
  emitControlMessage,
  greCallId,
  writeGreHeaderFields,
} from "@ferry/pptp-client/wire";
import { WebSocket } from "ws";
import { emitControlFrames, emitWrapFrame, parseWrapFrame } from "../../src/wire/frame.js";
import { ocrq, sccrq } from "../../test/relay/relay-fixtures.js";
import type { Target } from "../../test/relay-server/support/attackers.js";
import { type RelayHarness, TOKEN } from "../../test/relay-server/support/relay-harness.js";
import { CONNECT_EVERY_MS, GRE_PACKET_BYTES, GRE_WINDOW, PAC } from "./setup.js";

/** One welcome, then (for the throughput client) a PPTP call. */
class HonestClient {
  private readonly reader = new ControlStreamReader();
  private welcomeWaiter: (() => void) | undefined;
  private readonly control: ((type: string) => boolean)[] = [];
  serverCallId = -1;
  greBytes = 0;
  private inFlight = 0;
  private pumping = false;

  private constructor(readonly ws: WebSocket) {
    ws.on("error", () => {});
    ws.on("message", (data: Buffer) => this.received(new Uint8Array(data)));
  }

  static open(target: Target): Promise<HonestClient> {
    const ws = new WebSocket(`wss://127.0.0.1:${target.port}/ferry`, ["ferry.v1"], {
      ca: target.ca,
      perMessageDeflate: false,
    });
    const client = new HonestClient(ws);
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(client));
      ws.once("error", reject);
      ws.once("close", (code) => reject(new Error(`closed ${code}`)));
    });
  }

  /** Connect time: from nothing to welcome. */
  static async connectMs(target: Target): Promise<number> {
    const started = performance.now();
    const client = await HonestClient.open(target);
    await client.hello();
    const ms = performance.now() - started;
    client.ws.terminate();
    return ms;
  }

  hello(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.welcomeWaiter = resolve;
      this.ws.once("close", (code) => reject(new Error(`closed ${code} before welcome`)));
      this.ws.send(
        emitWrapFrame({ channel: "relay", message: { type: "hello", server: PAC, token: TOKEN } }),
      );
    });
  }

  async call(): Promise<void> {
    const awaitControl = (type: string) =>
      new Promise<void>((resolve) =>
        this.control.push((t) => {
          if (t !== type) return false;
          resolve();
          return true;
        }),
      );
    const started = awaitControl("start-control-connection-reply");
    for (const frame of emitControlFrames(emitControlMessage(sccrq))) this.ws.send(frame);
    await started;
    const replied = awaitControl("outgoing-call-reply");
    for (const frame of emitControlFrames(emitControlMessage(ocrq(0x4242)))) this.ws.send(frame);
    await replied;
  }

  /** Keeps GRE_WINDOW packets in flight through the relay and the echoing server. */
  startEcho(): void {
    this.pumping = true;
    this.fill();
  }

  stopEcho(): void {
    this.pumping = false;
  }

  private fill(): void {
    while (this.pumping && this.inFlight < GRE_WINDOW) {
      const packet = new Uint8Array(GRE_PACKET_BYTES);
      writeGreHeaderFields(packet, 8, this.serverCallId, GRE_PACKET_BYTES - 8, undefined, undefined);
      this.inFlight++;
      this.ws.send(emitWrapFrame({ channel: "gre", packet }));
    }
  }

  private received(bytes: Uint8Array): void {
    const frame = parseWrapFrame(bytes);
    if (!frame.ok) return;
    const value = frame.value;
    if (value.channel === "gre") {
      this.greBytes += value.packet.length;
      this.inFlight--;
      this.fill();
    } else if (value.channel === "relay" && value.message.type === "welcome") {
      this.welcomeWaiter?.();
    } else if (value.channel === "control") {
      this.reader.push(value.bytes);
      for (let m = this.reader.next(); m !== undefined; m = this.reader.next()) {
        if (!m.ok || m.value.kind !== "message") continue;
        const message = m.value.message;
        if (message.type === "outgoing-call-reply") this.serverCallId = message.callId;
        const i = this.control.findIndex((matches) => matches(message.type));
        if (i >= 0) this.control.splice(i, 1);
      }
    }
  }
}

export interface Measured {
  readonly connectMs: number[];
  readonly failures: number;
  readonly mbPerSecond: number;
}

/** Connect-time samples (sequential connects) and GRE echo throughput over `seconds`. */
export async function measure(h: RelayHarness, target: Target, seconds: number): Promise<Measured> {
  const echo = await HonestClient.open(target);
  await echo.hello();
  await echo.call();
  const call = h.pac.connections.at(-1)!.received.find((m) => m.type === "outgoing-call-request");
  const relayCallId = call?.type === "outgoing-call-request" ? call.callId : -1;
  // The server echoes GRE for this call back to the relay's Call ID, as a peer answering would.
  h.gre.reflect = (_server, packet) => {
    if (greCallId(packet) !== echo.serverCallId) return undefined;
    const answer = Uint8Array.from(packet);
    answer[6] = relayCallId >> 8;
    answer[7] = relayCallId & 0xff;
    return answer;
  };
  const until = performance.now() + seconds * 1000;
  const startedAt = performance.now();
  echo.startEcho();
  const connectMs: number[] = [];
  let failures = 0;
  while (performance.now() < until) {
    const next = performance.now() + CONNECT_EVERY_MS;
    try {
      connectMs.push(await HonestClient.connectMs(target));
    } catch {
      failures++;
    }
    await wait(Math.max(0, next - performance.now()));
  }
  echo.stopEcho();
  const mbPerSecond = echo.greBytes / 1e6 / ((performance.now() - startedAt) / 1000);
  echo.ws.terminate();
  h.gre.reflect = undefined;
  return { connectMs, failures, mbPerSecond };
}
