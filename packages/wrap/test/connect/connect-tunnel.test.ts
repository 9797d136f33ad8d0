import { codedError, type FerryError, type SessionStats } from "@ferry/pptp-client";
import { failed, opened, type Tunnel, type TunnelEvent, type TunnelOutcome } from "@ferry/pptp-client/tunnel";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ConnectDeps, RelayConfig } from "../../src/connect/connect-deps.js";
import { type ConnectEvent, type ConnectOptions, connect } from "../../src/connect/connect-tunnel.js";
import { describeConnectEvent } from "../../src/connect/describe-event.js";
import type { Decisions } from "../../src/detect/decision-store.js";
import type { NetworkFacts } from "../../src/detect/network-facts.js";

const RELAY: RelayConfig = {
  url: "wss://relay.example:443/ferry",
  token: "t0ken",
  trust: { kind: "system" },
};
const HOME: NetworkFacts = {
  key: "gw=192.168.1.1;net=192.168.1.0/24",
  localAddresses: ["192.168.1.20"],
  gateway: "192.168.1.1",
};
/** A hotel network, on which this computer has never been. */
const HOTEL: NetworkFacts = {
  key: "gw=172.16.8.1;net=172.16.8.0/22",
  localAddresses: ["172.16.9.77"],
  gateway: "172.16.8.1",
};
/** Link down: no default route, so no network to decide on. */
const NO_NETWORK: NetworkFacts = { key: undefined, localAddresses: [], gateway: undefined };
const CALL: TunnelEvent = { type: "call-established", callId: 7, peerCallId: 0 };
const CONNECTED: TunnelEvent = {
  type: "connected",
  localAddress: "10.200.0.100",
  peerAddress: "10.200.0.1",
  dns: [],
  mtu: 1396,
  mppe: { strength: 128, stateless: true },
  authMethod: "mschapv2",
};

const NO_TRAFFIC: SessionStats = {
  bytesIn: 0,
  bytesOut: 0,
  packetsIn: 0,
  packetsOut: 0,
  lost: 0,
  reordered: 0,
  duplicates: 0,
  dropped: 0,
  txDropped: 0,
  lastRttMs: undefined,
};

/** A tunnel the test drives: it emits what the test says and ends when told (or soon after disconnect()). */
class FakeTunnel implements Tunnel {
  readonly closed: Promise<TunnelOutcome>;
  disconnects = 0;
  /** Bytes the test says this tunnel received. */
  bytesIn = 0;
  private connected = false;
  private settle!: (outcome: TunnelOutcome) => void;

  constructor(
    readonly transport: string,
    private readonly onEvent: (event: TunnelEvent) => void,
  ) {
    this.closed = new Promise((resolve) => {
      this.settle = resolve;
    });
  }

  emit(event: TunnelEvent): void {
    if (event.type === "connected") this.connected = true;
    this.onEvent(event);
  }

  end(error?: FerryError<string>): void {
    this.settle(error === undefined ? { connected: this.connected } : { error, connected: this.connected });
  }

  disconnect(): void {
    this.disconnects++;
    queueMicrotask(() => this.end());
  }

  stats(): SessionStats {
    return { ...NO_TRAFFIC, bytesIn: this.bytesIn, packetsIn: this.disconnects };
  }
}

interface Harness {
  readonly deps: ConnectDeps;
  readonly directs: FakeTunnel[];
  readonly wraps: FakeTunnel[];
  /** What the next openDirect / openWrap calls return instead of a tunnel. */
  readonly directFailures: FerryError<string>[];
  readonly wrapFailures: FerryError<string>[];
  /** The decision memory, by file name. */
  readonly files: Map<string, Decisions>;
  /** The connect timeout of each openDirect call, in order (undefined: the tunnel's default). */
  readonly directTimeouts: (number | undefined)[];
  /** The network the computer is on; tests move it. */
  readonly network: { facts: NetworkFacts };
}

