import { describe, expect, it } from "vitest";
import type { Finding } from "../../src/diagnose/finding.js";
import type { RelayProbeResult } from "../../src/diagnose/observations.js";
import type { DiagnoseProbes } from "../../src/diagnose/probes.js";
import { runDiagnosis } from "../../src/diagnose/run-diagnosis.js";
import { FINE, GRE_SILENT } from "./observation-fixtures.js";

/** A promise the test settles by hand, to control the order probes finish in. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** Probes that report the FINE scenario at once. */
function fineProbes(overrides: Partial<DiagnoseProbes> = {}): DiagnoseProbes {
  return {
    resolve: async () => ({ address: FINE.address! }),
    pptp: async (_address, onStage) => {
      onStage({ tcp: FINE.tcp! });
      onStage({ control: FINE.control! });
      onStage({ call: FINE.call! });
      onStage({ gre: FINE.gre! });
    },
    network: async () => FINE.network!,
    pathMtu: async () => FINE.pathMtu!,
    relay: async () => ({ ok: true, observedAddress: "198.51.100.7" }),
    ...overrides,
  };
}

const options = { server: FINE.server, relays: ["wss://relay.example.net/ferry"] };

describe("runDiagnosis", () => {
  it("returns the whole checklist and streams every finding once, in order", async () => {
    const streamed: Finding[] = [];
    const findings = await runDiagnosis(options, fineProbes(), (f) => streamed.push(f));
    expect(streamed).toEqual(findings);
    expect(findings.map((f) => f.status)).toEqual(Array(findings.length).fill("ok"));
    expect(findings.at(-1)?.title).toBe("Verdict: direct should work");
  });

  it("shows the TCP and control findings while GRE is still being waited for", async () => {
    const gre = deferred<void>();
    const streamed: string[] = [];
    const run = runDiagnosis(
      options,
      fineProbes({
        pptp: async (_address, onStage) => {
          onStage({ tcp: FINE.tcp! });
          onStage({ control: FINE.control! });
          onStage({ call: FINE.call! });
          await gre.promise;
          onStage({ gre: GRE_SILENT.gre! });
        },
      }),
      (f) => streamed.push(`${f.id}:${f.status}`),
    );
    await tick();
    expect(streamed).toEqual(["tcp-1723:ok", "control-connection:ok"]);
    gre.resolve();
    await run;
    expect(streamed.slice(2, 4)).toEqual(["gre-return:fail", "icmp-unreachable:ok"]);
    expect(streamed.at(-1)).toBe("verdict:warn");
  });

  it("holds later findings back until earlier ones are decided, whatever order probes finish in", async () => {
    const relay = deferred<RelayProbeResult>();
    const streamed: string[] = [];
    const run = runDiagnosis(options, fineProbes({ relay: () => relay.promise }), (f) => streamed.push(f.id));
    await tick();
    // NAT and CGNAT need the relay's view; the path MTU is known but must not jump the queue.
    expect(streamed).toEqual(["tcp-1723", "control-connection", "gre-return", "icmp-unreachable"]);
    relay.resolve({ ok: true, observedAddress: "198.51.100.7" });
    await run;
    expect(streamed.slice(4)).toEqual(["nat", "cgnat", "path-mtu", "relay", "verdict"]);
  });

  it("an unresolvable server skips the PPTP probe and ping, and still runs the rest", async () => {
    let pptpRan = false;
    let pingRan = false;
    const findings = await runDiagnosis(
      { server: "nope.invalid", relays: [] },
      fineProbes({
        resolve: async () => ({ error: "The name nope.invalid could not be resolved to an IPv4 address." }),
        pptp: async () => {
          pptpRan = true;
        },
        pathMtu: async () => {
          pingRan = true;
          return FINE.pathMtu!;
        },
      }),
    );
    expect(pptpRan || pingRan).toBe(false);
    expect(findings[0]).toMatchObject({ id: "tcp-1723", status: "fail" });
    expect(findings.find((f) => f.id === "nat")?.status).toBe("ok");
  });

  it("a failed TCP connect skips the rest of the PPTP chain without waiting for it", async () => {
    const findings = await runDiagnosis(
      options,
      fineProbes({
        pptp: async (_address, onStage) =>
          onStage({ tcp: { outcome: "refused", elapsedMs: 1, error: "ECONNREFUSED" } }),
      }),
    );
    expect(findings.slice(0, 4).map((f) => f.status)).toEqual(["fail", "skip", "skip", "skip"]);
    expect(findings.at(-1)?.title).toMatch(/use the relay: TCP 1723 is blocked/);
  });

  it("a probe that rejects, or hangs past the deadline, becomes 'not measured' instead of breaking the run", async () => {
    const streamed: Finding[] = [];
    const findings = await runDiagnosis(
      { ...options, timeoutMs: 200 },
      fineProbes({
        network: async () => {
          throw new Error("boom");
        },
        pathMtu: () => new Promise(() => undefined),
        relay: async () => {
          throw new Error("also boom");
        },
      }),
      (f) => streamed.push(f),
    );
    expect(streamed).toEqual(findings);
    const byId = Object.fromEntries(findings.map((f) => [f.id, f]));
    expect(byId["nat"]).toMatchObject({ status: "skip", detail: expect.stringMatching(/Not measured/) });
    expect(byId["path-mtu"]).toMatchObject({ status: "skip", detail: expect.stringMatching(/Not measured/) });
    expect(byId["relay"]).toMatchObject({ status: "fail" });
  });

  it("ignores stages a probe reports after the deadline", async () => {
    let late: (() => void) | undefined;
    const streamed: Finding[] = [];
    await runDiagnosis(
      { ...options, timeoutMs: 50 },
      fineProbes({
        pptp: async (_address, onStage) => {
          onStage({ tcp: FINE.tcp! });
          late = () => onStage({ control: FINE.control! });
          await new Promise(() => undefined);
        },
      }),
      (f) => streamed.push(f),
    );
    const count = streamed.length;
    late?.();
    expect(streamed).toHaveLength(count);
  });

  it("passes each relay URL to the relay probe", async () => {
    const asked: string[] = [];
    const findings = await runDiagnosis(
      { server: FINE.server, relays: ["wss://a/ferry", "wss://b/ferry"] },
      fineProbes({
        relay: async (url) => {
          asked.push(url);
          return { ok: true };
        },
      }),
    );
    expect(asked).toEqual(["wss://a/ferry", "wss://b/ferry"]);
    expect(findings.filter((f) => f.id === "relay").map((f) => f.title)).toEqual([
      "Relay wss://a/ferry",
      "Relay wss://b/ferry",
    ]);
  });
});
