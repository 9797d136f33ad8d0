import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CgnatEvidence } from "../../src/detect/cgnat.js";
import {
  DEFAULT_GRE_TIMEOUT_MS,
  type Transport,
  TransportPolicy,
  type TransportPolicyConfig,
} from "../../src/detect/transport-policy.js";

const CGNAT: CgnatEvidence = { cgnat: true, why: "This computer's address 100.72.14.3 is in 100.64.0.0/10." };
const NO_CGNAT: CgnatEvidence = {
  cgnat: false,
  why: "No address on this computer or its path is in 100.64.0.0/10.",
};

function started(config: TransportPolicyConfig, remembered?: Transport, now = 1000): TransportPolicy {
  const policy = new TransportPolicy(config);
  policy.start(now, remembered);
  return policy;
}

describe("TransportPolicy with a fixed transport", () => {
  it("decides direct at once for a direct profile, whatever it hears", () => {
    const policy = started({ mode: "direct" }, "wrap");
    expect(policy.pollDecision()).toMatchObject({ transport: "direct", learned: false });
    expect(policy.pollDecision()).toBeUndefined();
    policy.greUnreachable(1100);
    policy.cgnat(CGNAT);
    expect(policy.nextTimeout()).toBeUndefined();
    expect(policy.pollDecision()).toBeUndefined();
  });

  it("decides wrap at once for a wrap profile, without a fallback reason", () => {
    const decision = started({ mode: "wrap" }).pollDecision();
    expect(decision).toMatchObject({ transport: "wrap", learned: false });
    expect(decision?.fallbackReason).toBeUndefined();
  });

  it("decides nothing before start", () => {
    const policy = new TransportPolicy({ mode: "wrap" });
    expect(policy.pollDecision()).toBeUndefined();
  });
});