function harness(facts: NetworkFacts = HOME, routerExternal?: string): Harness {
  const directs: FakeTunnel[] = [];
  const wraps: FakeTunnel[] = [];
  const directFailures: FerryError<string>[] = [];
  const wrapFailures: FerryError<string>[] = [];
  const files = new Map<string, Decisions>();
  const network = { facts };
  const directTimeouts: (number | undefined)[] = [];
  const deps: ConnectDeps = {
    openDirect: async (options) => {
      directTimeouts.push(options.connectTimeoutMs);
      const failure = directFailures.shift();
      if (failure !== undefined) return failed(failure);
      const tunnel = new FakeTunnel("direct", options.onEvent);
      directs.push(tunnel);
      return opened(tunnel);
    },
    openWrap: async (options, relay, _server, onRelay) => {
      const failure = wrapFailures.shift();
      if (failure !== undefined) return failed(failure);
      const tunnel = new FakeTunnel("wrap", options.onEvent);
      wraps.push(tunnel);
      onRelay({
        type: "relay-connected",
        relay: relay.url,
        observedAddress: "203.0.113.7",
        sessionId: "00".repeat(8),
      });
      return opened(tunnel);
    },
    networkFacts: async () => network.facts,
    loadDecisions: async (file) => files.get(file) ?? new Map(),
    rememberDecision: async (file, key, transport, now) => {
      files.set(file, new Map([...(files.get(file) ?? []), [key, { transport, decidedAt: now }]]));
    },
    routerExternalAddress: async () => routerExternal,
    monotonic: () => Date.now(),
    wallClock: () => Date.now(),
  };
  return { deps, directs, wraps, directFailures, wrapFailures, files, network, directTimeouts };
}

const DECISIONS = "/state/transport-decisions.json";

beforeEach(() => {
  vi.useFakeTimers({ now: 1_700_000_000_000 });
});

afterEach(() => {
  vi.useRealTimers();
});

function start(h: Harness, options: Partial<ConnectOptions> = {}) {
  const events: ConnectEvent[] = [];
  const connection = connect(
    {
      server: "198.51.100.10",
      session: { userName: "u", password: "p" },
      transport: "auto",
      relay: RELAY,
      decisionsFile: DECISIONS,
      onEvent: (event) => events.push(event),
      ...options,
    },
    h.deps,
  );
  return { connection, events };
}

const settle = () => vi.advanceTimersByTimeAsync(0);
const names = (events: ConnectEvent[]) => events.map((e) => e.type);
const decided = (events: ConnectEvent[]) =>
  events.filter(
    (e): e is Extract<ConnectEvent, { type: "transport-decided" }> => e.type === "transport-decided",
  );
const remembered = (h: Harness) => h.files.get(DECISIONS)?.get(HOME.key as string);

