import { codedError } from "@ferry/pptp-client";
import { describe, expect, it } from "vitest";
import type { Health } from "../../src/api/protocol.js";
import type { ConnectProfile } from "../../src/profiles/profile-source.js";
import type { LogLine } from "../../src/tunnel/log-ring.js";
import { TunnelManager } from "../../src/tunnel/tunnel-manager.js";
import { CONNECTED_DIRECT, PEER_DEAD, RELAY_CONNECTED, stats } from "./events.js";
import { type FakeConnection, fakeConnect, ManualScheduler, PROFILE, settle } from "./fakes.js";

const SECRETS = { password: "Sup3r-Secret-Pa55", relayToken: "tok-9f8e7d6c5b4a" };

function setup() {
  const scheduler = new ManualScheduler();
  const fake = fakeConnect();
  const healths: Health[] = [];
  const logs: LogLine[] = [];
  const manager = new TunnelManager({
    connect: fake.connect,
    configureFor: () => async () => ({ ok: true, value: async () => {} }),
    decisionsFile: "/tmp/fy-decisions.json",
    scheduler,
    onHealth: (h) => healths.push(h),
    onLog: (l) => logs.push(l),
  });
  return { scheduler, manager, healths, logs, connections: fake.connections };
}

/**
 * Connects `profile`, brings the tunnel up with a first sample, and returns how to make it send for some seconds
 * with nothing coming back (one sample a second).
 */
async function upThenUnanswered(profile: ConnectProfile) {
  const parts = setup();
  await parts.manager.connect(profile, SECRETS);
  const first: FakeConnection = parts.connections[0]!;
  first.options.onEvent(CONNECTED_DIRECT);
  let sent = 1000;
  first.current = stats(1000, sent);
  parts.scheduler.advance(1000);
  const sendUnanswered = (seconds: number) => {
    for (let t = 0; t < seconds; t++) {
      sent += 100;
      first.current = stats(1000, sent);
      parts.scheduler.advance(1000);
    }
  };
  return { ...parts, first, sendUnanswered };
}

