import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HandshakeGate, type HandshakeLimits } from "../../src/relay/handshake-gate.js";
import { newRelayCounters } from "../../src/relay/relay-counters.js";

const LIMITS: HandshakeLimits = {
  connecting: 4,
  connectingPerSource: 2,
  awaitingHello: 3,
  awaitingHelloPerSource: 2,
  tlsTimeoutMs: 1000,
  upgradeTimeoutMs: 500,
};

function gate(limits: HandshakeLimits = LIMITS) {
  const counters = newRelayCounters();
  return { gate: new HandshakeGate<string>(limits, counters.handshakesCut), cuts: counters.handshakesCut };
}

describe("HandshakeGate", () => {
  it("cuts a connection that never finishes TLS, and one that never upgrades, at their deadlines", () => {
    const { gate: g, cuts } = gate();
    expect(g.accepted("silent", "10.0.0.1", 0)).toEqual({ admitted: true, evict: [] });
    expect(g.accepted("slow-http", "10.0.0.2", 100)).toEqual({ admitted: true, evict: [] });
    g.secured("slow-http", 200);
    expect(g.pending()).toEqual({ tls: 1, http: 1, hello: 0 });
    expect(g.nextTimeout()).toBe(700);
    expect(g.handleTimeout(699)).toEqual([]);
    expect(g.handleTimeout(700)).toEqual(["slow-http"]);
    expect(g.nextTimeout()).toBe(1000);
    expect(g.handleTimeout(1000)).toEqual(["silent"]);
    expect(g.nextTimeout()).toBeUndefined();
    expect(cuts).toMatchObject({ tls_timeout: 1, upgrade_timeout: 1 });
    expect(g.pending()).toEqual({ tls: 0, http: 0, hello: 0 });
  });

  it("has no deadline for a WebSocket awaiting hello (the session has one), and forgets it after hello", () => {
    const { gate: g } = gate();
    g.accepted("ws", "10.0.0.1", 0);
    g.secured("ws", 10);
    expect(g.upgraded("ws", 20)).toEqual({ admitted: true, evict: [] });
    expect(g.nextTimeout()).toBeUndefined();
    expect(g.pending()).toEqual({ tls: 0, http: 0, hello: 1 });
    g.closed("ws");
    g.closed("ws");
    expect(g.tracks("ws")).toBe(false);
    expect(g.pending()).toEqual({ tls: 0, http: 0, hello: 0 });
  });

  it("refuses a source at its limit of unfinished connections and lets other sources in", () => {
    const { gate: g, cuts } = gate();
    g.accepted("a1", "10.0.0.1", 0);
    g.accepted("a2", "10.0.0.1", 0);
    expect(g.accepted("a3", "10.0.0.1", 0)).toEqual({ admitted: false });
    expect(g.accepted("b1", "10.0.0.2", 0)).toEqual({ admitted: true, evict: [] });
    expect(cuts.source_limit).toBe(1);
    // Room again once one is gone.
    g.closed("a1");
    expect(g.accepted("a4", "10.0.0.1", 0).admitted).toBe(true);
  });

  it("when full, evicts the unfinished connection nearest its deadline to let a new one in", () => {
    const { gate: g, cuts } = gate();
    g.accepted("c1", "10.0.0.1", 0); // TLS deadline 1000
    g.accepted("c2", "10.0.0.2", 100); // secured at 150: upgrade deadline 650
    g.secured("c2", 150);
    g.accepted("c3", "10.0.0.3", 200);
    g.accepted("c4", "10.0.0.4", 300);
    expect(g.accepted("c5", "10.0.0.5", 400)).toEqual({ admitted: true, evict: ["c2"] });
    expect(g.accepted("c6", "10.0.0.6", 400)).toEqual({ admitted: true, evict: ["c1"] });
    expect(cuts.evicted).toBe(2);
    expect(g.tracks("c2")).toBe(false);
    expect(g.pending().tls + g.pending().http).toBe(4);
  });

  it("limits WebSockets awaiting hello per source (refused) and in all (the oldest is shed)", () => {
    const { gate: g, cuts } = gate();
    const upgrade = (key: string, source: string, now: number) => {
      g.accepted(key, source, now);
      g.secured(key, now);
      return g.upgraded(key, now);
    };
    expect(upgrade("a1", "10.0.0.1", 0).admitted).toBe(true);
    expect(upgrade("a2", "10.0.0.1", 1).admitted).toBe(true);
    expect(upgrade("a3", "10.0.0.1", 2)).toEqual({ admitted: false });
    expect(cuts.hello_source_limit).toBe(1);
    expect(g.tracks("a3")).toBe(false);
    expect(upgrade("b1", "10.0.0.2", 3).admitted).toBe(true);
    expect(upgrade("c1", "10.0.0.3", 4)).toEqual({ admitted: true, evict: ["a1"] });
    expect(cuts.hello_evicted).toBe(1);
    expect(g.pending().hello).toBe(3);
  });

  it("ignores events for connections it does not track", () => {
    const { gate: g } = gate();
    g.secured("nobody", 0);
    g.failed("nobody");
    g.closed("nobody");
    expect(g.upgraded("nobody", 0)).toEqual({ admitted: false });
    g.accepted("x", "10.0.0.1", 0);
    g.failed("x");
    expect(g.tracks("x")).toBe(false);
  });

  it("never throws and never holds more than its limits, whatever happens in whatever order (property)", () => {
    const event = fc.tuple(
      fc.constantFrom("accept", "secure", "upgrade", "fail", "close", "time"),
      fc.integer({ min: 0, max: 7 }),
      fc.integer({ min: 0, max: 3 }),
      fc.integer({ min: 0, max: 400 }),
    );
    fc.assert(
      fc.property(fc.array(event, { maxLength: 300 }), (events) => {
        const { gate: g } = gate();
        let now = 0;
        for (const [kind, connection, source, step] of events) {
          now += step;
          const key = `k${connection}`;
          if (kind === "accept") g.accepted(key, `10.0.0.${source}`, now);
          else if (kind === "secure") g.secured(key, now);
          else if (kind === "upgrade") g.upgraded(key, now);
          else if (kind === "fail") g.failed(key);
          else if (kind === "close") g.closed(key);
          else for (const expired of g.handleTimeout(now)) expect(g.tracks(expired)).toBe(false);
          const pending = g.pending();
          expect(pending.tls + pending.http).toBeLessThanOrEqual(LIMITS.connecting);
          expect(pending.hello).toBeLessThanOrEqual(LIMITS.awaitingHello);
          const next = g.nextTimeout();
          if (next !== undefined) expect(next).toBeGreaterThanOrEqual(0);
        }
      }),
    );
  });
});
