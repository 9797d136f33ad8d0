/**
 * Faults under a running session, against the real pptpd: 1 % and 5 % random loss on the path, the server VM killed
 * mid-transfer and booted again, pptpd restarted on the server, the client's interface going down and up (sleep and
 * wake, Wi-Fi roaming), and the home NAT's conntrack table flushed with traffic running. Each test checks the event
 * Ferry reports, the network put back while there is no tunnel, traffic passing again, a clean Ctrl-C and nothing left behind; afterAll prints how
 * long each recovery took. A relay killed and restarted is in wrap.test.ts, a SIGKILLed ferry in recovery.test.ts.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import { RECONNECTABLE } from "@ferry/wrap";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  CONNECT_ARGS,
  type FerryEvent,
  FerryRun,
  inNs,
  LAB,
  labDown,
  labUp,
  SERVER,
  SERVER_PPP,
  serverLog,
  sh,
  sha256,
  snapshot,
  type Topology,
  USER,
} from "./lab.js";

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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
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

/** The first event `name` that arrived at or after `sinceMs` (run time), with its arrival. */
function firstAfter(
  ferry: FerryRun,
  name: string,
  sinceMs: number,
): { e: FerryEvent; at: number } | undefined {
  for (const [i, e] of ferry.events.entries()) {
    const at = ferry.arrivals[i]!;
    if (e.event === name && at >= sinceMs) return { e, at };
  }
  return undefined;
}

async function waitAfter(ferry: FerryRun, name: string, sinceMs: number, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = firstAfter(ferry, name, sinceMs);
    if (found !== undefined) return found;
    if (Date.now() > deadline || ferry.events.some((e) => e.event === "disconnected")) {
      throw new Error(`no "${name}" event after ${sinceMs} ms; ${describeRun(ferry)}`);
    }
    await sleep(100);
  }
}

const now = (ferry: FerryRun) => Date.now() - ferry.startedAt;

function describeRun(ferry: FerryRun): string {
  const events = ferry.events.map((e, i) => `${ferry.arrivals[i]} ms ${JSON.stringify(e)}`).join("\n  ");
  return `events:\n  ${events}\nstderr:\n  ${ferry.stderr.join("\n  ")}`;
}

/** Ctrl-C: ferry must exit 0 (the error that ended a session would make it 1). */
async function stop(ferry: FerryRun): Promise<void> {
  ferry.interrupt();
  const code = await ferry.exited;
  expect(code, describeRun(ferry)).toBe(0);
}

/** ping's summary without failing on loss: "N packets transmitted, M received". */
function pingStats(
  ns: string,
  count: number,
  intervalS: number,
): Promise<{ sent: number; received: number }> {
  return new Promise((resolve) => {
    execFile(
      "ip",
      [
        "netns",
        "exec",
        ns,
        "ping",
        "-n",
        "-q",
        "-c",
        String(count),
        "-i",
        String(intervalS),
        "-W",
        "2",
        SERVER_PPP,
      ],
      { timeout: 60_000 },
      (_error, stdout) => {
        const m = /(\d+) packets transmitted, (\d+) received/.exec(String(stdout));
        resolve({ sent: Number(m?.[1] ?? count), received: Number(m?.[2] ?? 0) });
      },
    );
  });
}

/**
 * Sends `bytes` random bytes through the tunnel to the VM's TCP echo service and checks what comes back; gives up
 * (killing its own helper by pid) after `timeoutMs`. Resolves with the time taken and how much came back.
 */
function checkedEcho(ns: string, bytes: number, timeoutMs: number): Promise<{ ms: number; back: number }> {
  const payload = randomBytes(bytes);
  const script = `
    const s = require("net").connect(7, "${SERVER_PPP}");
    process.stdin.pipe(s);
    s.pipe(process.stdout);
    s.on("error", (e) => { console.error(e.message); process.exit(1); });`;
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn("ip", ["netns", "exec", ns, process.execPath, "-e", script]);
    const out: Buffer[] = [];
    let back = 0;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`echo of ${bytes} bytes: ${back} back after ${timeoutMs} ms`));
    }, timeoutMs);
    child.stdout.on("data", (c: Buffer) => {
      out.push(c);
      back += c.length;
      if (back < bytes) return;
      clearTimeout(timer);
      child.kill("SIGKILL");
      const echoed = Buffer.concat(out);
      if (sha256(echoed.subarray(0, bytes)) === sha256(payload) && back === bytes)
        resolve({ ms: Date.now() - started, back });
      else reject(new Error(`echo of ${bytes} bytes: ${back} came back, not the same`));
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (back < bytes) reject(new Error(`echo exited ${code} with ${back} of ${bytes} bytes back`));
    });
    child.stdin.on("error", () => {});
    child.stdin.write(payload);
  });
}

