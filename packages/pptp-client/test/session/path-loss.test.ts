/**
 * A lost path noticed in seconds: after the first unanswered LCP echo the keepalive re-probes every 2 s and the
 * session asks TCP 1723 too (a PPTP Echo-Request with a 3 s timeout). A reset there ends the session at once, no
 * reply means the server is gone, a reply means only GRE is lost (a NAT that forgot the call).
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_TIMERS } from "../../src/session/config.js";
import type { Simulation } from "../support/simulation.js";
import { connectedSim, runUntilClosed } from "./session-runs.js";

const { lcpEchoIntervalMs: INTERVAL, lcpEchoFailures: FAILURES, controlEchoProbeMs: PROBE } = DEFAULT_TIMERS;
const REPROBE = 2_000;
const CLOSE_BUDGET = DEFAULT_TIMERS.controlDisconnectMs;
const GRE_LOST = { loss: 1, duplicate: 0, reorder: 0, delayMs: 1 };

/** Connected, then run to the first answered LCP echo: the fault starts right after it, the worst case. */
function afterAnsweredEcho(): { sim: Simulation; echoSentAt: number } {
  const sim = connectedSim();
  sim.runUntil(() => sim.events.some((e) => e.type === "rtt" && e.via === "lcp-echo"), INTERVAL + 1_000);
  const rtt = sim.events.find((e) => e.type === "rtt");
  if (rtt?.type !== "rtt") throw new Error("no LCP echo answered");
  return { sim, echoSentAt: sim.now - rtt.rttMs };
}

const pptpEchoesSent = (sim: Simulation) =>
  sim.peer.control.received.filter((m) => m.type === "echo-request").length;

describe("a lost path", () => {
  it("server gone (no GRE, no TCP reply): PEER_DEAD 2 s + 3 s after the next echo, not after 4 more echoes", () => {
    const { sim, echoSentAt } = afterAnsweredEcho();
    sim.peer.goSilent();
    const { error } = runUntilClosed(sim, 60_000);
    expect(error?.code).toBe("PEER_DEAD");
    expect(error?.message).toBe(
      "The server stopped answering: no reply to 2 LCP echoes over GRE, nor within 3 s to a PPTP echo on TCP 1723.",
    );
    expect(error?.detail).toMatchObject({ pptpEchoAnswered: false, unansweredEchoes: 2 });
    // The next echo at +10 s, missed at +12 s, the PPTP echo unanswered at +15 s, then the close budget.
    expect(sim.now - echoSentAt).toBe(INTERVAL + REPROBE + PROBE + CLOSE_BUDGET);
  });

  it("GRE lost but TCP 1723 answers (the NAT lost the GRE mapping): PEER_DEAD at interval + 4 x 2 s, saying so", () => {
    const { sim, echoSentAt } = afterAnsweredEcho();
    sim.setImpairments(GRE_LOST);
    const firstMiss = echoSentAt + INTERVAL + REPROBE;
    sim.runUntil(() => false, firstMiss - 1 - sim.now);
    expect(pptpEchoesSent(sim)).toBe(0);
    // The PPTP echo goes out at the first miss (control 5 ms each way in the simulation), not a minute later.
    sim.runUntil(() => pptpEchoesSent(sim) > 0, 100);
    expect(sim.now).toBe(firstMiss + 5);
    expect(sim.events.filter((e) => e.type === "echo-unanswered")).toEqual([
      { type: "echo-unanswered", unanswered: 1 },
    ]);

    const { error } = runUntilClosed(sim, 60_000);
    expect(error?.code).toBe("PEER_DEAD");
    expect(error?.message).toBe(
      "The server answers on TCP 1723 but no GRE comes back: the NAT lost the GRE mapping; reconnecting makes a new call.",
    );
    expect(error?.detail).toMatchObject({ pptpEchoAnswered: true, unansweredEchoes: FAILURES });
    const deadAt = echoSentAt + INTERVAL + FAILURES * REPROBE;
    // The server still answers, so the clean close (Call-Clear, Stop-Control-Connection) takes round trips only.
    expect(sim.now - deadAt).toBeGreaterThanOrEqual(0);
    expect(sim.now - deadAt).toBeLessThan(100);
    expect(
      sim.events
        .filter((e) => e.type === "echo-unanswered")
        .map((e) => e.type === "echo-unanswered" && e.unanswered),
    ).toEqual([1, 2, 3, 4]);
  });

  it("a NAT or server that lost the TCP state answers the PPTP echo with a reset: ended at the first miss", () => {
    const { sim, echoSentAt } = afterAnsweredEcho();
    sim.setImpairments(GRE_LOST);
    sim.runUntil(() => pptpEchoesSent(sim) > 0, 60_000);
    sim.client.handleControlClosed(sim.now); // the RST
    sim.flush();
    const { error } = runUntilClosed(sim, 1_000);
    expect(error?.code).toBe("SERVER_STOPPED");
    expect(sim.now - echoSentAt).toBeLessThan(INTERVAL + REPROBE + 100);
  });

  it("rides out a round trip over 2 s: late answers reset the rhythm and a quiet TCP 1723 is not held against it", () => {
    const sim = connectedSim({ peer: { control: { firstCallId: 0, ignoreEchoes: true } } });
    sim.setImpairments({ loss: 0, duplicate: 0, reorder: 0, delayMs: 1_500 });
    const start = sim.now;
    // Under the control connection's own 60 s echo timeout: only the LCP side and the probe are under test.
    sim.runUntil(() => sim.closedEvent() !== undefined, 45_000);
    expect(sim.closedEvent()).toBeUndefined();
    expect(sim.now - start).toBe(45_000);
    expect(sim.events.some((e) => e.type === "echo-unanswered")).toBe(true);
    expect(pptpEchoesSent(sim)).toBeGreaterThan(0); // probed, never answered, and still no PEER_DEAD
    expect(sim.events.filter((e) => e.type === "rtt" && e.rttMs === 3_000).length).toBeGreaterThanOrEqual(3);
  });
});

