import { describe, expect, it } from "vitest";
import { type DfPing, interpretPing, measurePathMtu, systemPing } from "../../src/diagnose/path-mtu-probe.js";

/** A path that carries packets up to `mtu` bytes; `reports` makes it answer bigger ones with "frag needed". */
function pathOf(mtu: number, reports = false): { ping: DfPing; sizes: number[] } {
  const sizes: number[] = [];
  return {
    sizes,
    ping: async (address, size) => {
      expect(address).toBe("203.0.113.10");
      sizes.push(size);
      return size <= mtu ? { replied: true } : { replied: false, ...(reports ? { reportedMtu: mtu } : {}) };
    },
  };
}

describe("measurePathMtu", () => {
  it("a 1500-byte path costs two pings: the smallest, then 1500", async () => {
    const path = pathOf(1500);
    await expect(measurePathMtu("203.0.113.10", path.ping)).resolves.toEqual({
      outcome: "measured",
      pathMtu: 1500,
      probes: 2,
    });
    expect(path.sizes).toEqual([576, 1500]);
  });

  it.each([576, 577, 1000, 1400, 1454, 1492, 1499])("binary-searches a %i-byte path exactly", async (mtu) => {
    const path = pathOf(mtu);
    const result = await measurePathMtu("203.0.113.10", path.ping);
    expect(result).toMatchObject({ outcome: "measured", pathMtu: mtu });
    expect(path.sizes.length).toBeLessThanOrEqual(13);
  });

  it("keeps the MTU a router reported", async () => {
    const result = await measurePathMtu("203.0.113.10", pathOf(1492, true).ping);
    expect(result).toMatchObject({ pathMtu: 1492, reportedMtu: 1492 });
  });

  it("no answer to the smallest probe means ping is blocked, not a tiny path", async () => {
    const path = pathOf(100);
    await expect(measurePathMtu("203.0.113.10", path.ping)).resolves.toEqual({ outcome: "no-answer" });
    expect(path.sizes).toEqual([576]);
  });

  it("ping that cannot run is a failure with its reason", async () => {
    const broken: DfPing = async () => ({ replied: false, error: "ENOENT" });
    await expect(measurePathMtu("203.0.113.10", broken)).resolves.toEqual({
      outcome: "failed",
      error: "ENOENT",
    });
  });
});

describe("systemPing (iputils, loopback only)", () => {
  it("gets an answer from 127.0.0.1 with don't-fragment set, and loopback carries 1500", async () => {
    await expect(systemPing("127.0.0.1", 1500)).resolves.toMatchObject({ replied: true });
    await expect(measurePathMtu("127.0.0.1")).resolves.toMatchObject({ outcome: "measured", pathMtu: 1500 });
  }, 20_000);

  it("gets no reply for a packet larger than IPv4 allows", async () => {
    await expect(systemPing("127.0.0.1", 65_600)).resolves.toEqual({ replied: false });
  }, 20_000);
});

/** Outputs captured from iputils 20221126. */
describe("interpretPing", () => {
  it("reads the MTU from a local 'message too long'", () => {
    const output =
      "PING 127.0.0.1 (127.0.0.1) 1200(1228) bytes of data.\nping: local error: message too long, mtu=1000\n\n" +
      "--- 127.0.0.1 ping statistics ---\n1 packets transmitted, 0 received, +1 errors, 100% packet loss, time 0ms\n";
    expect(interpretPing(1, output)).toEqual({ replied: false, reportedMtu: 1000 });
  });

  it("reads the MTU from a router's 'Frag needed'", () => {
    const output = "From 198.51.100.1 icmp_seq=1 Frag needed and DF set (mtu = 1492)\n";
    expect(interpretPing(1, output)).toEqual({ replied: false, reportedMtu: 1492 });
  });

  it("exit 0 is an answer; exit 2 and spawn errors are failures with the reason", () => {
    expect(interpretPing(0, "64 bytes from 127.0.0.1: icmp_seq=1 ttl=64 time=0.1 ms\n")).toEqual({
      replied: true,
    });
    expect(interpretPing(2, "ping: connect: Network is unreachable\n")).toEqual({
      replied: false,
      error: "ping: connect: Network is unreachable",
    });
    expect(interpretPing("ENOENT", "")).toEqual({ replied: false, error: "ENOENT" });
  });
});
