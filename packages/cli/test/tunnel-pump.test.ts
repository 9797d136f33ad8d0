/**
 * The real tunnel pump in-process: the test server behind a socketless carrier, and a fake native addon standing in
 * for the TUN device (the same stand-ins `npm run bench:memory` runs on), so what the pump does with each packet the
 * TUN device reads can be seen without root.
 */
import { opened, openTunnel, type Tunnel, type TunnelEvent } from "@ferry/pptp-client/tunnel";
import { afterEach, describe, expect, it } from "vitest";
import { ipPacket } from "../../pptp-client/test/support/ip-packets.js";
import { installFakeNativeAddon } from "../bench/memory/fake-native.js";
import {
  InProcessServer,
  LoopCarrier,
  SERVER_PASSWORD,
  SERVER_USER,
} from "../bench/memory/in-process-server.js";

const kernel = installFakeNativeAddon();
const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

let tunnel: Tunnel | undefined;
afterEach(async () => {
  tunnel?.disconnect();
  await tunnel?.closed;
  tunnel = undefined;
});

async function connectedTunnel(server: InProcessServer): Promise<{ tunnel: Tunnel; carrier: LoopCarrier }> {
  const carrier = new LoopCarrier(server);
  let up!: () => void;
  const connected = new Promise<void>((resolve) => {
    up = resolve;
  });
  const result = await openTunnel(
    {
      session: {
        userName: SERVER_USER,
        password: SERVER_PASSWORD,
        mppe: { strengths: [128], allowStateful: false },
      },
      onEvent: (event: TunnelEvent) => event.type === "connected" && up(),
    },
    async () => opened(carrier),
  );
  if (!result.ok) throw new Error(result.error.message);
  await connected;
  return { tunnel: result.value, carrier };
}

/** `packet` readdressed to `destination`, with its IPv4 header checksum left as is (the pump does not check it). */
function to(destination: string, packet: Uint8Array): Uint8Array {
  packet.set(destination.split(".").map(Number), 16);
  return packet;
}

describe("the tunnel pump", () => {
  it("carries what the TUN device reads to the server", async () => {
    const server = new InProcessServer({ stateless: true, echoIntervalMs: 30_000, seed: 1 });
    ({ tunnel } = await connectedTunnel(server));
    kernel.readFromTun([ipPacket(1), ipPacket(2)]);
    await turns(3);
    expect(server.received).toBe(2);
    expect(tunnel.stats()).toMatchObject({ packetsOut: 2, txDropped: 0 });
  });

  it("drops the carrier's own packets routed into the tunnel (the route to the server gone with the link)", async () => {
    const server = new InProcessServer({ stateless: true, echoIntervalMs: 30_000, seed: 2 });
    const setup = await connectedTunnel(server);
    tunnel = setup.tunnel;
    const outer = setup.carrier.outerAddress;
    kernel.readFromTun([to(outer, ipPacket(1)), ipPacket(2), to(outer, ipPacket(3))]);
    await turns(3);
    expect(server.received).toBe(1);
    expect(tunnel.stats()).toMatchObject({ packetsOut: 1, txDropped: 2 });
  });
});