describe("connect in auto mode", () => {
  it("stays direct when GRE comes back, says so on connected, and remembers it", async () => {
    const h = harness();
    const { connection, events } = start(h);
    await settle();
    const direct = h.directs[0]!;
    direct.emit({ type: "call-established", callId: 7, peerCallId: 0 });
    direct.emit({ type: "gre-received" });
    direct.emit(CONNECTED);
    expect(events).toContainEqual(
      expect.objectContaining({ type: "transport-decided", transport: "direct" }),
    );
    expect(events.at(-1)).toMatchObject({ type: "connected", transport: "direct" });
    expect(events.at(-1)).not.toHaveProperty("fallbackReason");
    await vi.advanceTimersByTimeAsync(10_000);
    expect(h.wraps).toHaveLength(0);
    connection.disconnect();
    expect(await connection.closed).toEqual({ connected: true, stats: expect.anything() });
    expect(remembered(h)).toMatchObject({ transport: "direct" });
  });

  it("switches to the relay 3 s after the call is up when no GRE came back: gre-timeout", async () => {
    const h = harness();
    const { connection, events } = start(h);
    await settle();
    h.directs[0]!.emit({ type: "call-established", callId: 7, peerCallId: 0 });
    await vi.advanceTimersByTimeAsync(2900);
    expect(h.wraps).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(200);
    expect(h.directs[0]!.disconnects).toBe(1);
    expect(h.wraps).toHaveLength(1);
    h.wraps[0]!.emit(CONNECTED);
    expect(events.at(-1)).toMatchObject({
      type: "connected",
      transport: "wrap",
      fallbackReason: "gre-timeout",
    });
    expect(names(events)).toContain("relay-connected");
    connection.disconnect();
    expect(await connection.closed).toEqual({ connected: true, stats: expect.anything() });
    expect(remembered(h)).toMatchObject({ transport: "wrap" });
  });

  it("shows the running tunnel's figures, and none between tunnels", async () => {
    const h = harness();
    const { connection } = start(h, { transport: "wrap" });
    expect(connection.stats()).toBeUndefined();
    await settle();
    h.wraps[0]!.emit(CONNECTED);
    expect(connection.stats()).toEqual(NO_TRAFFIC);
    h.wraps[0]!.end(codedError("RELAY_CONNECTION_LOST", "The relay connection broke.", "-"));
    await settle();
    expect(connection.stats()).toBeUndefined();
    connection.disconnect();
    await connection.closed;
  });

  it("honours a configured GRE window", async () => {
    const h = harness();
    start(h, { greTimeoutMs: 1000 });
    await settle();
    h.directs[0]!.emit({ type: "call-established", callId: 7, peerCallId: 0 });
    await vi.advanceTimersByTimeAsync(1100);
    expect(h.wraps).toHaveLength(1);
  });

  it("switches at once on ICMP unreachable for GRE", async () => {
    const h = harness();
    const { events } = start(h);
    await settle();
    h.directs[0]!.emit({ type: "call-established", callId: 7, peerCallId: 0 });
    h.directs[0]!.emit({ type: "gre-unreachable", errno: "ECONNREFUSED" });
    await settle();
    expect(h.wraps).toHaveLength(1);
    expect(events).toContainEqual(
      expect.objectContaining({ type: "transport-decided", fallbackReason: "gre-unreachable" }),
    );
  });

  it("switches when the server hangs up the call before any GRE came back (its GRE was refused)", async () => {
    const h = harness();
    const { events } = start(h);
    await settle();
    h.directs[0]!.emit({ type: "call-established", callId: 7, peerCallId: 0 });
    h.directs[0]!.end(codedError("SERVER_STOPPED", "The server closed TCP 1723.", "-"));
    await settle();
    expect(h.wraps).toHaveLength(1);
    expect(events).toContainEqual(
      expect.objectContaining({ type: "transport-decided", fallbackReason: "gre-unreachable" }),
    );
  });

  it("goes straight to the relay on a network remembered as blocking GRE", async () => {
    const h = harness();
    h.files.set(
      DECISIONS,
      new Map([[HOME.key as string, { transport: "wrap", decidedAt: Date.now() - 60_000 }]]),
    );
    const { events } = start(h);
    await settle();
    expect(h.directs).toHaveLength(0);
    h.wraps[0]!.emit(CONNECTED);
    expect(events.at(-1)).toMatchObject({ transport: "wrap", fallbackReason: "remembered" });
  });

  it("goes straight to the relay when this computer has a CGNAT address, without a direct attempt", async () => {
    const h = harness({ ...HOME, localAddresses: ["100.72.14.3"] });
    const { events } = start(h);
    await settle();
    expect(h.directs).toHaveLength(0);
    expect(h.wraps).toHaveLength(1);
    expect(events).toContainEqual(
      expect.objectContaining({ type: "transport-decided", fallbackReason: "cgnat" }),
    );
  });

  it("switches when the router reports a CGNAT external address over NAT-PMP, closing the direct attempt", async () => {
    const h = harness(HOME, "100.64.0.2");
    start(h);
    await settle();
    await settle();
    expect(h.wraps).toHaveLength(1);
    for (const direct of h.directs) expect(direct.disconnects).toBe(1);
  });

  it("uses the relay when TCP 1723 cannot be opened directly: tcp-blocked", async () => {
    const h = harness();
    h.directFailures.push(
      codedError("SERVER_UNREACHABLE", "No answer from 198.51.100.10:1723 within 3 s.", "-"),
    );
    const { events } = start(h);
    await settle();
    expect(h.wraps).toHaveLength(1);
    expect(events).toContainEqual(
      expect.objectContaining({ type: "transport-decided", fallbackReason: "tcp-blocked" }),
    );
  });

  it("ends with the direct attempt's own error when it fails for another reason", async () => {
    const h = harness();
    const { connection } = start(h);
    await settle();
    h.directs[0]!.emit({ type: "call-established", callId: 7, peerCallId: 0 });
    h.directs[0]!.emit({ type: "gre-received" });
    h.directs[0]!.end(codedError("AUTH_FAILED", "Wrong password.", "-"));
    expect((await connection.closed).error?.code).toBe("AUTH_FAILED");
    expect(h.wraps).toHaveLength(0);
  });

  it("without a relay is plain direct: no policy, nothing remembered", async () => {
    const h = harness();
    const { connection, events } = start(h, { relay: undefined });
    await settle();
    h.directs[0]!.emit({ type: "call-established", callId: 7, peerCallId: 0 });
    await vi.advanceTimersByTimeAsync(5000);
    expect(h.wraps).toHaveLength(0);
    expect(events[0]).toMatchObject({
      type: "transport-decided",
      transport: "direct",
      why: /No relay is configured/,
    });
    h.directs[0]!.end(codedError("GRE_TIMEOUT", "No GRE.", "-"));
    expect((await connection.closed).error?.code).toBe("GRE_TIMEOUT");
  });
});

