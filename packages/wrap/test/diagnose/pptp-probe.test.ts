import { createServer } from "node:net";
import { ferryError } from "@ferry/pptp-client";
import { failed } from "@ferry/pptp-client/tunnel";
import { afterEach, describe, expect, it } from "vitest";
import { evaluate } from "../../src/diagnose/checklist.js";
import type { Observations } from "../../src/diagnose/observations.js";
import { type PptpProbeOptions, type PptpStage, probePptp } from "../../src/diagnose/pptp-probe.js";
import { sccrp } from "../relay/relay-fixtures.js";
import { type FakePac, type FakePacBehaviour, startFakePac } from "./fake-pac.js";

const isRoot = process.getuid?.() === 0;
const pacs: FakePac[] = [];
afterEach(async () => {
  await Promise.all(pacs.splice(0).map((pac) => pac.close()));
});

async function probe(
  behaviour: FakePacBehaviour,
  options: PptpProbeOptions = {},
): Promise<{ stages: PptpStage[]; observations: Observations; pac: FakePac }> {
  const pac = await startFakePac(behaviour);
  pacs.push(pac);
  const stages: PptpStage[] = [];
  await probePptp("127.0.0.1", (stage) => stages.push(stage), {
    port: pac.port,
    replyTimeoutMs: 2000,
    greWaitMs: 1500,
    ...options,
  });
  const observations = Object.assign(
    { server: "127.0.0.1", address: "127.0.0.1" },
    ...stages,
  ) as Observations;
  return { stages, observations, pac };
}

const notPermitted = () =>
  failed(
    ferryError(
      "NOT_PERMITTED",
      "Opening a raw GRE socket to 127.0.0.1 failed: the process lacks the privilege.",
      "Run as root.",
    ),
  );

describe("probePptp against a loopback PAC", () => {
  it("reports TCP, the control connection and the call, then clears the call and the connection", async () => {
    const { stages, observations, pac } = await probe({}, { openGre: notPermitted });
    expect(stages.map((s) => Object.keys(s)[0])).toEqual(["tcp", "control", "call", "gre"]);
    expect(observations.tcp).toMatchObject({ outcome: "connected", localAddress: "127.0.0.1" });
    expect(observations.control).toEqual({
      outcome: "answered",
      resultCode: 1,
      errorCode: 0,
      hostName: sccrp.hostName,
      vendorName: sccrp.vendorName,
    });
    const call = observations.call;
    expect(call).toMatchObject({ outcome: "answered", resultCode: 1 });
    if (call?.outcome === "answered") expect(call.serverCallId).toBe(call.callId ^ 0x8000);
    await pac.clientGone;
    expect(pac.received).toEqual([
      "start-control-connection-request",
      "outgoing-call-request",
      "call-clear-request",
      "stop-control-connection-request",
    ]);
  });

  it("without the privilege for a raw socket, GRE is reported unavailable (needs root) and the checks skip", async () => {
    const { observations } = await probe({}, { openGre: notPermitted });
    expect(observations.gre).toMatchObject({ outcome: "unavailable", needsRoot: true });
    const gre = evaluate(observations).find((f) => f.id === "gre-return");
    expect(gre).toMatchObject({ status: "skip", detail: expect.stringMatching(/need root/) });
  });

  it("with the real raw socket: GRE from the server is seen as root, skipped (not crashed) otherwise", async () => {
    const { observations } = await probe({ sendGre: isRoot });
    if (isRoot) {
      expect(observations.gre).toMatchObject({ outcome: "listened", sent: 1, socketErrors: 0 });
      expect(observations.gre?.outcome === "listened" && observations.gre.received).toBeGreaterThanOrEqual(1);
      expect(evaluate(observations).find((f) => f.id === "gre-return")?.status).toBe("ok");
    } else {
      expect(observations.gre).toMatchObject({ outcome: "unavailable", needsRoot: true });
    }
  });

  it.runIf(isRoot)(
    "as root, a server that sends no GRE is 'silent': our own looped-back packet does not count",
    async () => {
      const { observations } = await probe({ sendGre: false }, { greWaitMs: 400 });
      expect(observations.gre).toMatchObject({ outcome: "listened", received: 0, sent: 1 });
      expect(evaluate(observations).find((f) => f.id === "gre-return")?.status).toBe("fail");
    },
  );

  it("a refused Start-Control-Connection stops before the call", async () => {
    const { stages, pac } = await probe({ control: 4 });
    expect(stages).toHaveLength(2);
    expect(stages[1]).toMatchObject({ control: { outcome: "answered", resultCode: 4 } });
    await pac.clientGone;
    expect(pac.received).toEqual(["start-control-connection-request", "stop-control-connection-request"]);
  });

  it("an unanswered Start-Control-Connection-Request is 'no-reply' after the reply timeout", async () => {
    const { stages } = await probe({ control: "silent" }, { replyTimeoutMs: 150 });
    expect(stages[1]).toEqual({ control: { outcome: "no-reply", waitedMs: 150 } });
  });

  it("a server that hangs up or answers with non-PPTP bytes is 'closed' or 'garbled'", async () => {
    const closed = await probe({ control: "close" });
    expect(closed.stages[1]).toMatchObject({ control: { outcome: "closed" } });
    const garbled = await probe({ control: "garbage" });
    expect(garbled.stages[1]).toMatchObject({ control: { outcome: "garbled" } });
  });

  it("a refused or unanswered call is reported and no GRE is waited for", async () => {
    const refused = await probe({ call: 3 }, { openGre: notPermitted });
    expect(refused.stages.map((s) => Object.keys(s)[0])).toEqual(["tcp", "control", "call"]);
    expect(refused.observations.call).toMatchObject({ outcome: "answered", resultCode: 3 });
    const silent = await probe({ call: "silent" }, { replyTimeoutMs: 150, openGre: notPermitted });
    expect(silent.observations.call).toEqual({ outcome: "no-reply", waitedMs: 150 });
  });

  it("a closed port is 'refused'", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const stages: PptpStage[] = [];
    await probePptp("127.0.0.1", (stage) => stages.push(stage), { port });
    expect(stages).toEqual([
      { tcp: { outcome: "refused", elapsedMs: expect.any(Number), error: "ECONNREFUSED" } },
    ]);
  });
});