describe("TunnelManager", () => {
  it("builds the connect options from the profile and the secrets", async () => {
    const { manager, connections } = setup();
    expect(await manager.connect(PROFILE, SECRETS)).toMatchObject({ state: "connecting", profileId: "work" });
    const options = connections[0]!.options;
    expect(options).toMatchObject({
      server: "vpn.example",
      transport: "auto",
      session: {
        userName: "alice",
        password: SECRETS.password,
        mtu: 1400,
        mppe: { required: true, strengths: [128] },
      },
      relay: { url: "wss://relay.example/ferry", token: SECRETS.relayToken, trust: { kind: "system" } },
      decisionsFile: "/tmp/fy-decisions.json",
    });
    expect(options.configure).toBeTypeOf("function");
  });

  it("follows the tunnel's events into health and plain-word log lines", async () => {
    const { manager, connections, healths, logs } = setup();
    await manager.connect(PROFILE, SECRETS);
    const { onEvent } = connections[0]!.options;
    onEvent({ type: "transport-decided", transport: "direct", why: "GRE gets through" });
    onEvent({ type: "authenticated", method: "mschapv2" });
    onEvent(CONNECTED_DIRECT);
    expect(manager.health().state).toBe("connected-direct");
    expect(healths.at(-1)?.state).toBe("connected-direct");
    expect(logs.map((l) => l.line)).toEqual([
      "Connecting to vpn.example as alice (profile work, auto)",
      "Transport: direct. GRE gets through",
      "Authenticated with MS-CHAPv2 (server verified)",
      expect.stringMatching(/^Connected directly: 10\.200\.0\.100 -> /),
    ]);
    expect(manager.logs()).toEqual(logs);
  });

  it("samples the figures every second", async () => {
    const { manager, connections, scheduler } = setup();
    await manager.connect(PROFILE, SECRETS);
    const connection = connections[0]!;
    connection.options.onEvent(CONNECTED_DIRECT);
    for (let t = 1; t <= 3; t++) {
      connection.current = stats(t * 1000, t * 2000);
      scheduler.advance(1000);
    }
    expect(manager.health()).toMatchObject({
      bytesIn: 3000,
      bytesOut: 6000,
      rateInBps: 8000,
      rateOutBps: 16_000,
    });
  });

  it("reconnects with the same secrets after PEER_DEAD, showing degraded meanwhile", async () => {
    const { manager, connections, scheduler, logs } = setup();
    await manager.connect(PROFILE, SECRETS);
    connections[0]!.options.onEvent(CONNECTED_DIRECT);
    connections[0]!.end({ connected: true, error: PEER_DEAD });
    await settle();
    expect(manager.health()).toMatchObject({ state: "degraded" });
    expect(manager.health().degradedBecause).toContain("reconnecting (attempt 1)");
    expect(connections).toHaveLength(1);
    scheduler.advance(1000);
    expect(connections).toHaveLength(2);
    expect(connections[1]!.options.session.password).toBe(SECRETS.password);
    connections[1]!.options.onEvent(CONNECTED_DIRECT);
    expect(manager.health().state).toBe("connected-direct");
    expect(logs.some((l) => l.line.startsWith("Reconnecting in 1.0 s (attempt 1)"))).toBe(true);
  });

  it("keeps trying while the network is away, waiting longer each time", async () => {
    const { manager, connections, scheduler } = setup();
    await manager.connect(PROFILE, SECRETS);
    connections[0]!.options.onEvent(CONNECTED_DIRECT);
    connections[0]!.end({ connected: true, error: PEER_DEAD });
    await settle();
    scheduler.advance(1000);
    connections[1]!.end({ connected: false, error: codedError("SERVER_UNREACHABLE", "no route", "wait") });
    await settle();
    scheduler.advance(1999);
    expect(connections).toHaveLength(2);
    scheduler.advance(1);
    expect(connections).toHaveLength(3);
    expect(manager.health().degradedBecause).toContain("attempt 2");
  });

  it("reconnects a tunnel that looks up but passes nothing for two keepalive windows", async () => {
    // 5 s x 3: a 20 s window.
    const { manager, connections, scheduler, healths, first, sendUnanswered } = await upThenUnanswered({
      ...PROFILE,
      keepalive: { lcpEchoIntervalMs: 5000, failures: 3 },
    });
    sendUnanswered(20);
    expect(manager.health().degradedBecause).toBe("nothing received for 20 s");
    expect(healths.some((h) => h.state === "degraded")).toBe(true);
    expect(first.disconnects).toBe(0);
    sendUnanswered(20);
    expect(first.disconnects).toBe(1);
    first.end({ connected: true }); // the tunnel goes down cleanly, as asked
    await settle();
    expect(manager.health().degradedBecause).toContain("received nothing for 40 s");
    scheduler.advance(1000);
    expect(connections).toHaveLength(2);
    expect(connections[1]!.options.session.password).toBe(SECRETS.password);
  });

  it("calls a 2 s x 3 keepalive's tunnel degraded after 8 s of silence and reconnects it after 16 s", async () => {
    const { manager, first, sendUnanswered } = await upThenUnanswered({
      ...PROFILE,
      keepalive: { lcpEchoIntervalMs: 2000, failures: 3 },
    });
    sendUnanswered(7);
    expect(manager.health().state).toBe("connected-direct");
    sendUnanswered(1);
    expect(manager.health()).toMatchObject({
      state: "degraded",
      degradedBecause: "nothing received for 8 s",
    });
    sendUnanswered(7);
    expect(first.disconnects).toBe(0);
    sendUnanswered(1);
    expect(first.disconnects).toBe(1);
    first.end({ connected: true });
    await settle();
    expect(manager.health().degradedBecause).toContain("received nothing for 16 s");
  });

  it("gives a 30 s x 4 keepalive's tunnel 150 s before calling it degraded", async () => {
    const { manager, first, sendUnanswered } = await upThenUnanswered({
      ...PROFILE,
      keepalive: { lcpEchoIntervalMs: 30_000, failures: 4 },
    });
    sendUnanswered(149);
    expect(manager.health().state).toBe("connected-direct");
    sendUnanswered(1);
    expect(manager.health()).toMatchObject({
      state: "degraded",
      degradedBecause: "nothing received for 150 s",
    });
    sendUnanswered(149);
    expect(first.disconnects).toBe(0);
    sendUnanswered(1);
    expect(first.disconnects).toBe(1);
  });

  it("falls back to a minute when the profile's echoes are off", async () => {
    const { manager, sendUnanswered } = await upThenUnanswered({
      ...PROFILE,
      keepalive: { lcpEchoIntervalMs: 0, failures: 4 },
    });
    sendUnanswered(59);
    expect(manager.health().state).toBe("connected-direct");
    sendUnanswered(1);
    expect(manager.health()).toMatchObject({
      state: "degraded",
      degradedBecause: "nothing received for 60 s",
    });
  });

  it("stops with an error that is not worth retrying, and drops the secrets", async () => {
    const { manager, connections, scheduler } = setup();
    await manager.connect(PROFILE, SECRETS);
    connections[0]!.end({
      connected: false,
      error: codedError("AUTH_FAILED", "The server refused the password.", "Check it."),
    });
    await settle();
    expect(manager.health()).toMatchObject({ state: "error", error: { code: "AUTH_FAILED" } });
    scheduler.advance(60_000);
    expect(connections).toHaveLength(1);
    expect(scheduler.pending).toBe(0);
  });

  it("disconnects on request, and a disconnect during a reconnect wait cancels it", async () => {
    const { manager, connections, scheduler } = setup();
    await manager.connect(PROFILE, SECRETS);
    connections[0]!.options.onEvent(CONNECTED_DIRECT);
    const down = manager.disconnect();
    expect(connections[0]!.disconnects).toBe(1);
    connections[0]!.end({ connected: true });
    expect(await down).toMatchObject({ state: "disconnected" });

    await manager.connect(PROFILE, SECRETS);
    connections[1]!.options.onEvent(CONNECTED_DIRECT);
    connections[1]!.end({ connected: true, error: PEER_DEAD });
    await settle();
    expect(await manager.disconnect()).toMatchObject({ state: "disconnected" });
    scheduler.advance(60_000);
    expect(connections).toHaveLength(2);
  });

  it("ends the running tunnel before starting one for another profile", async () => {
    const { manager, connections } = setup();
    await manager.connect(PROFILE, SECRETS);
    const second = manager.connect({ ...PROFILE, id: "home" }, SECRETS);
    await settle();
    expect(connections[0]!.disconnects).toBe(1);
    connections[0]!.end({ connected: true });
    expect(await second).toMatchObject({ state: "connecting", profileId: "home" });
    expect(connections).toHaveLength(2);
  });

  it("ignores a late event from a connection it has replaced", async () => {
    const { manager, connections, scheduler } = setup();
    await manager.connect(PROFILE, SECRETS);
    connections[0]!.options.onEvent(CONNECTED_DIRECT);
    connections[0]!.end({ connected: true, error: PEER_DEAD });
    await settle();
    scheduler.advance(1000);
    connections[0]!.options.onEvent(CONNECTED_DIRECT);
    expect(manager.health().state).toBe("degraded");
  });

  it("logs what it restored of a crashed run", async () => {
    const { manager, logs } = setup();
    await manager.restoreLeftovers(async () => [
      {
        path: "/run/ferry/x",
        kind: "restored",
        ifname: "ferry0",
        report: { undone: [], alreadyGone: [], failed: [] },
      },
    ]);
    expect(logs.map((l) => l.line)).toEqual(["Restored the network settings a crashed run left on ferry0"]);
  });

  it("never puts a secret in a log line or a health event", async () => {
    const { manager, connections, scheduler, healths, logs } = setup();
    await manager.connect(PROFILE, SECRETS);
    const { onEvent } = connections[0]!.options;
    onEvent({ type: "transport-decided", transport: "wrap", fallbackReason: "gre-timeout", why: "no GRE" });
    onEvent(RELAY_CONNECTED);
    onEvent({ ...CONNECTED_DIRECT, transport: "wrap" });
    connections[0]!.end({ connected: true, error: PEER_DEAD });
    await settle();
    scheduler.advance(1000);
    connections[1]!.end({
      connected: false,
      error: codedError("AUTH_FAILED", "The server refused the password.", "Check it."),
    });
    await settle();
    const everything = JSON.stringify([healths, logs, manager.logs(), manager.health()]);
    for (const secret of [SECRETS.password, SECRETS.relayToken]) expect(everything).not.toContain(secret);
    expect(everything).toContain("AUTH_FAILED"); // the grep saw the real output
  });
});
