import { describe, expect, it } from "vitest";
import { Simulation } from "../support/simulation.js";
import { connectedSim, runUntilClosed } from "./session-runs.js";

const pacReceived = (sim: Simulation) => sim.peer.control.received.map((m) => m.type);

describe("disconnecting", () => {
  it("ends cleanly on request: LCP Terminate, Call-Clear-Request, Stop-Control-Connection, well within 2 s", () => {
    const sim = connectedSim();
    sim.client.disconnect(sim.now);
    sim.flush();
    const { error, tookMs } = runUntilClosed(sim, 5_000);
    expect(error).toBeUndefined();
    expect(tookMs).toBeLessThan(2_000);
    expect(sim.client.state).toBe("closed");
    expect(sim.client.pollTimeout()).toBeUndefined();
    expect(sim.peer.pppEvents.at(-1)).toEqual({ type: "finished" });
    expect(pacReceived(sim)).toEqual(
      expect.arrayContaining(["call-clear-request", "stop-control-connection-request"]),
    );
  });

  it("still closes within 2 s when the server has stopped answering", () => {
    const sim = connectedSim();
    sim.peer.goSilent();
    sim.client.disconnect(sim.now);
    sim.flush();
    const { error, tookMs } = runUntilClosed(sim, 5_000);
    expect(error).toBeUndefined();
    expect(tookMs).toBeLessThan(2_000);
  });

  it("can be asked to disconnect while still connecting", () => {
    const sim = new Simulation();
    sim.start();
    sim.runUntil(() => sim.events.some((e) => e.type === "call-established"));
    sim.client.disconnect(sim.now);
    sim.flush();
    const { error, tookMs } = runUntilClosed(sim, 5_000);
    expect(error).toBeUndefined();
    expect(tookMs).toBeLessThan(2_000);
    expect(sim.events.some((e) => e.type === "connected")).toBe(false);
  });
});

describe("the server ends the session", () => {
  it("Stop-Control-Connection-Request: SERVER_STOPPED", () => {
    const sim = connectedSim();
    sim.peer.control.stop();
    sim.flush();
    expect(runUntilClosed(sim, 5_000).error?.code).toBe("SERVER_STOPPED");
    sim.runUntil(() => false, 100); // the reply leaves with the close, as the I/O layer flushes before closing TCP
    expect(pacReceived(sim)).toContain("stop-control-connection-reply");
  });

  it("Call-Disconnect-Notify: CALL_DISCONNECTED with the server's cause", () => {
    const sim = connectedSim();
    sim.peer.control.disconnectCall(0, 3, 0, 0, "admin hung up");
    sim.flush();
    const { error } = runUntilClosed(sim, 5_000);
    expect(error?.code).toBe("CALL_DISCONNECTED");
    expect(error?.message).toContain("admin hung up");
  });

  it("LCP Terminate-Request: SERVER_STOPPED", () => {
    const sim = connectedSim();
    sim.peer.channel.close(sim.now);
    sim.flush();
    expect(runUntilClosed(sim, 5_000).error?.code).toBe("SERVER_STOPPED");
  });

  it("TCP 1723 closes under us: SERVER_STOPPED", () => {
    const sim = connectedSim();
    sim.client.handleControlClosed(sim.now);
    sim.flush();
    expect(runUntilClosed(sim, 5_000).error?.code).toBe("SERVER_STOPPED");
  });
});

describe("keepalive", () => {
  it("measures RTT with LCP echo while the tunnel is idle", () => {
    const sim = connectedSim({ controlDelayMs: 5 });
    sim.runUntil(() => sim.events.some((e) => e.type === "rtt"), 15_000);
    const rtt = sim.events.find((e) => e.type === "rtt");
    expect(rtt).toEqual({ type: "rtt", rttMs: 2, via: "lcp-echo" }); // 1 ms each way on the simulated GRE link
    expect(sim.client.stats().lastRttMs).toBe(2);
  });

  it("declares the server dead (PEER_DEAD) when it stops answering, well within the old 50 s keepalive window", () => {
    const sim = connectedSim();
    sim.peer.goSilent();
    const { error, tookMs } = runUntilClosed(sim, 120_000);
    expect(error?.code).toBe("PEER_DEAD");
    // Was 10 s x (4 + 1) = 50 s: now the next echo (10 s) goes unanswered for 2 s, the PPTP echo it triggers on
    // TCP 1723 for 3 s more, then the 1.2 s close budget. Timings in detail: path-loss.test.ts.
    expect(tookMs).toBeLessThanOrEqual(10_000 + 2_000 + 3_000 + 1_200);
  });
});
