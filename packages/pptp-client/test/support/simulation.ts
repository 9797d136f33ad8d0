import type { SessionOptions } from "../../src/session/config.js";
import type { SessionEvent } from "../../src/session/events.js";
import { PptpSession } from "../../src/session/session.js";
import { earliestDeadline } from "../../src/util/deadline.js";
import { type Impairments, LossyLink, PERFECT } from "./lossy-link.js";
import { PptpPeer, type PptpPeerOptions } from "./peer/pptp-peer.js";
import { seededRandom } from "./seeded-random.js";

export interface SimulationOptions {
  readonly client?: Partial<SessionOptions>;
  readonly peer?: Partial<PptpPeerOptions>;
  /** GRE impairments client -> server and server -> client. */
  readonly upstream?: Impairments;
  readonly downstream?: Impairments;
  /** Drop every GRE packet in both directions (a firewall without a PPTP helper). */
  readonly blockGre?: boolean;
  /** One-way delay of the TCP control stream. */
  readonly controlDelayMs?: number;
  readonly seed?: number;
}

export const TEST_USER = "alice";
const MAX_STEPS = 1_000_000;
export const TEST_PASSWORD = "correct horse";

/**
 * A PPTP client and the in-process test server joined by a reliable, delayed control stream (TCP 1723) and two
 * impaired GRE links, driven by one explicit clock: every timer and retransmission runs without sleeping, and a
 * seed replays the same run exactly.
 */
export class Simulation {
  readonly client: PptpSession;
  readonly peer: PptpPeer;
  readonly events: SessionEvent[] = [];
  /** IP packets the client's TUN side received. */
  readonly clientTun: Uint8Array[] = [];
  now = 0;
  private readonly up: LossyLink;
  private readonly down: LossyLink;
  private readonly toPeer: { at: number; bytes: Uint8Array }[] = [];
  private readonly toClient: { at: number; bytes: Uint8Array }[] = [];
  private readonly controlDelayMs: number;
  private readonly blockGre: boolean;

  constructor(options: SimulationOptions = {}) {
    const seed = options.seed ?? 1;
    this.controlDelayMs = options.controlDelayMs ?? 5;
    this.blockGre = options.blockGre ?? false;
    this.up = new LossyLink(options.upstream ?? PERFECT, seed * 2 + 1);
    this.down = new LossyLink(options.downstream ?? PERFECT, seed * 2 + 2);
    this.client = new PptpSession({
      userName: TEST_USER,
      password: TEST_PASSWORD,
      random: seededRandom(seed * 7 + 3),
      ...options.client,
    });
    this.peer = new PptpPeer({
      users: { [TEST_USER]: TEST_PASSWORD },
      random: seededRandom(seed * 11 + 5),
      ...options.peer,
    });
  }

  start(): void {
    this.client.start(this.now);
    this.flush();
  }

  /** Advances the clock event by event until `done` holds or `limitMs` of simulated time has passed. */
  runUntil(done: () => boolean, limitMs = 60_000): boolean {
    const end = this.now + limitMs;
    // A state machine that keeps asking for a timeout it never clears would spin here: call that a hang.
    for (let steps = 0; !done(); steps++) {
      if (steps > MAX_STEPS) throw new Error(`no progress after ${MAX_STEPS} steps at t=${this.now} ms`);
      const next = this.nextEventTime();
      if (next === undefined || next > end) {
        this.now = end;
        return done();
      }
      this.now = Math.max(this.now, next);
      this.step();
    }
    return true;
  }

  /** Runs until the client reports `connected` (or closes); returns that event. */
  connect(limitMs = 60_000): SessionEvent | undefined {
    this.start();
    this.runUntil(() => this.events.some((e) => e.type === "connected" || e.type === "closed"), limitMs);
    return this.events.find((e) => e.type === "connected" || e.type === "closed");
  }

  closedEvent(): Extract<SessionEvent, { type: "closed" }> | undefined {
    return this.events.find((e): e is Extract<SessionEvent, { type: "closed" }> => e.type === "closed");
  }

  /** Changes both GRE links' impairments from now on. */
  setImpairments(impairments: Impairments): void {
    this.up.impairments = impairments;
    this.down.impairments = impairments;
  }

  /** Sends one IP packet client -> server through the tunnel. */
  sendFromClient(ip: Uint8Array): void {
    this.client.handleTunPacket(ip, this.now);
    this.flush();
  }

  /** Sends one IP packet server -> client through the tunnel. */
  sendFromPeer(ip: Uint8Array): void {
    this.peer.sendIp(ip, this.now);
    this.flush();
  }

  private nextEventTime(): number | undefined {
    return earliestDeadline(
      this.client.pollTimeout(),
      this.peer.pollTimeout(),
      this.up.nextDelivery(),
      this.down.nextDelivery(),
      this.toPeer[0]?.at,
      this.toClient[0]?.at,
    );
  }

  private step(): void {
    const now = this.now;
    while (this.toPeer[0] !== undefined && this.toPeer[0].at <= now) {
      this.peer.handleControlBytes(this.toPeer.shift()!.bytes, now);
    }
    while (this.toClient[0] !== undefined && this.toClient[0].at <= now) {
      this.client.handleControlBytes(this.toClient.shift()!.bytes, now);
    }
    for (const packet of this.up.receive(now)) this.peer.handleGre(packet, now);
    for (const packet of this.down.receive(now)) this.client.handleGre(packet, now);
    const clientDue = this.client.pollTimeout();
    if (clientDue !== undefined && clientDue <= now) this.client.handleTimeout(now);
    const peerDue = this.peer.pollTimeout();
    if (peerDue !== undefined && peerDue <= now) this.peer.handleTimeout(now);
    this.flush();
  }

  /** Moves everything both ends want to send onto the wires (tests call it after acting on the peer directly). */
  flush(): void {
    const now = this.now;
    for (let b = this.client.pollControlBytes(); b !== undefined; b = this.client.pollControlBytes()) {
      this.toPeer.push({ at: now + this.controlDelayMs, bytes: b });
    }
    for (let b = this.peer.pollControlBytes(); b !== undefined; b = this.peer.pollControlBytes()) {
      this.toClient.push({ at: now + this.controlDelayMs, bytes: b });
    }
    for (let p = this.client.pollGre(); p !== undefined; p = this.client.pollGre()) {
      if (!this.blockGre) this.up.send(p, now);
    }
    for (let p = this.peer.pollGre(); p !== undefined; p = this.peer.pollGre()) {
      if (!this.blockGre) this.down.send(p, now);
    }
    for (let p = this.client.pollTun(); p !== undefined; p = this.client.pollTun())
      this.clientTun.push(new Uint8Array(p));
    for (let e = this.client.pollEvent(); e !== undefined; e = this.client.pollEvent()) this.events.push(e);
  }
}