/** Two pings and a 1 MB checksummed echo: the tunnel carries traffic. */
async function trafficPasses(ns: string): Promise<void> {
  await inNs(ns, "ping", ["-c", "2", "-W", "3", SERVER_PPP]);
  await checkedEcho(ns, 1024 * 1024, 60_000);
}

function serverNote(server: { at: number | undefined } | undefined, faultAt: number): string {
  return server?.at === undefined
    ? "pppd kept the call"
    : `pppd's ip-down ${seconds(server.at - faultAt)} after the fault`;
}

/** Run time at which the server logged its `count`th ip-down (pppd's link gone), polled every 500 ms meanwhile. */
function serverDown(ferry: FerryRun): { at: number | undefined; stop: () => void } {
  const found: { at: number | undefined; stop: () => void } = { at: undefined, stop: () => {} };
  let stopped = false;
  found.stop = () => {
    stopped = true;
  };
  void (async () => {
    const downs = async () => (await serverLog().catch(() => "")).split("ferry-lab: ip-down").length;
    const initial = await downs();
    while (!stopped) {
      if ((await downs()) > initial) {
        found.at = now(ferry);
        return;
      }
      await sleep(500);
    }
  })();
  return found;
}

/** Polls until a ping through the tunnel is answered; the run time of that answer, or undefined on timeout. */
async function firstPingAnswered(
  ferry: FerryRun,
  ns: string,
  timeoutMs: number,
): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { received } = await pingStats(ns, 1, 1);
    if (received > 0) return now(ferry);
    await sleep(200);
  }
  return undefined;
}

/**
 * A TCP echo stream through the tunnel that runs until stopped: random data, at most 1 MB in flight, the byte count
 * echoed back so far reported every 200 ms. Killed by its own pid (`ip netns exec` runs node in its place).
 */
class EchoStream {
  received = 0;
  ended: string | undefined;
  private readonly child: ChildProcess;

  constructor(ns: string) {
    const script = `
      const s = require("net").connect(7, "${SERVER_PPP}");
      const chunk = require("crypto").randomBytes(65536);
      let sent = 0, received = 0;
      const pump = () => { while (sent - received < 1048576) { sent += chunk.length; if (!s.write(chunk)) break; } };
      s.on("connect", pump); s.on("drain", pump);
      s.on("data", (c) => { received += c.length; pump(); });
      setInterval(() => console.log(received), 200);
      s.on("error", (e) => { console.log("error " + e.message); process.exit(1); });
      s.on("close", () => { console.log("closed"); process.exit(1); });`;
    this.child = spawn("ip", ["netns", "exec", ns, process.execPath, "-e", script], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    createInterface({ input: this.child.stdout! }).on("line", (line) => {
      if (/^\d+$/.test(line)) this.received = Number(line);
      else this.ended = line;
    });
  }

  /** Waits until `bytes` have come back; false on timeout or if the stream ended. */
  async reach(bytes: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.received < bytes) {
      if (this.ended !== undefined || Date.now() > deadline) return false;
      await sleep(100);
    }
    return true;
  }

  stop(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }
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
      const killedAt = now(ferry);
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
      const backAt = now(ferry);
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
      const downAt = now(ferry);
      server = serverDown(ferry);
      await net("link", "down", NS);
      linkDown = true;
      await sleep(20_000);
      await net("link", "up", NS);
      linkDown = false;
      const upAt = now(ferry);
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
      const flushedAt = now(ferry);
      const bytesAtFlush = stream.received;
      server = serverDown(ferry);
      await net("conntrack-flush", "fy-nat");
      // Either the stream goes on through the same call, or the call is lost and ferry starts over.
      const deadline = Date.now() + KEEPALIVE_WINDOW_MS + 15_000;
      let resumedAt: number | undefined;
      while (Date.now() < deadline) {
        if (stream.received >= bytesAtFlush + 2 * 1024 * 1024) {
          resumedAt = now(ferry);
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
      const restartedAt = now(ferry);
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
