/**
 * Faults under a running session, against the real pptpd: 1 % and 5 % random loss on the path, the server VM killed
 * mid-transfer and booted again, pptpd restarted on the server, the client's interface going down and up (sleep and
 * wake, Wi-Fi roaming), and the home NAT's conntrack table flushed with traffic running. Each test checks the event
 * Ferry reports, the network put back while there is no tunnel, traffic passing again, a clean Ctrl-C and nothing left behind; afterAll prints how
 * long each recovery took. A relay killed and restarted is in wrap.test.ts, a SIGKILLed ferry in recovery.test.ts.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { RECONNECTABLE } from "@ferry/wrap";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  CONNECT_ARGS,
  FerryRun,
  inNs,
  LAB,
  labDown,
  labUp,
  SERVER,
  serverLog,
  sh,
  snapshot,
  type Topology,
  USER,
} from "./lab.js";
import { describeRun, firstAfter, runTime, serverDown, stop, waitAfter } from "./run-events.js";
import { checkedEcho, EchoStream, firstPingAnswered, pingStats, trafficPasses } from "./traffic.js";

const NS = "fy-client";
const FULL_TUNNEL: readonly string[] = ["--server", SERVER, "--user", USER, "--default-route"];
/**
 * Ferry's LCP keepalive: an echo every 10 s while answered; after a miss one every 2 s, PEER_DEAD after 4 misses in
 * a row (sooner when the PPTP echo sent at the first miss goes unanswered too: the server is gone).
 */
const ECHO_INTERVAL_MS = 10_000;
const ECHO_FAILURES = 4;
const ECHO_REPROBE_MS = 2_000;
/** From the last answered echo (or frame) to PEER_DEAD, at most. */
const KEEPALIVE_WINDOW_MS = ECHO_INTERVAL_MS + ECHO_FAILURES * ECHO_REPROBE_MS;

interface Figure {
  readonly fault: string;
  readonly result: string;
  /** From the fault to the first `reconnecting` event. */
  readonly toReconnecting?: number;
  /** From the end of the fault (the server back, the link up, the flush done) to the next `connected`. */
  readonly toConnected?: number;
  readonly notes: string;
}
const figures: Figure[] = [];

const seconds = (ms: number | undefined) => (ms === undefined ? "-" : `${(ms / 1000).toFixed(1)} s`);

const kbps = (megabytes: number, ms: number) => ((megabytes * 1024) / (ms / 1000)).toFixed(0);

let topology: Topology | undefined;
/** Switches the client side (the VM keeps running); the loss chain is emptied by `net.sh up` too. */
async function useTopology(wanted: Topology): Promise<void> {
  if (topology === wanted) return;
  await sh(`${LAB}net.sh`, ["up", wanted]);
  topology = wanted;
  await settled(NS);
}

/** Until IPv6 duplicate address detection is over (its local route appears then): a snapshot taken earlier differs. */
async function settled(ns: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    if ((await inNs(ns, "ip", ["-6", "addr", "show", "tentative"])).trim() === "") return;
    await sleep(100);
  }
}

/** Every ferry this file starts, so that a failed or timed-out test never leaves one holding the namespace. */
const runs: FerryRun[] = [];
function ferryRun(args: readonly string[]): FerryRun {
  const ferry = new FerryRun(NS, args);
  runs.push(ferry);
  return ferry;
}

const net = (...args: string[]) => sh(`${LAB}net.sh`, args);
const vm = (...args: string[]) => sh(`${LAB}vm.sh`, args);

function serverNote(server: { at: number | undefined } | undefined, faultAt: number): string {
  return server?.at === undefined
    ? "pppd kept the call"
    : `pppd's ip-down ${seconds(server.at - faultAt)} after the fault`;
}

beforeAll(async () => {
  await labUp("public");
  topology = "public";
});