describe("a long queue (a saturated path: seconds of buffer)", () => {
  it("data from the server after each echo proves it alive: a 9 s round trip is ridden out", () => {
    const sim = connectedSim({ peer: { control: { firstCallId: 0, ignoreEchoes: true } } });
    // Longer than failures x 2 s (8 s): echo answers alone would declare the peer dead.
    sim.setImpairments({ loss: 0, duplicate: 0, reorder: 0, delayMs: 4_500 });
    const start = sim.now;
    const packet = Uint8Array.of(0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2);
    while (sim.now - start < 45_000 && sim.closedEvent() === undefined) {
      sim.sendFromPeer(packet);
      sim.runUntil(() => false, 500);
    }
    expect(sim.closedEvent()).toBeUndefined();
    expect(sim.events.some((e) => e.type === "echo-unanswered")).toBe(false);
    expect(sim.events.filter((e) => e.type === "rtt" && e.rttMs === 9_000).length).toBeGreaterThanOrEqual(2);
  });

  it("without data, the same 9 s round trip is a dead peer (answers later than failures x 2 s)", () => {
    const sim = connectedSim({ peer: { control: { firstCallId: 0, ignoreEchoes: true } } });
    sim.setImpairments({ loss: 0, duplicate: 0, reorder: 0, delayMs: 4_500 });
    const { error } = runUntilClosed(sim, 60_000);
    expect(error?.code).toBe("PEER_DEAD");
  });
});

describe("probePeer (the I/O layer saw the network change)", () => {
  it("sends an LCP echo now on a working path", () => {
    const { sim } = afterAnsweredEcho();
    sim.runUntil(() => false, 3_000);
    const rtts = () => sim.events.filter((e) => e.type === "rtt").length;
    const before = rtts();
    sim.client.probePeer(sim.now);
    sim.flush();
    sim.runUntil(() => rtts() > before, 10);
    expect(rtts()).toBe(before + 1);
  });

  it("finds a path that did not survive in interval-independent time: 4 x 2 s", () => {
    const { sim } = afterAnsweredEcho();
    sim.runUntil(() => false, 3_000);
    sim.setImpairments(GRE_LOST);
    const probedAt = sim.now;
    sim.client.probePeer(sim.now);
    sim.flush();
    const { error } = runUntilClosed(sim, 60_000);
    expect(error?.code).toBe("PEER_DEAD");
    expect(sim.now - probedAt).toBeLessThan(FAILURES * REPROBE + 100);
  });
});