describe("TransportPolicy in auto", () => {
  it("waits for GRE only once the call is set up, 3 s by default", () => {
    const policy = started({ mode: "auto" });
    expect(policy.nextTimeout()).toBeUndefined();
    policy.callEstablished(2000);
    expect(policy.nextTimeout()).toBe(2000 + DEFAULT_GRE_TIMEOUT_MS);
    policy.callEstablished(2500); // a repeat does not move the deadline
    expect(policy.nextTimeout()).toBe(5000);
    policy.handleTimeout(4999);
    expect(policy.pollDecision()).toBeUndefined();
    policy.handleTimeout(5000);
    expect(policy.pollDecision()).toMatchObject({
      transport: "wrap",
      fallbackReason: "gre-timeout",
      learned: true,
    });
    expect(policy.nextTimeout()).toBeUndefined();
    expect(policy.pollDecision()).toBeUndefined();
  });

  it("uses a configured GRE window and names it in the reason", () => {
    const policy = started({ mode: "auto", greTimeoutMs: 1500 });
    policy.callEstablished(2000);
    expect(policy.nextTimeout()).toBe(3500);
    policy.handleTimeout(3500);
    expect(policy.pollDecision()?.why).toContain("no GRE came back within 1500 ms");
  });

  it("decides direct when GRE comes back, and then ignores the timer and later bad news", () => {
    const policy = started({ mode: "auto" });
    policy.callEstablished(2000);
    policy.greReceived(2300);
    expect(policy.nextTimeout()).toBeUndefined();
    policy.handleTimeout(9000);
    policy.greUnreachable(9000);
    policy.cgnat(CGNAT);
    expect(policy.pollDecision()).toEqual({
      transport: "direct",
      why: "GRE from the server came back, so the direct transport works.",
      learned: true,
    });
    expect(policy.pollDecision()).toBeUndefined();
  });

  it("falls back at once on ICMP protocol-unreachable for GRE", () => {
    const policy = started({ mode: "auto" });
    policy.callEstablished(2000);
    policy.greUnreachable(2100);
    expect(policy.pollDecision()).toMatchObject({ transport: "wrap", fallbackReason: "gre-unreachable" });
  });

  it("falls back when TCP 1723 cannot be opened directly, and learns it", () => {
    const policy = started({ mode: "auto" });
    policy.controlUnreachable(4000, "no answer within 3 s");
    expect(policy.pollDecision()).toMatchObject({
      transport: "wrap",
      fallbackReason: "tcp-blocked",
      learned: true,
    });
    expect(policy.nextTimeout()).toBeUndefined();
  });

  it("falls back when the server hangs up the call before any GRE, but not before the call is up", () => {
    const early = started({ mode: "auto" });
    early.callDroppedBeforeGre(1500);
    expect(early.pollDecision()).toBeUndefined();
    const policy = started({ mode: "auto" });
    policy.callEstablished(2000);
    policy.callDroppedBeforeGre(2050);
    expect(policy.pollDecision()).toMatchObject({
      transport: "wrap",
      fallbackReason: "gre-unreachable",
      learned: true,
    });
  });

  it("ignores a blocked TCP 1723 once GRE decided direct", () => {
    const policy = started({ mode: "auto" });
    policy.callEstablished(2000);
    policy.greReceived(2100);
    policy.pollDecision();
    policy.controlUnreachable(3000, "reset");
    expect(policy.pollDecision()).toBeUndefined();
  });

  it("falls back on CGNAT evidence with its sentence, even before the call is up", () => {
    const policy = started({ mode: "auto" });
    policy.cgnat(NO_CGNAT);
    expect(policy.pollDecision()).toBeUndefined();
    policy.cgnat(CGNAT);
    expect(policy.pollDecision()).toEqual({
      transport: "wrap",
      fallbackReason: "cgnat",
      why: CGNAT.why,
      learned: true,
    });
  });

  it("goes straight to wrap when this network remembers wrap, and that is not learned again", () => {
    const policy = started({ mode: "auto" }, "wrap");
    expect(policy.pollDecision()).toMatchObject({
      transport: "wrap",
      fallbackReason: "remembered",
      learned: false,
    });
    expect(policy.nextTimeout()).toBeUndefined();
  });

  it("with direct remembered, ignores CGNAT evidence but still falls back when GRE stops coming back", () => {
    const policy = started({ mode: "auto" }, "direct");
    policy.cgnat(CGNAT);
    expect(policy.pollDecision()).toBeUndefined();
    policy.callEstablished(2000);
    policy.handleTimeout(5000);
    expect(policy.pollDecision()).toMatchObject({ transport: "wrap", fallbackReason: "gre-timeout" });
  });

  it("falls back when the direct attempt's own GRE window runs out first, naming how long it waited", () => {
    const early = started({ mode: "auto", greTimeoutMs: 20_000 });
    early.greTimedOut(1500); // no call yet: not evidence about GRE
    expect(early.pollDecision()).toBeUndefined();
    const policy = started({ mode: "auto", greTimeoutMs: 20_000 });
    policy.callEstablished(2000);
    policy.greTimedOut(12_000);
    expect(policy.pollDecision()).toMatchObject({
      transport: "wrap",
      fallbackReason: "gre-timeout",
      why: expect.stringContaining("no GRE came back within 10000 ms"),
      learned: true,
    });
  });

  it("ignores a second start", () => {
    const policy = started({ mode: "auto" });
    policy.start(1500, "wrap");
    expect(policy.pollDecision()).toBeUndefined();
  });

  it("refuses a GRE window that is not a positive number", () => {
    for (const greTimeoutMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new TransportPolicy({ mode: "auto", greTimeoutMs })).toThrow(RangeError);
    }
  });

  it("never throws and decides at most once, whatever the order of inputs", () => {
    const input = fc.oneof(
      fc.record({
        kind: fc.constant("start" as const),
        remembered: fc.constantFrom(undefined, "direct", "wrap"),
      }),
      fc.constantFrom(
        "resume" as const,
        "call" as const,
        "gre" as const,
        "unreachable" as const,
        "timeout" as const,
        "gre-timed-out" as const,
        "control-unreachable" as const,
      ),
      fc.record({ kind: fc.constant("cgnat" as const), cgnat: fc.boolean() }),
    );
    fc.assert(
      fc.property(
        fc.constantFrom("auto" as const, "direct" as const, "wrap" as const),
        fc.array(fc.tuple(input, fc.nat(10_000)), { maxLength: 30 }),
        (mode, inputs) => {
          const policy = new TransportPolicy({ mode });
          let now = 0;
          let decisions = 0;
          for (const [step, advance] of inputs) {
            now += advance;
            if (typeof step === "object" && step.kind === "start") policy.start(now, step.remembered);
            else if (typeof step === "object") policy.cgnat({ cgnat: step.cgnat, why: "test" });
            else if (step === "resume") policy.resumeDirect(now);
            else if (step === "call") policy.callEstablished(now);
            else if (step === "gre-timed-out") policy.greTimedOut(now);
            else if (step === "control-unreachable") policy.controlUnreachable(now, "test");
            else if (step === "gre") policy.greReceived(now);
            else if (step === "unreachable") policy.greUnreachable(now);
            else policy.handleTimeout(now);
            const deadline = policy.nextTimeout();
            if (deadline !== undefined) expect(deadline).toBeGreaterThan(0);
            if (policy.pollDecision() !== undefined) decisions++;
          }
          expect(decisions).toBeLessThanOrEqual(1);
          const begins = ([step]: (typeof inputs)[number]) =>
            step === "resume" || (typeof step === "object" && step.kind === "start");
          if (mode !== "auto" && inputs.some(begins)) {
            expect(decisions).toBe(1);
          }
        },
      ),
    );
  });
});