afterEach(async () => {
  await net("loss", "0").catch(() => "");
  await net("link", "up", NS).catch(() => "");
  for (const ferry of runs.splice(0)) {
    const exited = await Promise.race([ferry.exited.then(() => true), sleep(0).then(() => false)]);
    if (exited) continue;
    ferry.interrupt();
    if (!(await Promise.race([ferry.exited.then(() => true), sleep(10_000).then(() => false)]))) ferry.kill();
    await ferry.exited;
  }
});

afterAll(async () => {
  await labDown();
  if (figures.length > 0) {
    console.log("faults: result, fault -> reconnecting, fault over -> connected again");
    for (const f of figures)
      console.log(
        `  ${f.fault.padEnd(40)} ${f.result.padEnd(30)} ${seconds(f.toReconnecting).padStart(7)} ${seconds(f.toConnected).padStart(7)}  ${f.notes}`,
      );
  }
});

/**
 * Loss on both ways of the path, each packet on its own. The transfer is 5 MB at 1 % and 1 MB at 5 %: with loss the
 * tunnel's round trip grows from about 3 ms to 70-500 ms, since Ferry's GRE reorder buffer holds whatever follows a
 * lost packet for up to 300 ms (pptp-linux's default), and loss towards the server stretches it as much (the server
 * apparently waits too), so at 5 % the inner TCP moves some 20-40 KB/s on this TCG VM: 5 MB would take minutes.
 */
describe.each([
  { percent: 1, megabytes: 5 },
  { percent: 5, megabytes: 1 },
])("$percent % random packet loss on the path", ({ percent, megabytes }) => {
  it(`keeps the tunnel up and completes a checksummed ${megabytes} MB transfer and pings`, {
    timeout: 330_000,
  }, async () => {
    await useTopology("public");
    const before = await snapshot(NS);
    const ferry = ferryRun(CONNECT_ARGS);
    let notes = "";
    try {
      await ferry.waitFor("connected", 30_000);
      const baseline = await checkedEcho(NS, 1024 * 1024, 60_000);
      await net("loss", String(percent));
      const echo = await checkedEcho(NS, megabytes * 1024 * 1024, 200_000);
      const ping = await pingStats(NS, 50, 0.1);
      expect(ping.received).toBeGreaterThan(0);
      notes = `${megabytes} MB echoed in ${seconds(echo.ms)} (${kbps(megabytes, echo.ms)} KB/s, without loss ${kbps(1, baseline.ms)} KB/s); ping ${ping.sent - ping.received}/${ping.sent} lost`;
      // Loss costs retransmissions, never the session.
      expect(
        ferry.events.map((e) => e.event),
        describeRun(ferry),
      ).not.toContain("reconnecting");
      expect(ferry.events.map((e) => e.event)).not.toContain("error");
    } finally {
      await net("loss", "0");
      await stop(ferry);
    }
    figures.push({ fault: `${percent} % random loss`, result: "stayed up", notes });
    expect(await snapshot(NS)).toBe(before);
  });
});

