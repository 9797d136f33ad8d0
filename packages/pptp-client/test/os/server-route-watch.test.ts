/** The route watch's I/O half against a fake `ip`: what it runs, reports and asks for. Nothing touches the host. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { serverRouteChange } from "../../src/os/plan-tunnel-config.js";
import type { NetworkChange, PlannedServerRoute } from "../../src/os/server-route-check.js";
import { ROUTE_WATCH_INTERVAL_MS, ServerRouteWatch } from "../../src/os/server-route-watch.js";
import { FAKE_SERVER, FakeIp } from "./support/fake-ip.js";

const PLANNED: PlannedServerRoute = { server: FAKE_SERVER, gateway: "192.0.2.1", dev: "eth0" };
function watch(ip: FakeIp, intervalMs = 60_000) {
  const changes: NetworkChange["change"][] = [];
  let probes = 0;
  const started = ServerRouteWatch.start({
    planned: PLANNED,
    run: ip.run,
    intervalMs,
    changed: (change) => changes.push(change.change),
    probePeer: () => probes++,
  });
  if (started === undefined) throw new Error("no watch");
  return { watch: started, changes, probes: () => probes };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("ServerRouteWatch", () => {
  it("reads the routes and the link, and does nothing while the route is in place", async () => {
    const ip = new FakeIp();
    const w = watch(ip);
    await w.watch.check();
    expect(ip.calls.sort()).toEqual(["ip -j -4 route show table main", "ip -j link show dev eth0"]);
    expect(w.changes).toEqual([]);
    await w.watch.stop();
  });

  it("link down, then up: reports the loss, re-adds the planned route with the plan's own command, probes the peer", async () => {
    const ip = new FakeIp();
    const w = watch(ip);
    ip.linkDown();
    await w.watch.check();
    await w.watch.check();
    expect(w.changes).toEqual(["route-lost"]);
    expect(ip.adds()).toEqual([]);
    ip.linkUp();
    await w.watch.check();
    const planned = serverRouteChange(PLANNED.server, PLANNED);
    // Exactly what the plan ran (and the state file records), so its undo (`ip route del ...`) still fits.
    expect(planned?.apply).toEqual({ kind: "run", argv: ip.adds()[0]!.split(" ") });
    expect(planned?.undo).toEqual({
      kind: "run",
      argv: ["ip", "route", "del", "203.0.113.10/32", "via", "192.0.2.1", "dev", "eth0"],
    });
    expect(w.changes).toEqual(["route-lost", "route-restored"]);
    expect(w.probes()).toBe(1);
    await w.watch.check();
    expect(ip.adds()).toHaveLength(1);
    expect(w.changes).toHaveLength(2);
    await w.watch.stop();
  });

  it("counts a route somebody put back first (File exists) as restored", async () => {
    const ip = new FakeIp();
    const w = watch(ip);
    ip.linkDown();
    await w.watch.check();
    ip.linkUp();
    ip.addFails = "RTNETLINK answers: File exists";
    await w.watch.check();
    expect(w.changes).toEqual(["route-lost", "route-restored"]);
    expect(w.probes()).toBe(1);
    await w.watch.stop();
  });

  it("reports a failing restore once and tries again at each check", async () => {
    const ip = new FakeIp();
    const w = watch(ip);
    ip.linkDown();
    await w.watch.check();
    ip.linkUp();
    ip.addFails = "RTNETLINK answers: Operation not permitted";
    await w.watch.check();
    await w.watch.check();
    expect(ip.adds()).toHaveLength(2);
    expect(w.changes).toEqual(["route-lost", "route-restore-failed"]);
    expect(w.probes()).toBe(0);
    await w.watch.stop();
  });

  it("checks every 2 s by itself", async () => {
    vi.useFakeTimers();
    const ip = new FakeIp();
    const w = watch(ip, ROUTE_WATCH_INTERVAL_MS);
    ip.linkDown();
    await vi.advanceTimersByTimeAsync(ROUTE_WATCH_INTERVAL_MS - 1);
    expect(ip.calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(w.changes).toEqual(["route-lost"]);
    ip.linkUp();
    await vi.advanceTimersByTimeAsync(ROUTE_WATCH_INTERVAL_MS);
    expect(w.changes).toEqual(["route-lost", "route-restored"]);
    await w.watch.stop();
    const calls = ip.calls.length;
    await vi.advanceTimersByTimeAsync(10 * ROUTE_WATCH_INTERVAL_MS);
    expect(ip.calls).toHaveLength(calls);
  });

  it("runs one more check when asked during one, not one per request", async () => {
    const ip = new FakeIp();
    const w = watch(ip);
    let open!: () => void;
    ip.gate = new Promise((resolve) => {
      open = resolve;
    });
    const first = w.watch.check();
    const second = w.watch.check();
    const third = w.watch.check();
    ip.gate = undefined;
    open();
    await Promise.all([first, second, third]);
    expect(ip.calls.filter((call) => call.includes("route show"))).toHaveLength(2);
    await w.watch.stop();
  });

  it("adds nothing once stopped, even when stopped in the middle of a check (the undo comes next)", async () => {
    const ip = new FakeIp();
    const w = watch(ip);
    ip.linkDown();
    await w.watch.check();
    ip.linkUp();
    let open!: () => void;
    ip.gate = new Promise((resolve) => {
      open = resolve;
    });
    const checking = w.watch.check();
    const stopping = w.watch.stop();
    open();
    await Promise.all([checking, stopping]);
    await w.watch.check();
    expect(ip.adds()).toEqual([]);
    expect(w.changes).toEqual(["route-lost"]);
  });

  it("has nothing to watch for a server reached through loopback", () => {
    const ip = new FakeIp();
    const started = ServerRouteWatch.start({
      planned: { server: "127.0.0.1", dev: "lo" },
      run: ip.run,
      changed: () => {},
      probePeer: () => {},
    });
    expect(started).toBeUndefined();
  });
});
