/**
 * The test server (PptpPeer) behind the two carriers a real client uses, all in one process on the real event loop
 * and clock: a direct-mode stand-in (control bytes and GRE batches handed over on the next turn of the loop, as
 * sockets would) and a fake WebSocket that speaks the wrap protocol as ferry-relay would, so the real WrapCarrier
 * runs on it. For benchmarks and the pump's in-process test (test/tunnel-pump.test.ts); never the product, which is
 * why a file of this package may use @ferry/wrap, the layer above.
 */
import { EventEmitter } from "node:events";
import { performance } from "node:perf_hooks";
import { emitControlFrames, emitWrapFrame, parseWrapFrame, type WrapFrame } from "@ferry/wrap";
import type { CarrierHandlers, PptpCarrier } from "../../../pptp-client/src/tunnel/carrier.js";
import { DeadlineTimer } from "../../../pptp-client/src/tunnel/deadline-timer.js";
import { PptpPeer } from "../../../pptp-client/test/support/peer/pptp-peer.js";
import { seededRandom } from "../../../pptp-client/test/support/seeded-random.js";
import { oneWakeUp } from "./fake-native.js";

const now = (): number => performance.now();
const WELCOME = {
  type: "welcome",
  observedAddress: "192.0.2.1",
  relayAddress: "",
  sessionId: "00112233aabbccdd",
} as const;

export const SERVER_USER = "bench";
export const SERVER_PASSWORD = "bench-password";

/** Where the server's output goes: the client's carrier, directly or through the relay. */
interface ServerSink {
  control(bytes: Uint8Array): void;
  gre(packets: Uint8Array[]): void;
  /** The server closed TCP 1723. */
  closed(): void;
}

export interface ServerOptions {
  readonly stateless: boolean;
  readonly echoIntervalMs: number;
  readonly seed: number;
}

/** One PPTP server for one client session: PptpPeer with its timer, fed and drained like server-pump.ts. */
export class InProcessServer {
  readonly peer: PptpPeer;
  /** IP packets that came out of the tunnel at the server. */
  received = 0;
  private sink: ServerSink | undefined;
  private stopped = false;
  private readonly timer = new DeadlineTimer(() => {
    this.peer.handleTimeout(now());
    this.flush();
  }, now);

  constructor(options: ServerOptions) {
    this.peer = new PptpPeer({
      users: { [SERVER_USER]: SERVER_PASSWORD },
      random: seededRandom(options.seed),
      mppe: {
        strengths: [128],
        allowStateless: options.stateless,
        allowStateful: !options.stateless,
        required: true,
      },
      echoIntervalMs: options.echoIntervalMs,
    });
    this.peer.onIp = () => {
      this.received++;
    };
  }

  attach(sink: ServerSink): void {
    this.sink = sink;
  }

  fromClientControl(bytes: Uint8Array): void {
    if (this.stopped) return;
    this.peer.handleControlBytes(bytes, now());
    this.flush();
  }

  fromClientGre(packets: readonly Uint8Array[]): void {
    if (this.stopped) return;
    const t = now();
    for (const p of packets) this.peer.handleGre(p, t);
    this.flush();
  }

  /** Download traffic: IP packets the server's TUN device read. */
  sendIp(packets: readonly Uint8Array[]): void {
    if (this.stopped || this.peer.channel.ppp === undefined) return;
    const t = now();
    for (const p of packets) this.peer.sendIp(p, t);
    this.flush();
  }

  /** All GRE dropped from now on: the client's LCP echoes go unanswered (PEER_DEAD). */
  dropGre(): void {
    this.peer.goSilent();
    this.timer.set(undefined);
  }

  /** The server process stops: TCP 1723 closes (SERVER_STOPPED). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.timer.set(undefined);
    this.sink?.closed();
  }

  /** The client went away. */
  detach(): void {
    this.stopped = true;
    this.timer.set(undefined);
    this.sink = undefined;
  }