describe("the server VM killed mid-transfer", () => {
  it("reports PEER_DEAD within the keepalive window, restores the network, and reconnects once it is back", async () => {
    await useTopology("public");
    const before = await snapshot(NS);
    const ferry = ferryRun(FULL_TUNNEL);
    let transfer: EchoStream | undefined;
    let vmDown = false;
    try {
      await ferry.waitFor("connected", 30_000);
      transfer = new EchoStream(NS);
      expect(await transfer.reach(2 * 1024 * 1024, 20_000), "the transfer runs").toBe(true);
      const killedAt = runTime(ferry);
      await vm("kill");
      vmDown = true;
      const dead = await waitAfter(ferry, "reconnecting", killedAt, KEEPALIVE_WINDOW_MS + 15_000);
      expect(dead.e.code, describeRun(ferry)).toBe("PEER_DEAD");
      // The window plus scheduling slack on a loaded CI machine; the runs here saw 43.6-49.7 s.
      expect(dead.at - killedAt).toBeLessThanOrEqual(KEEPALIVE_WINDOW_MS + 8_000);
      transfer.stop();

      // While the server is down: the namespace is as it was, and ferry keeps trying, waiting longer each time.
      const retry = await waitAfter(ferry, "reconnecting", dead.at + 1, 20_000);
      expect(await snapshot(NS)).toBe(before);
      expect([...RECONNECTABLE], describeRun(ferry)).toContain(retry.e.code);
      await waitAfter(ferry, "reconnecting", retry.at + 1, 20_000);

      await vm("start");
      vmDown = false;
      const backAt = runTime(ferry);
      const again = await waitAfter(ferry, "connected", backAt - 5_000, 30_000);
      await trafficPasses(NS);

      const retries = ferry.events.filter((e) => e.event === "reconnecting");
      // Backoff: 1, 2, 4 ... 10 s, attempt numbers counting up.
      expect(retries.slice(0, 3).map((e) => e.afterMs)).toEqual([1000, 2000, 4000]);
      expect(retries.map((e) => e.attempt)).toEqual(retries.map((_, i) => i + 1));
      figures.push({
        fault: "server VM killed (SIGKILL), rebooted",
        result: `${dead.e.code}, reconnected`,
        toReconnecting: dead.at - killedAt,
        toConnected: again.at - backAt,
        notes: `VM down ${seconds(backAt - killedAt)}; attempts: ${retries.map((e) => `${e.code} after ${Number(e.afterMs) / 1000} s`).join(", ")}`,
      });
    } finally {
      transfer?.stop();
      if (vmDown) await vm("start");
      await stop(ferry);
    }
    expect(await snapshot(NS)).toBe(before);
  });
});

describe("the client's interface going down and up (sleep and wake, Wi-Fi roaming)", () => {
  it("carries traffic again after 20 s without a link, and leaves nothing behind", async () => {
    await useTopology("public");
    const before = await snapshot(NS);
    const ferry = ferryRun(FULL_TUNNEL);
    let linkDown = false;
    let server: ReturnType<typeof serverDown> | undefined;
    try {
      await ferry.waitFor("connected", 30_000);
      await trafficPasses(NS);
      const downAt = runTime(ferry);
      server = serverDown(ferry);
      await net("link", "down", NS);
      linkDown = true;
      await sleep(20_000);
      await net("link", "up", NS);
      linkDown = false;
      const upAt = runTime(ferry);
      const answered = await firstPingAnswered(ferry, NS, KEEPALIVE_WINDOW_MS + 30_000);
      expect(answered, `no traffic after the link came back; ${describeRun(ferry)}`).toBeDefined();
      await trafficPasses(NS);
      const reconnecting = firstAfter(ferry, "reconnecting", downAt);
      const again = firstAfter(ferry, "connected", downAt);
      expect(
        ferry.events.map((e) => e.event),
        describeRun(ferry),
      ).not.toContain("error");
      if (reconnecting !== undefined) expect([...RECONNECTABLE]).toContain(reconnecting.e.code);
      figures.push({
        fault: "eth0 down 20 s, up (--default-route)",
        result: reconnecting === undefined ? "stayed up" : `${reconnecting.e.code}, reconnected`,
        ...(reconnecting === undefined ? {} : { toReconnecting: reconnecting.at - downAt }),
        ...(again === undefined ? {} : { toConnected: again.at - upAt }),
        notes: `first ping answered ${seconds(answered! - upAt)} after the link came up; ${serverNote(server, downAt)}`,
      });
    } finally {
      server?.stop();
      if (linkDown) await net("link", "up", NS);
      await stop(ferry);
    }
    expect(await snapshot(NS)).toBe(before);
  });
});