describe("TransportPolicy resuming a direct session on the same network", () => {
  function resumed(config: TransportPolicyConfig = { mode: "auto" }): TransportPolicy {
    const policy = new TransportPolicy(config);
    policy.resumeDirect(1000);
    return policy;
  }

  it("falls back when GRE no longer comes back, saying that GRE used to pass here", () => {
    const policy = resumed();
    policy.callEstablished(2000);
    expect(policy.nextTimeout()).toBe(2000 + DEFAULT_GRE_TIMEOUT_MS);
    policy.handleTimeout(5000);
    const decision = policy.pollDecision();
    expect(decision).toMatchObject({ transport: "wrap", fallbackReason: "gre-timeout", learned: true });
    expect(decision?.why).toMatch(
      /^GRE stopped getting through on this network\. TCP 1723 reached the server/,
    );
  });

  it("falls back at once on ICMP protocol-unreachable for GRE, and when the server hangs up before GRE", () => {
    const icmp = resumed();
    icmp.callEstablished(2000);
    icmp.greUnreachable(2100);
    expect(icmp.pollDecision()).toMatchObject({ transport: "wrap", fallbackReason: "gre-unreachable" });
    const hangUp = resumed();
    hangUp.callEstablished(2000);
    hangUp.callDroppedBeforeGre(2100);
    expect(hangUp.pollDecision()).toMatchObject({ transport: "wrap", fallbackReason: "gre-unreachable" });
  });

  it("takes TCP 1723 failing for the server being away, and CGNAT evidence as no news: no decision", () => {
    const policy = resumed();
    policy.controlUnreachable(1500, "no answer within 3 s");
    policy.cgnat(CGNAT);
    expect(policy.pollDecision()).toBeUndefined();
    policy.callEstablished(2000);
    policy.greReceived(2100);
    expect(policy.pollDecision()).toEqual({
      transport: "direct",
      why: "GRE from the server came back, so the direct transport works.",
      learned: true,
    });
  });

  it("decides a fixed transport at once, as start does", () => {
    expect(resumed({ mode: "direct" }).pollDecision()).toMatchObject({ transport: "direct", learned: false });
    expect(resumed({ mode: "wrap" }).pollDecision()).toMatchObject({ transport: "wrap", learned: false });
  });

  it("is ignored after start", () => {
    const policy = started({ mode: "auto" });
    policy.resumeDirect(1500);
    policy.controlUnreachable(1600, "refused");
    expect(policy.pollDecision()).toMatchObject({ fallbackReason: "tcp-blocked" });
  });
});
