import { describe, expect, it } from "vitest";
import { HealthMonitor } from "../../src/tunnel/health.js";
import { CONNECTED_DIRECT, CONNECTED_RELAY, PEER_DEAD, stats } from "./events.js";

function connectedAt(now: number, event = CONNECTED_DIRECT, keepaliveWindowMs = 20_000) {
  const monitor = new HealthMonitor();
  monitor.start("work", keepaliveWindowMs);
  monitor.event({ type: "tun-opened", ifname: "ferry0" }, now);
  monitor.event(event, now);
  return monitor;
}

describe("HealthMonitor states", () => {
  it("is disconnected before anything runs", () => {
    expect(new HealthMonitor().health(0)).toEqual({
      state: "disconnected",
      bytesIn: 0,
      bytesOut: 0,
      rateInBps: 0,
      rateOutBps: 0,
    });
  });

  it("is connecting after start, with the transport once decided", () => {
    const monitor = new HealthMonitor();
    monitor.start("work", 20_000);
    expect(monitor.health(0)).toMatchObject({ state: "connecting", profileId: "work" });
    monitor.event({ type: "transport-decided", transport: "direct", why: "GRE gets through" }, 5);
    expect(monitor.health(5)).toMatchObject({ state: "connecting", transport: "direct" });
  });

  it("is connected-direct or connected-relay with uptime, address and interface", () => {
    expect(connectedAt(1000).health(4000)).toMatchObject({
      state: "connected-direct",
      transport: "direct",
      localAddress: "10.200.0.100",
      interface: "ferry0",
      uptimeMs: 3000,
    });
    expect(connectedAt(0, CONNECTED_RELAY).health(0)).toMatchObject({
      state: "connected-relay",
      transport: "wrap",
      fallbackReason: "gre-timeout",
    });
  });

  it("is degraded while reconnecting, then connected again with fresh uptime", () => {
    const monitor = connectedAt(0, CONNECTED_RELAY);
    monitor.event({ type: "reconnecting", afterMs: 1000, attempt: 1, error: PEER_DEAD }, 10_000);
    const health = monitor.health(10_500);
    expect(health.state).toBe("degraded");
    expect(health.degradedBecause).toContain("reconnecting");
    expect(health.uptimeMs).toBeUndefined();
    monitor.event(CONNECTED_RELAY, 12_000);
    expect(monitor.health(13_000)).toMatchObject({ state: "connected-relay", uptimeMs: 1000 });
  });

  it("is error after a close with an error, disconnected after a clean one", () => {
    const monitor = connectedAt(0);
    monitor.closed({ code: "AUTH_FAILED", message: "refused", hint: "check" });
    expect(monitor.health(1)).toMatchObject({ state: "error", error: { code: "AUTH_FAILED" } });
    const clean = connectedAt(0);
    clean.closed(undefined);
    expect(clean.health(1).state).toBe("disconnected");
  });
});

describe("HealthMonitor figures", () => {
  it("measures rates over the sliding window, in bits per second", () => {
    const monitor = connectedAt(0);
    // 1000 bytes/s in, 500 out for 10 s; the window (5 s) then sees only the last part.
    for (let t = 0; t <= 10; t++) monitor.sample(stats(t * 1000, t * 500), t * 1000);
    expect(monitor.health(10_000)).toMatchObject({
      bytesIn: 10_000,
      bytesOut: 5000,
      rateInBps: 8000,
      rateOutBps: 4000,
    });
    // Traffic stops: after a window the rate is 0 again.
    for (let t = 11; t <= 16; t++) monitor.sample(stats(10_000, 5000), t * 1000);
    expect(monitor.health(16_000)).toMatchObject({ rateInBps: 0, rateOutBps: 0 });
  });

  it("measures loss over the window and degrades above 5 %", () => {
    const monitor = connectedAt(0);
    monitor.sample(stats(0, 0, { packetsIn: 0, lost: 0 }), 0);
    monitor.sample(stats(9600, 9600, { packetsIn: 96, lost: 4 }), 1000);
    expect(monitor.health(1000)).toMatchObject({ state: "connected-direct", lossPercent: 4 });
    monitor.sample(stats(18_600, 19_000, { packetsIn: 186, lost: 14 }), 2000);
    const health = monitor.health(2000);
    expect(health.lossPercent).toBeCloseTo(7);
    expect(health).toMatchObject({ state: "degraded", degradedBecause: "7 % loss" });
  });

  it("degrades when the round trip exceeds 500 ms, from stats or from an rtt event", () => {
    const monitor = connectedAt(0);
    monitor.sample(stats(0, 0, { lastRttMs: 40 }), 0);
    expect(monitor.health(0)).toMatchObject({ state: "connected-direct", rttMs: 40 });
    monitor.event({ type: "rtt", rttMs: 800, via: "lcp-echo" }, 500);
    expect(monitor.health(500)).toMatchObject({
      state: "degraded",
      rttMs: 800,
      degradedBecause: "round trip 800 ms",
    });
  });

  it("degrades within the keepalive window when output goes unanswered, and recovers when input comes", () => {
    const monitor = connectedAt(0);
    monitor.sample(stats(5000, 5000), 0);
    // Idle: nothing sent, nothing received: healthy.
    for (let t = 1; t <= 30; t++) monitor.sample(stats(5000, 5000), t * 1000);
    expect(monitor.health(30_000).state).toBe("connected-direct");
    expect(monitor.silentForMs(30_000)).toBe(0);
    // Sending from 30.5 s on, nothing comes back.
    for (let t = 31; t <= 49; t++) monitor.sample(stats(5000, 5000 + (t - 30) * 100), t * 1000);
    expect(monitor.health(49_000).state).toBe("connected-direct");
    monitor.sample(stats(5000, 7000), 50_000);
    expect(monitor.silentForMs(50_000)).toBe(20_000);
    expect(monitor.health(50_000)).toMatchObject({
      state: "degraded",
      degradedBecause: "nothing received for 20 s",
    });
    monitor.sample(stats(5100, 7100), 51_000);
    expect(monitor.health(51_000).state).toBe("connected-direct");
  });

  it("uses the window it was started with: 8 s for a 2 s x 3 keepalive", () => {
    const monitor = connectedAt(0, CONNECTED_DIRECT, 8000);
    expect(monitor.keepaliveWindowMs).toBe(8000);
    monitor.sample(stats(5000, 5000), 0);
    for (let t = 1; t <= 7; t++) monitor.sample(stats(5000, 5000 + t * 100), t * 1000);
    expect(monitor.health(7000).state).toBe("connected-direct");
    monitor.sample(stats(5000, 5800), 8000);
    expect(monitor.health(8000)).toMatchObject({
      state: "degraded",
      degradedBecause: "nothing received for 8 s",
    });
  });

  it("starts over when the counters go back (a new session under the same connection)", () => {
    const monitor = connectedAt(0);
    monitor.sample(stats(90_000, 90_000), 0);
    monitor.sample(stats(100, 100), 1000);
    expect(monitor.health(1000)).toMatchObject({ bytesIn: 100, rateInBps: 0 });
  });
});
