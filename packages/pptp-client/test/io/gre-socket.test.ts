import { afterAll, beforeAll, expect, it } from "vitest";
import { toHex } from "../../src/util/bytes.js";
import { grePayload } from "./support/gre-payloads.js";
import { describeInLab, NetnsLab } from "./support/netns-lab.js";

const FROM_CLIENT = 200;
const FROM_STRANGER = 50;

/**
 * Three namespaces: "srv" runs a GreSocket that echoes what it receives from "cli" (198.51.100.2); "oth"
 * (203.0.113.2) also sends GRE to srv, which must never reach srv's handler.
 */
describeInLab("GreSocket between namespaces", ["ip"], () => {
  const lab = new NetnsLab("gre");
  let server = "";
  let client = "";
  let stranger = "";

  beforeAll(() => {
    server = lab.namespace("srv");
    client = lab.namespace("cli");
    stranger = lab.namespace("oth");
    lab.link(server, "198.51.100.1/24", client, "198.51.100.2/24");
    lab.link(server, "203.0.113.1/24", stranger, "203.0.113.2/24");
  });

  afterAll(() => lab.dispose(), 20_000);

  async function exchange(echoMode: "connect" | "unconnected"): Promise<Record<string, unknown>> {
    const echo = lab.fixture(server, "gre-peer", ["echo", "198.51.100.2", echoMode]);
    await echo.next("ready", 20_000);
    const [fromClient, fromStranger] = await Promise.all([
      lab
        .fixture(client, "gre-peer", ["send", "198.51.100.1", `${FROM_CLIENT}`, "5000"])
        .next("result", 20_000),
      lab
        .fixture(stranger, "gre-peer", ["send", "203.0.113.1", `${FROM_STRANGER}`, "1000"])
        .next("result", 20_000),
    ]);
    echo.send("stats");
    const echoStats = (await echo.next("stats"))["stats"] as Record<string, number>;
    expect(await echo.finish()).toBe(0);

    const expected = Array.from({ length: FROM_CLIENT }, (_, i) => toHex(grePayload(i)));
    expect(fromClient["received"]).toEqual(expected);
    expect(fromStranger["received"]).toEqual([]);
    expect(echoStats).toMatchObject({ received: FROM_CLIENT, sent: FROM_CLIENT, dropped: 0, truncated: 0 });
    return echoStats;
  }

  it("connected: the server's packets arrive byte for byte without their IPv4 header, in order", async () => {
    const stats = await exchange("connect");
    // The kernel filtered the stranger before the socket saw it.
    expect(stats["ignored"]).toBe(0);
  }, 40_000);

  it("unconnected: the addon itself drops GRE from any other source", async () => {
    const stats = await exchange("unconnected");
    expect(stats["ignored"]).toBeGreaterThanOrEqual(FROM_STRANGER);
  }, 40_000);
});
