import { formatIpv4 } from "@ferry/pptp-client/wire";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cgnatEvidence, isCgnatAddress } from "../../src/detect/cgnat.js";

describe("isCgnatAddress", () => {
  it("accepts exactly 100.64.0.0 to 100.127.255.255 (RFC 6598)", () => {
    expect(isCgnatAddress("100.63.255.255")).toBe(false);
    expect(isCgnatAddress("100.64.0.0")).toBe(true);
    expect(isCgnatAddress("100.100.7.9")).toBe(true);
    expect(isCgnatAddress("100.127.255.255")).toBe(true);
    expect(isCgnatAddress("100.128.0.0")).toBe(false);
    expect(isCgnatAddress("10.0.0.1")).toBe(false);
    expect(isCgnatAddress("192.168.1.10")).toBe(false);
  });

  it("says no to anything that is not a dotted quad", () => {
    for (const text of [
      "",
      "100.64.0",
      "100.64.0.0/10",
      "100.64.0.256",
      "::ffff:100.64.0.1",
      "100.64.0.1 ",
    ]) {
      expect(isCgnatAddress(text)).toBe(false);
    }
  });

  it("agrees with the numeric range for every address", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (value) => {
        expect(isCgnatAddress(formatIpv4(value))).toBe(value >= 0x64400000 && value <= 0x647fffff);
      }),
    );
  });
});

describe("cgnatEvidence", () => {
  it("names a shared-space address on this computer", () => {
    const evidence = cgnatEvidence({ localAddresses: ["127.0.0.1", "100.72.14.3"] });
    expect(evidence.cgnat).toBe(true);
    expect(evidence.why).toContain("This computer's address 100.72.14.3 is in 100.64.0.0/10");
  });

  it("names a shared-space external address reported by the router", () => {
    const evidence = cgnatEvidence({ localAddresses: ["192.168.1.23"], routerExternalAddress: "100.64.0.9" });
    expect(evidence).toMatchObject({ cgnat: true });
    expect(evidence.why).toContain("router's external address 100.64.0.9");
  });

  it("names a shared-space hop on the path", () => {
    const evidence = cgnatEvidence({
      localAddresses: ["192.168.1.23"],
      pathAddresses: ["192.168.1.1", "100.65.0.1", "203.0.113.1"],
    });
    expect(evidence.cgnat).toBe(true);
    expect(evidence.why).toContain("The router 100.65.0.1 on the path");
  });

  it("names a relay-observed address that differs from the router's external one", () => {
    const evidence = cgnatEvidence({
      localAddresses: ["192.168.1.23"],
      relayObservedAddress: "198.51.100.77",
      routerExternalAddress: "10.20.0.5",
    });
    expect(evidence.cgnat).toBe(true);
    expect(evidence.why).toContain("relay sees this computer as 198.51.100.77");
    expect(evidence.why).toContain("router's external address is 10.20.0.5");
  });

  it("finds nothing when the relay sees the router's external address", () => {
    const evidence = cgnatEvidence({
      localAddresses: ["192.168.1.23"],
      pathAddresses: ["192.168.1.1", "203.0.113.1"],
      relayObservedAddress: "198.51.100.77",
      routerExternalAddress: "198.51.100.77",
    });
    expect(evidence).toEqual({
      cgnat: false,
      why: "No address on this computer or its path is in 100.64.0.0/10, and the relay sees the router's external address.",
    });
  });

  it("says what it could not check when the router or the relay stayed silent", () => {
    const noRouter = cgnatEvidence({
      localAddresses: ["192.168.1.23"],
      relayObservedAddress: "198.51.100.77",
    });
    expect(noRouter.cgnat).toBe(false);
    expect(noRouter.why).toContain("the router did not report its external address");
    const noRelay = cgnatEvidence({
      localAddresses: ["192.168.1.23"],
      routerExternalAddress: "198.51.100.77",
    });
    expect(noRelay.why).toContain("the relay did not report the address it sees");
    const neither = cgnatEvidence({ localAddresses: [] });
    expect(neither.why).toContain("neither the relay nor the router");
  });

  it("does not compare an IPv6 or empty relay-observed address with an IPv4 one", () => {
    for (const relayObservedAddress of ["2001:db8::1", ""]) {
      const evidence = cgnatEvidence({
        localAddresses: ["192.168.1.23"],
        relayObservedAddress,
        routerExternalAddress: "198.51.100.77",
      });
      expect(evidence.cgnat).toBe(false);
    }
  });

  it("never throws on arbitrary strings", () => {
    fc.assert(
      fc.property(
        fc.array(fc.string()),
        fc.option(fc.array(fc.string()), { nil: undefined }),
        fc.option(fc.string(), { nil: undefined }),
        fc.option(fc.string(), { nil: undefined }),
        (localAddresses, pathAddresses, relayObservedAddress, routerExternalAddress) => {
          const evidence = cgnatEvidence({
            localAddresses,
            pathAddresses,
            relayObservedAddress,
            routerExternalAddress,
          });
          expect(evidence.why.length).toBeGreaterThan(0);
        },
      ),
    );
  });
});
