import type { SessionStats } from "@ferry/pptp-client";
import type { TunnelOutcome } from "@ferry/pptp-client/tunnel";
import type { ConnectOptions } from "@ferry/wrap";
import type { ConnectProfile } from "../../src/profiles/profile-source.js";
import type { Scheduler } from "../../src/tunnel/scheduler.js";
import type { ConnectFn, ManagedConnection } from "../../src/tunnel/tunnel-manager.js";

export const PROFILE: ConnectProfile = {
  id: "work",
  server: "vpn.example",
  userName: "alice",
  transport: "auto",
  relay: { url: "wss://relay.example/ferry", trust: { kind: "system" } },
  mppe: { strength: "128", stateful: false },
  mtu: 1400,
  routes: ["10.1.0.0/16"],
  dns: true,
};

/** Timers that run only when the test moves the clock. */
export class ManualScheduler implements Scheduler {
  private time = 0;
  private timers: { at: number; every?: number; fn: () => void; live: boolean }[] = [];

  now(): number {
    return this.time;
  }

  wallClock(): number {
    return 1_700_000_000_000 + this.time;
  }

  after(ms: number, fn: () => void): () => void {
    const timer = { at: this.time + ms, fn, live: true };
    this.timers.push(timer);
    return () => {
      timer.live = false;
    };
  }

  every(ms: number, fn: () => void): () => void {
    const timer = { at: this.time + ms, every: ms, fn, live: true };
    this.timers.push(timer);
    return () => {
      timer.live = false;
    };
  }

  /** Moves the clock, running each timer that falls due on the way, in order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.live && t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      this.time = due.at;
      if (due.every === undefined) due.live = false;
      else due.at += due.every;
      due.fn();
    }
    this.time = end;
  }

  get pending(): number {
    return this.timers.filter((t) => t.live).length;
  }
}

export class FakeConnection implements ManagedConnection {
  readonly closed: Promise<TunnelOutcome>;
  current: SessionStats | undefined;
  disconnects = 0;
  private settle!: (outcome: TunnelOutcome) => void;

  constructor(readonly options: ConnectOptions) {
    this.closed = new Promise((resolve) => {
      this.settle = resolve;
    });
  }

  disconnect(): void {
    this.disconnects++;
  }

  stats(): SessionStats | undefined {
    return this.current;
  }

  end(outcome: TunnelOutcome): void {
    this.settle(outcome);
  }
}

export function fakeConnect(): { connect: ConnectFn; connections: FakeConnection[] } {
  const connections: FakeConnection[] = [];
  return {
    connections,
    connect: (options) => {
      const connection = new FakeConnection(options);
      connections.push(connection);
      return connection;
    },
  };
}

/** Lets promise callbacks (a connection's `closed`) run. */
export const settle = () => new Promise((resolve) => setImmediate(resolve));
