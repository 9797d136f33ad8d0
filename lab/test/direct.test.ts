import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CONNECT_ARGS,
  echoThroughTunnel,
  FerryRun,
  inNs,
  labDown,
  labUp,
  SERVER,
  SERVER_PPP,
  serverLog,
  sha256,
  snapshot,
  type Topology,
} from "./lab.js";

describe.each<Topology>(["public", "nat-helper"])("ferry connect to Debian's pptpd (%s)", (topology) => {
  let before: string;
  beforeAll(async () => {
    await labUp(topology);
    before = await snapshot("fy-client");
  });
  afterAll(labDown);

  it("comes up with MPPE-128, passes ping, 1400-byte pings and a checksummed 20 MB transfer, and ends cleanly", async () => {
    const ferry = new FerryRun("fy-client", CONNECT_ARGS);
    let interrupted = 0;
    try {
      const connected = await ferry.waitFor("connected");
      expect(connected).toMatchObject({
        transport: "direct",
        peerAddress: SERVER_PPP,
        mppe: "128-stateless",
      });
      await inNs("fy-client", "ping", ["-c", "3", "-W", "3", SERVER_PPP]);
      // Full-size packets with don't-fragment (20 IP + 8 ICMP + payload = the MTU): they must fit as negotiated.
      const mtu = connected.mtu as number;
      await inNs("fy-client", "ping", ["-c", "2", "-W", "3", "-M", "do", "-s", String(mtu - 28), SERVER_PPP]);
      // And 1400-byte pings as the seed article's MTU advice would send them: fragmented to fit, then reassembled.
      await inNs("fy-client", "ping", ["-c", "2", "-W", "3", "-s", "1372", SERVER_PPP]);
      const payload = randomBytes(20 * 1024 * 1024);
      const echoed = await echoThroughTunnel("fy-client", payload);
      expect(echoed.length).toBe(payload.length);
      expect(sha256(echoed)).toBe(sha256(payload));
    } finally {
      interrupted = Date.now();
      ferry.interrupt();
    }
    expect(await ferry.exited).toBe(0);
    // Ctrl-C to a finished process with everything put back, within 2 s.
    expect(Date.now() - interrupted).toBeLessThan(2_000);
    expect(ferry.events.at(-1)).toEqual({ event: "disconnected", reason: "user" });
    expect(await serverLog()).toMatch(/ferry-lab: ip-down/);
    expect(await snapshot("fy-client")).toBe(before);
  });

  it("reports AUTH_FAILED for a wrong password within 10 s and leaves nothing behind", async () => {
    const started = Date.now();
    const ferry = new FerryRun("fy-client", ["--server", SERVER, "--user", "ferry"], "not-the-password");
    const error = await ferry.waitFor("error", 15_000);
    expect(error).toMatchObject({ code: "AUTH_FAILED" });
    expect(await ferry.exited).toBe(1);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(JSON.stringify(ferry.events)).not.toContain("not-the-password");
    expect(await snapshot("fy-client")).toBe(before);
  });
});
