import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConnectionRateLimit, DEFAULT_CONNECTION_RATE } from "../../src/relay/connection-rate-limit.js";
import { sourceKey } from "../../src/relay/source-key.js";

const A = "198.51.100.7";
const B = "203.0.113.9";

/** How many of `count` connections from `source` at `now` are let in. */
function admitted(limit: ConnectionRateLimit, source: string, now: number, count: number): number {
  let n = 0;
  for (let i = 0; i < count; i++) if (limit.admit(source, now)) n++;
  return n;
}

describe("ConnectionRateLimit", () => {
  it("lets a source open its burst at once, then refuses the rest and counts them", () => {
    const limit = new ConnectionRateLimit();
    expect(admitted(limit, A, 0, 100)).toBe(40);
    expect(limit.refused).toBe(60);
  });

  it("refills at the rate: 20 a second, one every 50 ms, never more than the burst", () => {
    const limit = new ConnectionRateLimit();
    admitted(limit, A, 0, 40);
    expect(limit.admit(A, 49)).toBe(false);
    expect(limit.admit(A, 50)).toBe(true);
    expect(limit.admit(A, 50)).toBe(false);
    expect(admitted(limit, A, 1050, 100)).toBe(20);
    // A long quiet spell gives back the burst, not more.
    expect(admitted(limit, A, 60_000, 100)).toBe(40);
  });

  it("holds a steady flood to the rate", () => {
    const limit = new ConnectionRateLimit();
    let letIn = 0;
    // 9000 connections a second for 10 s, one every 1/9 ms.
    for (let i = 0; i < 90_000; i++) if (limit.admit(A, i / 9)) letIn++;
    expect(letIn).toBeGreaterThanOrEqual(40 + 20 * 9);
    expect(letIn).toBeLessThanOrEqual(40 + 20 * 10);
  });

  it("keeps sources apart: one flooding leaves another its whole burst", () => {
    const limit = new ConnectionRateLimit();
    expect(admitted(limit, A, 0, 1000)).toBe(40);
    expect(admitted(limit, B, 0, 40)).toBe(40);
  });

  it("counts an IPv6 /64 as one source, and another /64 apart", () => {
    const limit = new ConnectionRateLimit();
    let letIn = 0;
    // One host picking a new address in its /64 for every connection.
    for (let i = 1; i <= 100; i++) if (limit.admit(sourceKey(`2001:db8:1:2::${i.toString(16)}`), 0)) letIn++;
    expect(letIn).toBe(40);
    expect(limit.admit(sourceKey("2001:db8:1:3::1"), 0)).toBe(true);
  });

  it("lets everything in and remembers nothing when the rate is 0", () => {
    const limit = new ConnectionRateLimit({ ...DEFAULT_CONNECTION_RATE, perSecond: 0 });
    expect(admitted(limit, A, 0, 10_000)).toBe(10_000);
    expect(limit.refused).toBe(0);
    expect(limit.trackedSources).toBe(0);
  });

  it("forgets sources unseen for two refill times (their buckets are full again), and keeps those seen", () => {
    const limit = new ConnectionRateLimit();
    admitted(limit, A, 0, 100);
    // 40 tokens at 20 a second: full again after 2 s.
    limit.admit(B, 2000);
    limit.admit(B, 4000);
    expect(limit.trackedSources).toBe(1);
    expect(admitted(limit, A, 4000, 100)).toBe(40);
    expect(limit.trackedSources).toBe(2);
  });

  it("stays within maxSources under a million distinct sources, and keeps a flooder limited meanwhile", () => {
    const limit = new ConnectionRateLimit();
    let letIn = 0;
    let flooderLetIn = 0;
    let most = 0;
    // A million new sources in a second, none seen twice; one flooder among them.
    for (let i = 0; i < 1_000_000; i++) {
      if (limit.admit(`10.${i >> 16}.${(i >> 8) & 0xff}.${i & 0xff}`, i / 1000)) letIn++;
      if (i % 100 === 0 && limit.admit(A, i / 1000)) flooderLetIn++;
      most = Math.max(most, limit.trackedSources);
    }
    expect(letIn).toBe(1_000_000);
    expect(most).toBeLessThanOrEqual(DEFAULT_CONNECTION_RATE.maxSources);
    // 10 000 tries in 1 s: its burst and 20 more, not a fresh burst at each of the 30 generations that went by.
    expect(flooderLetIn).toBeLessThanOrEqual(40 + 20);
    expect(limit.refused).toBe(10_000 - flooderLetIn);
  });

  it("never lets a source in more than burst + rate x time, and stays within maxSources (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 8 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 300 })), {
          maxLength: 300,
        }),
        (maxSources, events) => {
          const limits = { perSecond: 20, burst: 40 };
          const small = new ConnectionRateLimit({ ...limits, maxSources });
          // Room for all six sources in one generation: none is forgotten before its bucket is full again.
          const roomy = new ConnectionRateLimit({ ...limits, maxSources: 16 });
          const letIn = new Map<number, number>();
          let now = 0;
          for (const [source, step] of events) {
            now += step;
            small.admit(`10.0.0.${source}`, now);
            expect(small.trackedSources).toBeLessThanOrEqual(maxSources);
            if (roomy.admit(`10.0.0.${source}`, now)) letIn.set(source, (letIn.get(source) ?? 0) + 1);
          }
          for (const count of letIn.values())
            expect(count).toBeLessThanOrEqual(limits.burst + (now * limits.perSecond) / 1000);
        },
      ),
    );
  });
});
