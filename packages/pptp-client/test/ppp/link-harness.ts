/**
 * Two PppLinks (client role vs server role) wired back to back with a fake clock, plus tiny fake AuthPhases: enough
 * to run whole negotiations deterministically, drop or inject packets, and see every event.
 */

import type { FerryError } from "../../src/errors.js";
import type { AuthMethod, AuthOutcome, AuthPhase, MppeKeys } from "../../src/ppp/auth/auth-phase.js";
import { authProtocol } from "../../src/ppp/auth/auth-phase.js";
import { type PppEvent, PppLink, type PppLinkConfig } from "../../src/ppp/ppp-link.js";
import { earliestDeadline } from "../../src/util/deadline.js";
import { seededRandom } from "../support/seeded-random.js";

export const KEYS: MppeKeys = { send: new Uint8Array(16).fill(1), recv: new Uint8Array(16).fill(2) };

const Code = { Challenge: 1, Response: 2, Success: 3, Failure: 4 } as const;

function packet(code: number, identifier: number): Uint8Array {
  return Uint8Array.of(code, identifier, 0, 4);
}

export interface FakeAuthOptions {
  /** The outcome the side reaches: ok with these keys (default KEYS for MS-CHAPv2), or this error. */
  readonly keys?: MppeKeys | null;
  readonly error?: FerryError;
}

/** A one-round CHAP-shaped exchange: Challenge -> Response -> Success (or Failure). */
export class FakeAuth implements AuthPhase {
  readonly protocol: number;
  private readonly out: Uint8Array[] = [];
  private outcome: AuthOutcome | undefined;
  private done = false;

  constructor(
    private readonly role: "client" | "server",
    private readonly method: AuthMethod,
    private readonly options: FakeAuthOptions = {},
  ) {
    this.protocol = authProtocol(method);
  }

  start(): void {
    if (this.role === "server") this.out.push(packet(Code.Challenge, 7));
  }

  handlePacket(info: Uint8Array): void {
    if (this.done || info.length < 1) return;
    const code = info[0];
    if (this.role === "client" && code === Code.Challenge) this.out.push(packet(Code.Response, info[1] ?? 0));
    else if (this.role === "client" && code === Code.Success) this.finish();
    else if (this.role === "client" && code === Code.Failure) this.finish();
    else if (this.role === "server" && code === Code.Response) {
      this.out.push(packet(this.options.error === undefined ? Code.Success : Code.Failure, info[1] ?? 0));
      this.finish();
    }
  }

  pollPacket(): Uint8Array | undefined {
    return this.out.shift();
  }

  pollOutcome(): AuthOutcome | undefined {
    const outcome = this.outcome;
    this.outcome = undefined;
    return outcome;
  }

  nextTimeout(): number | undefined {
    return undefined;
  }

  handleTimeout(): void {}

  private finish(): void {
    this.done = true;
    if (this.options.error !== undefined) {
      this.outcome = { ok: false, error: this.options.error };
      return;
    }
    const keys =
      this.options.keys === undefined ? (this.method === "mschapv2" ? KEYS : undefined) : this.options.keys;
    this.outcome = {
      ok: true,
      method: this.method,
      ...(keys === null || keys === undefined ? {} : { mppeKeys: keys }),
      ...(this.role === "server" ? { userName: "alice" } : {}),
    };
  }
}

export function clientConfig(
  overrides: Partial<PppLinkConfig> = {},
  auth: FakeAuthOptions = {},
): PppLinkConfig {
  return {
    lcp: { mru: 1400, pfc: true, acfc: true },
    ipcp: { requestDns: true },
    ccp: { strengths: [128, 56, 40], allowStateless: true, allowStateful: true, required: true },
    auth: { allowedMethods: ["mschapv2"], createClient: (m) => new FakeAuth("client", m, auth) },
    echoIntervalMs: 10_000,
    echoFailures: 3,
    restartTimerMs: 3000,
    ...overrides,
  };
}

export function serverConfig(
  overrides: Partial<PppLinkConfig> = {},
  auth: FakeAuthOptions = {},
): PppLinkConfig {
  return {
    lcp: { mru: 1500, pfc: true, acfc: true },
    ipcp: {
      localAddress: "10.0.0.1",
      requestDns: false,
      peerAddress: "10.0.0.2",
      peerDns: ["10.0.0.53", "10.0.0.54"],
    },
    ccp: { strengths: [128, 56, 40], allowStateless: true, allowStateful: true, required: true },
    auth: { allowedMethods: [], require: "mschapv2", createServer: (m) => new FakeAuth("server", m, auth) },
    echoIntervalMs: 10_000,
    echoFailures: 3,
    restartTimerMs: 3000,
    ...overrides,
  };
}

export interface Wire {
  readonly from: "client" | "server";
  readonly protocol: number;
  readonly info: Uint8Array;
  readonly at: number;
}

/** Decides the fate of one packet in flight: deliver it (true) or lose it (false). */
export type Filter = (packet: Wire) => boolean;

export class LinkPair {
  now = 0;
  readonly client: PppLink;
  readonly server: PppLink;
  readonly clientEvents: PppEvent[] = [];
  readonly serverEvents: PppEvent[] = [];
  /** Every packet either side sent, delivered or not. */
  readonly trace: Wire[] = [];
  filter: Filter = () => true;

  constructor(client: PppLinkConfig, server: PppLinkConfig, seed = 1) {
    this.client = new PppLink(client, seededRandom(seed));
    this.server = new PppLink(server, seededRandom(seed + 1000));
  }

  start(): this {
    this.server.start(this.now);
    this.client.start(this.now);
    return this;
  }

  /** Moves packets and time until both sides are idle or `untilMs` is reached. */
  run(untilMs = 120_000): this {
    for (let steps = 0; steps < 100_000; steps++) {
      if (this.exchange()) continue;
      const next = earliestDeadline(this.client.nextTimeout(), this.server.nextTimeout());
      if (next === undefined || next > untilMs) break;
      this.now = Math.max(this.now, next);
      this.client.handleTimeout(this.now);
      this.server.handleTimeout(this.now);
    }
    this.drainEvents();
    return this;
  }

  /** Delivers what is queued right now; true if anything moved. */
  exchange(): boolean {
    let moved = false;
    for (const [from, sender, receiver] of [
      ["client", this.client, this.server],
      ["server", this.server, this.client],
    ] as const) {
      const batch: Wire[] = [];
      for (let p = sender.pollPacket(); p !== undefined; p = sender.pollPacket()) {
        batch.push({ from, protocol: p.protocol, info: p.info, at: this.now });
      }
      for (const wire of batch) {
        moved = true;
        this.trace.push(wire);
        if (this.filter(wire)) receiver.handlePacket(wire.protocol, wire.info, this.now);
      }
    }
    this.drainEvents();
    return moved;
  }

  drainEvents(): void {
    for (let e = this.client.pollEvent(); e !== undefined; e = this.client.pollEvent())
      this.clientEvents.push(e);
    for (let e = this.server.pollEvent(); e !== undefined; e = this.server.pollEvent())
      this.serverEvents.push(e);
  }

  sent(from: "client" | "server", protocol: number, code?: number): Wire[] {
    return this.trace.filter(
      (w) => w.from === from && w.protocol === protocol && (code === undefined || w.info[0] === code),
    );
  }
}

export function eventOf<T extends PppEvent["type"]>(
  events: readonly PppEvent[],
  type: T,
): Extract<PppEvent, { type: T }> | undefined {
  return events.find((e) => e.type === type) as Extract<PppEvent, { type: T }> | undefined;
}