const PEER_DEAD = codedError("PEER_DEAD", "No answer to 4 LCP echoes.", "-");

/** Transport `direct`: the session comes up, receives `bytesIn`, then loses its server; the reconnect wait begins. */
async function directProfileSessionThenLost(h: Harness, bytesIn = 0) {
  const started = start(h, { transport: "direct" });
  await settle();
  h.directs[0]!.emit(CONNECTED);
  h.directs[0]!.bytesIn = bytesIn;
  h.directs[0]!.end(PEER_DEAD);
  return started;
}

describe("reconnecting a direct session", () => {
  it("starts over after the server stops answering, retrying while it is down, direct again", async () => {
    const h = harness();
    const { connection, events } = await directProfileSessionThenLost(h);
    h.directFailures.push(codedError("SERVER_UNREACHABLE", "No answer from the server on TCP 1723.", "-"));
    await settle();
    expect(events.at(-1)).toMatchObject({ type: "reconnecting", attempt: 1, error: { code: "PEER_DEAD" } });
    await vi.advanceTimersByTimeAsync(1000);
    expect(events.at(-1)).toMatchObject({
      type: "reconnecting",
      attempt: 2,
      error: { code: "SERVER_UNREACHABLE" },
    });
    await vi.advanceTimersByTimeAsync(2000);
    expect(h.directs).toHaveLength(2);
    expect(h.wraps).toHaveLength(0);
    h.directs[1]!.emit(CONNECTED);
    connection.disconnect();
    expect(await connection.closed).toEqual({ connected: true, stats: expect.anything() });
  });

  it("keeps trying while a reconnect attempt fails the way a missing network does (no GRE yet)", async () => {
    const h = harness();
    const { connection, events } = await directProfileSessionThenLost(h);
    await vi.advanceTimersByTimeAsync(1000);
    h.directs[1]!.end(codedError("GRE_TIMEOUT", "No GRE came back within 10 s.", "-"));
    await settle();
    expect(events.at(-1)).toMatchObject({ type: "reconnecting", error: { code: "GRE_TIMEOUT" } });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(h.directs).toHaveLength(3);
    h.directs[2]!.emit(CONNECTED);
    connection.disconnect();
    expect(await connection.closed).toEqual({ connected: true, stats: expect.anything() });
  });

  it("ends with the final figures of the last tunnel that came up, also when an error ended it", async () => {
    const h = harness();
    const { connection } = await directProfileSessionThenLost(h, 4096);
    h.directFailures.push(codedError("AUTH_FAILED", "The server refused the password.", "-"));
    await vi.advanceTimersByTimeAsync(1000);
    const outcome = await connection.closed;
    expect(outcome.error?.code).toBe("AUTH_FAILED");
    expect(outcome.stats).toEqual({ ...NO_TRAFFIC, bytesIn: 4096 });
  });

  it("does not retry a session that never came up", async () => {
    const h = harness();
    const { connection } = start(h, { transport: "direct" });
    await settle();
    h.directs[0]!.end(codedError("PEER_DEAD", "No answer.", "-"));
    const outcome = await connection.closed;
    expect(outcome.error?.code).toBe("PEER_DEAD");
    expect(outcome).not.toHaveProperty("stats");
    expect(h.directs).toHaveLength(1);
  });
});

