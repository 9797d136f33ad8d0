import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { explainOverhead, PPTP_OVERHEAD_BYTES, tunnelMtuAdvice } from "../../src/diagnose/tunnel-mtu.js";

describe("tunnelMtuAdvice", () => {
  it("PPTP's overhead is 20 + 16 + 4 + 4 = 44 bytes", () => {
    expect(PPTP_OVERHEAD_BYTES).toBe(44);
    expect(explainOverhead(1500)).toContain("1500 - 44 = 1456");
  });

  it("a 1500-byte path fits 1456 but the advice stays at the guide's 1400 / MSS 1360", () => {
    expect(tunnelMtuAdvice(1500)).toEqual({
      pathMtu: 1500,
      maxTunnelMtu: 1456,
      tunnelMtu: 1400,
      mss: 1360,
      narrow: false,
    });
  });

  it("a PPPoE path (1492) still fits 1400; a 1440-byte path does not", () => {
    expect(tunnelMtuAdvice(1492)).toMatchObject({ tunnelMtu: 1400, narrow: false });
    expect(tunnelMtuAdvice(1440)).toMatchObject({ tunnelMtu: 1396, mss: 1356, narrow: true });
  });

  it("never advises more than the path carries, and the MSS is always the MTU minus 40", () => {
    fc.assert(
      fc.property(fc.integer({ min: 576, max: 9000 }), (pathMtu) => {
        const advice = tunnelMtuAdvice(pathMtu);
        expect(advice.tunnelMtu + PPTP_OVERHEAD_BYTES).toBeLessThanOrEqual(pathMtu);
        expect(advice.tunnelMtu).toBeLessThanOrEqual(1400);
        expect(advice.mss).toBe(advice.tunnelMtu - 40);
      }),
    );
  });
});