describe("the home NAT's conntrack table flushed mid-session (nat-helper)", () => {
  it("carries traffic again, reconnecting if the call was lost, and leaves nothing behind", async () => {
    await useTopology("nat-helper");
    const before = await snapshot(NS);
    const ferry = ferryRun(CONNECT_ARGS);
    let stream: EchoStream | undefined;
    let server: ReturnType<typeof serverDown> | undefined;
    try {
      await ferry.waitFor("connected", 30_000);
      stream = new EchoStream(NS);
      expect(await stream.reach(2 * 1024 * 1024, 20_000), "the transfer runs").toBe(true);
      const flushedAt = runTime(ferry);
      const bytesAtFlush = stream.received;
      server = serverDown(ferry);
      await net("conntrack-flush", "fy-nat");
      // Either the stream goes on through the same call, or the call is lost and ferry starts over.
      const deadline = Date.now() + KEEPALIVE_WINDOW_MS + 15_000;
      let resumedAt: number | undefined;
      while (Date.now() < deadline) {
        if (stream.received >= bytesAtFlush + 2 * 1024 * 1024) {
          resumedAt = runTime(ferry);
          break;
        }
        if (firstAfter(ferry, "reconnecting", flushedAt) !== undefined || stream.ended !== undefined) break;
        await sleep(100);
      }
      const reconnecting = firstAfter(ferry, "reconnecting", flushedAt);
      let again: { at: number } | undefined;
      if (resumedAt === undefined) {
        expect(
          reconnecting,
          `neither traffic nor a reconnect after the flush; ${describeRun(ferry)}`,
        ).toBeDefined();
        expect([...RECONNECTABLE], describeRun(ferry)).toContain(reconnecting!.e.code);
        again = await waitAfter(ferry, "connected", flushedAt, 30_000);
      }
      await trafficPasses(NS);
      figures.push({
        fault: "NAT conntrack flushed (traffic running)",
        result:
          reconnecting === undefined ? "stayed up, stream went on" : `${reconnecting.e.code}, reconnected`,
        ...(reconnecting === undefined ? {} : { toReconnecting: reconnecting.at - flushedAt }),
        ...(again === undefined ? {} : { toConnected: again.at - flushedAt }),
        notes:
          (resumedAt === undefined
            ? `stream stalled at ${(stream.received / 1048576).toFixed(1)} MB (${stream.ended ?? "hung"})`
            : `stream +2 MB ${seconds(resumedAt - flushedAt)} after the flush`) +
          `; ${serverNote(server, flushedAt)}`,
      });
    } finally {
      server?.stop();
      stream?.stop();
      await stop(ferry);
    }
    expect(await snapshot(NS)).toBe(before);
  });
});

describe("the server restarting pptpd (as `systemctl restart pptpd`: pptpd, its pptpctrls and pppds)", () => {
  it("notices at once, reconnects to the new pptpd and leaves nothing behind", async () => {
    await useTopology("public");
    const before = await snapshot(NS);
    const ferry = ferryRun(FULL_TUNNEL);
    let stream: EchoStream | undefined;
    try {
      await ferry.waitFor("connected", 30_000);
      stream = new EchoStream(NS);
      expect(await stream.reach(2 * 1024 * 1024, 20_000), "the transfer runs").toBe(true);
      const restartedAt = runTime(ferry);
      await vm("ctl", "restart-pptpd");
      // pptpd's Call-Disconnect-Notify ("administrative shutdown"), pppd's LCP Terminate-Request or the control
      // connection's end, whichever comes first: no keepalive wait.
      const gone = await waitAfter(ferry, "reconnecting", restartedAt, 15_000);
      expect([...RECONNECTABLE], describeRun(ferry)).toContain(gone.e.code);
      const again = await waitAfter(ferry, "connected", gone.at, 30_000);
      stream.stop();
      await trafficPasses(NS);
      expect(await serverLog()).toContain("ferry-lab: pptpd restarted");
      figures.push({
        fault: "pptpd restarted (with its pppds)",
        result: `${gone.e.code}, reconnected`,
        toReconnecting: gone.at - restartedAt,
        toConnected: again.at - restartedAt,
        notes: `stream stopped at ${(stream.received / 1048576).toFixed(1)} MB; ${ferry.events.filter((e) => e.event === "reconnecting").length} attempt(s)`,
      });
    } finally {
      stream?.stop();
      await stop(ferry);
    }
    expect(await snapshot(NS)).toBe(before);
  });
});