describe("reconnecting in auto mode", () => {
  /** Auto, GRE gets through, the session comes up direct and then loses its server. */
  async function directSessionThenLost(h: Harness) {
    const started = start(h);
    await settle();
    h.directs[0]!.emit(CALL);
    h.directs[0]!.emit({ type: "gre-received" });
    h.directs[0]!.emit(CONNECTED);
    h.directs[0]!.end(PEER_DEAD);
    await settle();
    expect(remembered(h)).toMatchObject({ transport: "direct" });
    return started;
  }

  it("switches to the relay when the network starts dropping GRE, says why, and remembers wrap instead", async () => {
    const h = harness();
    const { connection, events } = await directSessionThenLost(h);
    expect(events.at(-1)).toMatchObject({ type: "reconnecting", afterMs: 1000, attempt: 1 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.directs).toHaveLength(2);
    h.directs[1]!.emit(CALL);
    await vi.advanceTimersByTimeAsync(2900);
    expect(h.wraps).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(200);
    expect(h.directs[1]!.disconnects).toBe(1);
    expect(h.wraps).toHaveLength(1);
    const switched = decided(events).at(-1)!;
    expect(switched).toMatchObject({ transport: "wrap", fallbackReason: "gre-timeout" });
    expect(switched).not.toHaveProperty("networkChanged");
    expect(describeConnectEvent(switched)).toMatch(
      /^Switching to the relay: GRE stopped getting through on this network\. TCP 1723 reached the server but no GRE came back within 3000 ms/,
    );
    h.wraps[0]!.emit(CONNECTED);
    expect(events.at(-1)).toMatchObject({
      type: "connected",
      transport: "wrap",
      fallbackReason: "gre-timeout",
    });
    expect(remembered(h)).toMatchObject({ transport: "wrap" });
    connection.disconnect();
    expect(await connection.closed).toEqual({ connected: true, stats: expect.anything() });
  });

  it("words a network change the route watch reported as a sentence", () => {
    expect(
      describeConnectEvent({
        type: "network-changed",
        change: "route-restored",
        summary: "network changed: route to the server restored (198.51.100.10 via 203.0.113.1 dev eth0)",
      }),
    ).toBe("Network changed: route to the server restored (198.51.100.10 via 203.0.113.1 dev eth0).");
  });

  it("switches at once when a reconnect's GRE meets ICMP unreachable; the backoff goes on over the relay", async () => {
    const h = harness();
    const { events } = await directSessionThenLost(h);
    h.wrapFailures.push(codedError("RELAY_UNREACHABLE", "Nothing listens at the relay.", "-"));
    await vi.advanceTimersByTimeAsync(1000);
    h.directs[1]!.emit(CALL);
    h.directs[1]!.emit({ type: "gre-unreachable", errno: "EHOSTUNREACH" });
    await settle();
    expect(decided(events).at(-1)).toMatchObject({ transport: "wrap", fallbackReason: "gre-unreachable" });
    expect(events.at(-1)).toMatchObject({
      type: "reconnecting",
      afterMs: 2000,
      attempt: 2,
      error: { code: "RELAY_UNREACHABLE" },
    });
    await vi.advanceTimersByTimeAsync(1900);
    expect(h.wraps).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(100);
    // The next attempt goes straight to the relay: the direct path is not tried again.
    expect(h.wraps).toHaveLength(1);
    expect(h.directs).toHaveLength(2);
  });

  it("does not switch while the server is away (TCP 1723 unanswered on the same network)", async () => {
    const h = harness();
    const { connection, events } = await directSessionThenLost(h);
    const away = codedError("SERVER_UNREACHABLE", "No answer from 198.51.100.10:1723 within 3 s.", "-");
    h.directFailures.push(away, away);
    await vi.advanceTimersByTimeAsync(1000 + 2000);
    expect(events.at(-1)).toMatchObject({ type: "reconnecting", afterMs: 4000, attempt: 3 });
    await vi.advanceTimersByTimeAsync(4000);
    expect(h.directs).toHaveLength(2);
    h.directs[1]!.emit(CALL);
    h.directs[1]!.emit({ type: "gre-received" });
    h.directs[1]!.emit(CONNECTED);
    expect(h.wraps).toHaveLength(0);
    expect(decided(events).map((e) => e.transport)).toEqual(["direct", "direct"]);
    expect(remembered(h)).toMatchObject({ transport: "direct" });
    // Only the first connect gives TCP 1723 auto's short time: a resumed attempt waits as any direct one does.
    expect(h.directTimeouts).toEqual([3000, undefined, undefined, undefined]);
    connection.disconnect();
    expect(await connection.closed).toEqual({ connected: true, stats: expect.anything() });
  });

  it("keeps its transport and decides nothing while there is no network (link down)", async () => {
    const h = harness();
    const { events } = await directSessionThenLost(h);
    h.network.facts = NO_NETWORK;
    h.directFailures.push(codedError("SERVER_UNREACHABLE", "No route to 198.51.100.10.", "-"));
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.wraps).toHaveLength(0);
    expect(events.at(-1)).toMatchObject({ type: "reconnecting", attempt: 2 });
    h.network.facts = HOME;
    await vi.advanceTimersByTimeAsync(2000);
    h.directs[1]!.emit(CALL);
    h.directs[1]!.emit({ type: "gre-received" });
    h.directs[1]!.emit(CONNECTED);
    expect(decided(events).some((e) => e.networkChanged === true || e.transport === "wrap")).toBe(false);
  });

  it("keeps a wrapped session on the relay on a network where GRE would pass again: no flapping", async () => {
    const h = harness();
    h.files.set(
      DECISIONS,
      new Map([[HOME.key as string, { transport: "wrap", decidedAt: Date.now() - 60_000 }]]),
    );
    const { connection, events } = start(h);
    await settle();
    h.wraps[0]!.emit(CONNECTED);
    h.wraps[0]!.end(codedError("RELAY_CONNECTION_LOST", "The relay connection broke.", "-"));
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.wraps).toHaveLength(2);
    expect(h.directs).toHaveLength(0);
    h.wraps[1]!.emit(CONNECTED);
    expect(events.at(-1)).toMatchObject({
      type: "connected",
      transport: "wrap",
      fallbackReason: "remembered",
    });
    expect(decided(events)).toHaveLength(1);
    connection.disconnect();
    await connection.closed;
  });

  it("decides afresh on another network: straight to the relay where wrap is remembered", async () => {
    const h = harness();
    h.files.set(DECISIONS, new Map([[HOTEL.key as string, { transport: "wrap", decidedAt: Date.now() }]]));
    const { events } = await directSessionThenLost(h);
    h.network.facts = HOTEL;
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.directs).toHaveLength(1);
    expect(h.wraps).toHaveLength(1);
    const switched = decided(events).at(-1)!;
    expect(switched).toMatchObject({ transport: "wrap", fallbackReason: "remembered", networkChanged: true });
    expect(describeConnectEvent(switched)).toMatch(
      /^This computer is on another network now\. Switching to the relay: GRE did not get through/,
    );
  });

  it("decides afresh on another network: back to direct where GRE passes, remembered for that network", async () => {
    const h = harness(HOTEL);
    h.files.set(DECISIONS, new Map([[HOTEL.key as string, { transport: "wrap", decidedAt: Date.now() }]]));
    const { events } = start(h);
    await settle();
    h.wraps[0]!.emit(CONNECTED);
    h.network.facts = HOME;
    h.wraps[0]!.end(codedError("RELAY_CONNECTION_LOST", "The relay connection broke.", "-"));
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.directs).toHaveLength(1);
    h.directs[0]!.emit(CALL);
    h.directs[0]!.emit({ type: "gre-received" });
    h.directs[0]!.emit(CONNECTED);
    expect(decided(events).at(-1)).toMatchObject({ transport: "direct", networkChanged: true });
    expect(events.at(-1)).toMatchObject({ type: "connected", transport: "direct" });
    expect(events.at(-1)).not.toHaveProperty("fallbackReason");
    await settle();
    expect(remembered(h)).toMatchObject({ transport: "direct" });
    expect(h.files.get(DECISIONS)?.get(HOTEL.key as string)).toMatchObject({ transport: "wrap" });
  });

  it("switches when a direct attempt's own GRE window runs out before the policy's", async () => {
    const h = harness();
    const { events } = start(h, { greTimeoutMs: 20_000 });
    await settle();
    h.directs[0]!.emit(CALL);
    await vi.advanceTimersByTimeAsync(10_000);
    h.directs[0]!.end(codedError("GRE_TIMEOUT", "No GRE came back within 10 s.", "-"));
    await settle();
    expect(h.wraps).toHaveLength(1);
    expect(decided(events).at(-1)).toMatchObject({
      transport: "wrap",
      fallbackReason: "gre-timeout",
      why: expect.stringContaining("within 10000 ms"),
    });
  });
});

