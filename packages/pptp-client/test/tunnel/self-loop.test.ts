import { describe, expect, it } from "vitest";
import { SelfLoopGuard } from "../../src/tunnel/self-loop.js";

/** An IPv4 header (protocol GRE) from 10.0.0.2 to `destination`, with `extra` bytes of payload. */
function ipv4To(destination: readonly number[], extra = 8): Uint8Array {
  const packet = new Uint8Array(20 + extra);
  packet.set([0x45, 0, 0, 20 + extra, 0, 0, 0x40, 0, 64, 47, 0, 0, 10, 0, 0, 2, ...destination]);
  return packet;
}

describe("SelfLoopGuard", () => {
  const guard = new SelfLoopGuard("203.0.113.2");

  it("tells a packet to the carrier's outer address", () => {
    expect(guard.loops(ipv4To([203, 0, 113, 2]))).toBe(true);
    expect(guard.loops(ipv4To([203, 0, 113, 2], 0))).toBe(true);
  });

  it("lets every other packet through", () => {
    expect(guard.loops(ipv4To([203, 0, 113, 3]))).toBe(false);
    expect(guard.loops(ipv4To([2, 113, 0, 203]))).toBe(false);
    expect(guard.loops(ipv4To([10, 0, 0, 1]))).toBe(false);
  });

  it("looks only at whole IPv4 headers", () => {
    const ipv6 = ipv4To([203, 0, 113, 2], 40);
    ipv6[0] = 0x60;
    expect(guard.loops(ipv6)).toBe(false);
    expect(guard.loops(ipv4To([203, 0, 113, 2]).subarray(0, 19))).toBe(false);
    expect(guard.loops(new Uint8Array(0))).toBe(false);
  });

  it("guards nothing when the outer address is not IPv4", () => {
    for (const outer of ["2001:db8::1", "relay.example", "", "203.0.113.256"]) {
      expect(new SelfLoopGuard(outer).loops(ipv4To([203, 0, 113, 2]))).toBe(false);
    }
  });
});
