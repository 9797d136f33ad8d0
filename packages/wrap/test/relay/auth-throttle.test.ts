import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AuthThrottle, DEFAULT_AUTH_THROTTLE } from "../../src/relay/auth-throttle.js";
import { sourceKey } from "../../src/relay/source-key.js";

const A = "198.51.100.7";
const B = "203.0.113.9";

describe("AuthThrottle", () => {
  it("cools a source down for a minute after its fifth wrong token within a minute", () => {
    const throttle = new AuthThrottle();
    for (let i = 1; i <= 4; i++) {
      expect(throttle.failed(A, i * 1000)).toEqual({ count: i });
      expect(throttle.coolingDown(A, i * 1000)).toBe(false);
    }
    expect(throttle.failed(A, 5000)).toEqual({ count: 5, coolingDownUntil: 65_000 });
    expect(throttle.coolingDown(A, 5000)).toBe(true);
    expect(throttle.coolingDown(A, 64_999)).toBe(true);
    expect(throttle.coolingDown(A, 65_000)).toBe(false);
    // Another address is not affected.
    expect(throttle.coolingDown(B, 5000)).toBe(false);
  });

  it("forgets failures older than the window: slow mistakes never cool a source down", () => {
    const throttle = new AuthThrottle();
    for (let i = 0; i < 20; i++) {
      const failure = throttle.failed(A, i * 15_001);
      expect(failure.coolingDownUntil).toBeUndefined();
      expect(failure.count).toBeLessThanOrEqual(4);
    }
  });

  it("gives a source its tries again after the cool-down, then cools it down again", () => {
    const throttle = new AuthThrottle();
    for (let i = 0; i < 5; i++) throttle.failed(A, i);
    const after = 4 + DEFAULT_AUTH_THROTTLE.coolDownMs;
    expect(throttle.coolingDown(A, after)).toBe(false);
    for (let i = 0; i < 4; i++) expect(throttle.failed(A, after + i).coolingDownUntil).toBeUndefined();
    expect(throttle.failed(A, after + 4).coolingDownUntil).toBe(after + 4 + DEFAULT_AUTH_THROTTLE.coolDownMs);
  });

  it("remembers at most maxSources, forgetting the least recently failed first", () => {
    const throttle = new AuthThrottle({ ...DEFAULT_AUTH_THROTTLE, failures: 1, maxSources: 3 });
    for (const [i, source] of ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"].entries())
      throttle.failed(source, i);
    expect(throttle.trackedSources).toBe(3);
    expect(throttle.coolingDown("10.0.0.1", 10)).toBe(false);
    expect(throttle.coolingDown("10.0.0.4", 10)).toBe(true);
  });

  it("drops sources once their failures and cool-down are over", () => {
    const throttle = new AuthThrottle();
    throttle.failed(A, 0);
    throttle.failed(B, 120_000);
    expect(throttle.trackedSources).toBe(1);
  });

  it("never throws, stays bounded, and cools down only after `failures` failures in a window (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 30_000 })), {
          maxLength: 200,
        }),
        (events) => {
          const throttle = new AuthThrottle({ ...DEFAULT_AUTH_THROTTLE, maxSources: 4 });
          let now = 0;
          for (const [source, step] of events) {
            now += step;
            const address = `10.0.0.${source}`;
            if (throttle.coolingDown(address, now)) continue;
            const failure = throttle.failed(address, now);
            expect(failure.count).toBeGreaterThanOrEqual(1);
            expect(failure.count).toBeLessThanOrEqual(DEFAULT_AUTH_THROTTLE.failures);
            if (failure.coolingDownUntil !== undefined) expect(failure.count).toBe(5);
            expect(throttle.trackedSources).toBeLessThanOrEqual(4);
          }
        },
      ),
    );
  });
});

describe("sourceKey", () => {
  it("counts an IPv4 address as itself and an IPv6 address as its /64", () => {
    expect(sourceKey("198.51.100.7")).toBe("198.51.100.7");
    expect(sourceKey("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(sourceKey("2001:db8:1:2:ffff:ffff:ffff:ffff")).toBe("2001:db8:1:2::/64");
    expect(sourceKey("::1")).toBe("0:0:0:0::/64");
    expect(sourceKey("")).toBe("");
  });
});