describe("reconnecting with an explicit transport", () => {
  it("direct never switches to the relay, whatever GRE does on the way back", async () => {
    const h = harness();
    const { connection, events } = await directProfileSessionThenLost(h);
    await vi.advanceTimersByTimeAsync(1000);
    h.directs[1]!.emit(CALL);
    h.directs[1]!.emit({ type: "gre-unreachable", errno: "EHOSTUNREACH" });
    await vi.advanceTimersByTimeAsync(9000);
    expect(h.wraps).toHaveLength(0);
    h.directs[1]!.end(codedError("GRE_TIMEOUT", "No GRE came back within 10 s.", "-"));
    await vi.advanceTimersByTimeAsync(2000);
    expect(h.directs).toHaveLength(3);
    expect(h.wraps).toHaveLength(0);
    expect(decided(events)).toEqual([
      expect.objectContaining({ transport: "direct", why: expect.stringMatching(/^The profile asks/) }),
    ]);
    expect(h.files.size).toBe(0);
    connection.disconnect();
    await connection.closed;
  });
});

describe("connect with the wrap transport", () => {
  it("refuses to run without a relay", async () => {
    const h = harness();
    const { connection } = start(h, { transport: "wrap", relay: undefined });
    expect((await connection.closed).error?.code).toBe("USAGE");
  });

  it("reconnects after losing the relay, waiting longer each time it is still gone", async () => {
    const h = harness();
    const { connection, events } = start(h, { transport: "wrap" });
    await settle();
    h.wraps[0]!.emit(CONNECTED);
    h.wraps[0]!.end(codedError("RELAY_CONNECTION_LOST", "The relay connection broke.", "-"));
    h.wrapFailures.push(codedError("RELAY_UNREACHABLE", "Nothing listens at the relay.", "-"));
    await settle();
    expect(events.at(-1)).toMatchObject({ type: "reconnecting", afterMs: 1000, attempt: 1 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(events.at(-1)).toMatchObject({ type: "reconnecting", afterMs: 2000, attempt: 2 });
    await vi.advanceTimersByTimeAsync(2000);
    expect(h.wraps).toHaveLength(2);
    h.wraps[1]!.emit(CONNECTED);
    connection.disconnect();
    expect(await connection.closed).toEqual({ connected: true, stats: expect.anything() });
  });

  it("hands over on goaway: ends the session, waits as asked, connects again", async () => {
    const h = harness();
    start(h, { transport: "wrap" });
    await settle();
    h.wraps[0]!.emit(CONNECTED);
    h.wraps[0]!.emit({ type: "goaway", reconnectAfterMs: 5000 });
    await settle();
    expect(h.wraps[0]!.disconnects).toBe(1);
    await vi.advanceTimersByTimeAsync(4900);
    expect(h.wraps).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(200);
    expect(h.wraps).toHaveLength(2);
  });

  it("does not retry what a retry cannot fix", async () => {
    const h = harness();
    h.wrapFailures.push(
      codedError("RELAY_AUTH_FAILED", "The relay refused this profile's relay token.", "-"),
    );
    const { connection } = start(h, { transport: "wrap" });
    expect((await connection.closed).error?.code).toBe("RELAY_AUTH_FAILED");
  });

  it("stops waiting to reconnect when the user disconnects", async () => {
    const h = harness();
    const { connection } = start(h, { transport: "wrap" });
    await settle();
    h.wraps[0]!.emit(CONNECTED);
    h.wraps[0]!.end(codedError("RELAY_CONNECTION_LOST", "The relay connection broke.", "-"));
    await settle();
    connection.disconnect();
    expect(await connection.closed).toEqual({ connected: true, stats: expect.anything() });
    expect(h.wraps).toHaveLength(1);
  });
});