  private flush(): void {
    const { peer, sink } = this;
    for (let b = peer.pollControlBytes(); b !== undefined; b = peer.pollControlBytes()) sink?.control(b);
    const gre: Uint8Array[] = [];
    for (let p = peer.pollGre(); p !== undefined; p = peer.pollGre()) gre.push(p);
    if (gre.length > 0) sink?.gre(gre);
    this.timer.set(this.stopped ? undefined : peer.pollTimeout());
  }
}

/** Direct mode without sockets: what one side sends reaches the other on the next turn of the event loop. */
export class LoopCarrier implements PptpCarrier {
  readonly transport = "direct";
  readonly outerAddress = "192.0.2.1";
  private handlers: CarrierHandlers | undefined;
  private closed = false;

  constructor(private readonly server: InProcessServer) {}

  start(handlers: CarrierHandlers): void {
    this.handlers = handlers;
    this.server.attach({
      control: (bytes) => this.later(() => this.handlers?.control(bytes.slice())),
      gre: (packets) => {
        const wakeUp = oneWakeUp(packets);
        this.later(() => this.handlers?.gre(wakeUp));
      },
      closed: () => this.later(() => this.handlers?.closed()),
    });
  }

  sendControl(bytes: Uint8Array): void {
    const copy = bytes.slice();
    this.later(() => this.server.fromClientControl(copy));
  }

  sendGre(packets: readonly Uint8Array[]): void {
    const wakeUp = oneWakeUp(packets);
    this.later(() => this.server.fromClientGre(wakeUp));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.handlers = undefined;
    this.later(() => this.server.detach());
  }

  private later(task: () => void): void {
    setImmediate(() => {
      if (!this.closed) task();
    });
  }
}

/**
 * The part of a `ws` WebSocket that WrapCarrier uses, with ferry-relay's behaviour on the far side: a welcome for
 * the hello, probe replies, and every control and GRE frame to and from the server.
 */
export class FakeRelaySocket extends EventEmitter {
  readonly protocol = "ferry.v1";
  bufferedAmount = 0;
  private open = true;

  constructor(private readonly server: InProcessServer) {
    super();
    server.attach({
      control: (bytes) => {
        for (const frame of emitControlFrames(bytes)) this.toClient(frame);
      },
      gre: (packets) => {
        for (const packet of packets) this.toClient(emitWrapFrame({ channel: "gre", packet }));
      },
      // The relay relays the server's close as a normal WebSocket close.
      closed: () => this.closeWith(1000, ""),
    });
  }

  send(data: Uint8Array): void {
    if (!this.open) return;
    const frame = parseWrapFrame(data.slice());
    if (!frame.ok) return;
    setImmediate(() => {
      if (this.open) this.fromClient(frame.value);
    });
  }

  close(status = 1000, reason = ""): void {
    this.server.detach();
    this.closeWith(status, reason);
  }

  terminate(): void {
    this.server.detach();
    this.closeWith(1006, "");
  }

  private fromClient(frame: WrapFrame): void {
    switch (frame.channel) {
      case "control":
        this.server.fromClientControl(frame.bytes);
        return;
      case "gre":
        this.server.fromClientGre([frame.packet]);
        return;
      case "relay":
        if (frame.message.type === "hello")
          this.toClient(emitWrapFrame({ channel: "relay", message: WELCOME }));
        else if (frame.message.type === "probe") {
          const { id, sentAt } = frame.message;
          this.toClient(emitWrapFrame({ channel: "relay", message: { type: "probe-reply", id, sentAt } }));
        }
        return;
      case "unknown":
        return;
    }
  }

  private toClient(frame: Uint8Array): void {
    const message = Buffer.from(frame);
    setImmediate(() => {
      if (this.open) this.emit("message", message, true);
    });
  }

  private closeWith(status: number, reason: string): void {
    if (!this.open) return;
    this.open = false;
    setImmediate(() => this.emit("close", status, Buffer.from(reason)));
  }
}
