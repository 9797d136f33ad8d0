import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONNECT_ARGS, FerryRun, inNs, labDown, labUp, SERVER_PPP, serverLog } from "./lab.js";

describe("behind one NAT with the PPTP helper", () => {
  beforeAll(() => labUp("nat-helper"));
  afterAll(labDown);

  it("carries two clients' tunnels to the same server at once", async () => {
    const one = new FerryRun("fy-client", CONNECT_ARGS);
    const two = new FerryRun("fy-client2", CONNECT_ARGS);
    try {
      const [a, b] = await Promise.all([one.waitFor("connected"), two.waitFor("connected")]);
      expect(a.localAddress).not.toBe(b.localAddress);
      await Promise.all([
        inNs("fy-client", "ping", ["-c", "5", "-i", "0.2", "-W", "3", SERVER_PPP]),
        inNs("fy-client2", "ping", ["-c", "5", "-i", "0.2", "-W", "3", SERVER_PPP]),
      ]);
    } finally {
      one.interrupt();
      two.interrupt();
    }
    expect(await one.exited).toBe(0);
    expect(await two.exited).toBe(0);
    expect((await serverLog()).match(/ferry-lab: ip-down/g)?.length).toBe(2);
  });
});
