/**
 * Linux configuration with its route watch, against a fake `ip` and a throw-away state directory: the tunnel's hooks
 * see the route lost and restored, the peer probed, and the undo still takes the restored route back out.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { configureLinuxNetwork } from "../../src/direct/configure-linux.js";
import type { NetworkChange } from "../../src/os/server-route-check.js";
import type { NetworkHooks, TunnelAddresses } from "../../src/tunnel/tunnel.js";
import { FAKE_SERVER, FakeIp } from "../os/support/fake-ip.js";

const TUNNEL: TunnelAddresses = {
  ifname: "ferry0",
  outerAddress: FAKE_SERVER,
  localAddress: "10.64.0.2",
  peerAddress: "10.64.0.1",
  dns: [],
  mtu: 1400,
};

let stateDir: string;
beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), "fy-configure-linux-"));
});
afterEach(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

/** The tunnel's side of the hooks: what it was told, how often it was asked to probe, and the watch's look-now. */
function tunnelHooks() {
  const changes: NetworkChange[] = [];
  let probes = 0;
  let checkPath: (() => void) | undefined;
  const hooks: NetworkHooks = {
    changed: (change) => changes.push(change),
    probePeer: () => probes++,
    onPathSuspect: (check) => {
      checkPath = check;
    },
  };
  return { hooks, changes, probes: () => probes, suspect: () => checkPath?.() };
}

/** Lets the watch's look-now (fire and forget) run its commands. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("configureLinuxNetwork", () => {
  it("watches the server's host route: a link that went down and came back gets it back, and undo removes it", async () => {
    const ip = new FakeIp();
    ip.routes = ip.routes.filter((route) => (route as { dst: string }).dst !== FAKE_SERVER); // before the plan adds it
    const tunnel = tunnelHooks();
    const configure = configureLinuxNetwork({ routes: "default", dns: false }, { run: ip.run, stateDir });
    const applied = await configure(TUNNEL, tunnel.hooks);
    if (!applied.ok) throw new Error(applied.error.message);
    expect(ip.calls).toContain(`ip route add ${FAKE_SERVER}/32 via 192.0.2.1 dev eth0`);

    // An LCP echo went unanswered: the tunnel asks the watch to look now.
    ip.linkDown();
    tunnel.suspect();
    await settle();
    expect(tunnel.changes.map((c) => c.change)).toEqual(["route-lost"]);

    ip.linkUp();
    tunnel.suspect();
    await settle();
    expect(tunnel.changes.at(-1)).toEqual({
      change: "route-restored",
      summary: `network changed: route to the server restored (${FAKE_SERVER} via 192.0.2.1 dev eth0)`,
    });
    expect(tunnel.probes()).toBe(1);
    expect(ip.hasServerRoute()).toBe(true);

    await applied.value();
    expect(ip.hasServerRoute()).toBe(false);
    expect(await readdir(stateDir)).toEqual([]);
    // Stopped with the undo: nothing is looked at or put back afterwards.
    const calls = ip.calls.length;
    ip.linkDown();
    ip.linkUp();
    tunnel.suspect();
    await settle();
    expect(ip.calls).toHaveLength(calls);
  });
});
