import { afterAll, beforeAll, expect, it } from "vitest";
import type { ChildLines } from "./support/child-lines.js";
import { describeInLab, NetnsLab } from "./support/netns-lab.js";

const TUN_NAME = "fy0";

describeInLab("TunDevice in a network namespace", ["ip", "ping"], () => {
  const lab = new NetnsLab("tun");
  let host = "";
  let responder: ChildLines;

  beforeAll(async () => {
    host = lab.namespace("host");
    // The device is 10.0.0.1/24; 10.0.0.2 exists only as the fixture's crafted echo replies.
    responder = lab.fixture(host, "tun-responder", [TUN_NAME, "10.0.0.1/24", "10.0.0.2"]);
    await responder.next("ready", 20_000);
  }, 30_000);

  afterAll(() => lab.dispose(), 20_000);

  it("hands a ping's echo request to JS, and the echo reply written back reaches ping", () => {
    expect(lab.status(host, ["ping", "-c1", "-W2", "10.0.0.2"])).toBe(0);
  });

  it("delivers a flood packet by packet, each in its own buffer that later batches never overwrite", async () => {
    expect(lab.status(host, ["ping", "-q", "-f", "-c", "500", "-w", "10", "10.0.0.2"], 15_000)).toBe(0);
    responder.send("stats");
    const report = await responder.next("stats");
    expect(report["echoRequests"]).toBeGreaterThanOrEqual(501);
    expect(report["intact"]).toBe(true);
    expect(report["stats"]).toMatchObject({ truncated: 0, readErrors: 0, dropped: 0 });
  }, 20_000);

  it("writes a batch of 64 packets in one call, all delivered by the kernel to a local socket", async () => {
    responder.send("burst 64");
    const report = await responder.next("burst");
    expect(report).toMatchObject({ sent: 64, received: 64 });
  });

  it("removes the interface when closed", async () => {
    expect(await responder.finish()).toBe(0);
    expect(lab.status(host, ["ip", "link", "show", TUN_NAME])).not.toBe(0);
  });
});
