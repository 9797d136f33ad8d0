/**
 * ferry-relay under attack, on loopback: a relay with the in-process GRE network and a fake PPTP server, then each
 * attack for a while with many concurrent attackers (in a child process, so they do not share the relay's event
 * loop; GRE floods are in-process, since the fake network is), while an honest client measures how long a connect
 * takes (TLS, upgrade, hello, welcome) and how much GRE it gets echoed back through the relay. Prints a Markdown
 * table against a baseline without attack. Not a test: it prints figures.
 *
 *   npx tsx packages/wrap/bench/relay-attack.ts [--seconds 10] [--only silent-tcp,token-guessing]
 *
 * Attackers use 127.0.<n>.<m> source addresses (all loopback), the honest client 127.0.0.1. Nothing leaves the host.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  ControlStreamReader,
  emitControlMessage,
  greCallId,
  writeGreHeaderFields,
} from "@ferry/pptp-client/wire";
import { WebSocket } from "ws";
import { emitGreProbe } from "../src/relay/gre-probe.js";
import type { RelayCounters } from "../src/relay/relay-counters.js";
import { emitControlFrames, emitWrapFrame, parseWrapFrame } from "../src/wire/frame.js";
import type { RelayMessage } from "../src/wire/relay-messages.js";
import { ocrq, sccrq } from "../test/relay/relay-fixtures.js";
import {
  exchange,
  type Outcome,
  silentTcp,
  silentWebSocket,
  sources,
  stalledHttp,
  type Target,
} from "../test/relay-server/support/attackers.js";
import { RelayHarness, TOKEN } from "../test/relay-server/support/relay-harness.js";

const { values: options } = parseArgs({
  options: {
    phase: { type: "string", default: "main" },
    attack: { type: "string" },
    port: { type: "string" },
    ca: { type: "string" },
    seconds: { type: "string", default: "10" },
    only: { type: "string" },
  },
});
const SECONDS = Number(options.seconds);
/** The fake PPTP server's address: not the relay's own 127.0.0.1, which open-proxy attackers aim at. */
const PAC = "127.0.0.3";
const GRE_PACKET_BYTES = 1400;
const GRE_WINDOW = 32;
/** The honest client starts a connect at most this often: 10 a second, well within the relay's rate per address. */
const CONNECT_EVERY_MS = 100;

/** What an attacker child reports: attempts made and how they ended ("4001 RELAY_AUTH_FAILED", "closed", ...). */
interface AttackReport {
  readonly attempts: number;
  readonly outcomes: Record<string, number>;
}

interface Attack {
  readonly name: string;
  readonly attackers: string;
  /** Runs in the attacker child until `until`; returns what happened. */
  readonly child?: (target: Target, until: number, report: Report) => Promise<void>;
  /** Runs in the relay's process (GRE floods through the fake network). */
  readonly inProcess?: (h: RelayHarness, until: number, report: Report) => Promise<void>;
}

/** Counts `count` attempts that ended as `outcome`. */
type Report = (outcome: string, count?: number) => void;

function reporter(report: AttackReport): Report {
  return (outcome, count = 1) => {
    (report as { attempts: number }).attempts += count;
    report.outcomes[outcome] = (report.outcomes[outcome] ?? 0) + count;
  };
}

const describeOutcome = (o: Outcome) =>
  o.error === undefined ? `close ${o.status}` : `${o.status} ${o.error}`;

/** Keeps `count` loops going until `until`, each repeating `attempt`. */
async function loops(count: number, until: number, attempt: (i: number) => Promise<void>): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      while (performance.now() < until) await attempt(i);
    }),
  );
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const ATTACKS: readonly Attack[] = [
  { name: "baseline (no attack)", attackers: "-" },
  {
    name: "connection flood (open, drop)",
    attackers: "200 loops, 50 sources",
    child: (target, until, report) => {
      const from = sources(50, 10);
      return loops(200, until, async (i) => {
        const connection = silentTcp(target, from[i % 50]!);
        await wait(1);
        connection.socket.destroy();
        await connection.closed;
        report("dropped by attacker");
      });
    },
  },
  {
    name: "connection flood from one address (open, drop)",
    attackers: "200 loops, 1 source",
    child: (target, until, report) => {
      const [from] = sources(1, 15);
      return loops(200, until, async () => {
        const connection = silentTcp(target, from!);
        await wait(1);
        connection.socket.destroy();
        await connection.closed;
        report("dropped by attacker");
      });
    },
  },
  {
    name: "silent TCP (never speaks TLS)",
    attackers: "2000 sockets, 100 sources",
    child: (target, until, report) => {
      const from = sources(100, 20);
      return loops(2000, until, async (i) => {
        const connection = silentTcp(target, from[i % 100]!);
        const cut = await Promise.race([connection.closed.then(() => true), wait(until - performance.now())]);
        if (cut) report("closed by relay");
        else connection.socket.destroy();
        await wait(50);
      });
    },
  },
  {
    name: "stalled HTTP upgrade (slowloris)",
    attackers: "500 sockets, 50 sources",
    child: (target, until, report) => {
      const from = sources(50, 30);
      return loops(500, until, async (i) => {
        const connection = await stalledHttp(target, from[i % 50]!).catch(() => undefined);
        if (connection === undefined) {
          report("refused before TLS");
          await wait(50);
          return;
        }
        const cut = await Promise.race([connection.closed.then(() => true), wait(until - performance.now())]);
        if (cut) report("closed by relay");
        else connection.socket.destroy();
        await wait(50);
      });
    },
  },
  {
    name: "WebSockets that never send hello",
    attackers: "500 sockets, 100 sources",
    child: (target, until, report) => {
      const from = sources(100, 40);
      return loops(500, until, async (i) => {
        const ws = await silentWebSocket(target, from[i % 100]!).catch(() => undefined);
        if (ws === undefined) {
          report("refused before upgrade");
          await wait(50);
          return;
        }
        const code = await Promise.race([
          new Promise<number>((resolve) => ws.once("close", (status) => resolve(status))),
          wait(until - performance.now()).then(() => 0),
        ]);
        if (code === 0) ws.terminate();
        else report(`close ${code}`);
        await wait(50);
      });
    },
  },
  {
    name: "token guessing",
    attackers: "100 loops, 50 sources",
    child: (target, until, report) => {
      const from = sources(50, 50);
      let n = 0;
      return loops(100, until, async (i) => {
        report(describeOutcome(await exchange(target, from[i % 50]!, [hello(PAC, `guess-${n++}`)])));
      });
    },
  },
  {
    name: "forged frames (no token)",
    attackers: "100 loops, 50 sources",
    child: (target, until, report) => {
      const from = sources(50, 60);
      const forgeries: (RelayMessage | Uint8Array | string)[][] = [
        ["text"],
        [new Uint8Array(0)],
        [emitControlFrames(emitControlMessage(sccrq))[0]!],
        [{ type: "goaway", reconnectAfterMs: 0 }],
        [Uint8Array.of(0x03, 0x01, 0x09, 0x61)],
        [new Uint8Array(2050).fill(3)],
        [new Uint8Array(5000)],
      ];
      let n = 0;
      return loops(100, until, async (i) => {
        report(describeOutcome(await exchange(target, from[i % 50]!, forgeries[n++ % forgeries.length]!)));
      });
    },
  },
  {
    name: "open proxy (valid token, forbidden targets)",
    attackers: "100 loops, 50 sources",
    child: (target, until, report) => {
      const from = sources(50, 70);
      const targets = ["127.0.0.1", "localhost", "169.254.169.254", "192.0.2.1", "0.0.0.0", "rebind.test"];
      let n = 0;
      return loops(100, until, async (i) => {
        const server = targets[n++ % targets.length]!;
        report(describeOutcome(await exchange(target, from[i % 50]!, [hello(server, TOKEN)])));
      });
    },
  },
  {
    name: "spoofed GRE (other sources, unknown Call IDs)",
    attackers: "~100k packets/s, in-process",
    inProcess: async (h, until, report) => {
      const spoofed = new Uint8Array(GRE_PACKET_BYTES);
      writeGreHeaderFields(spoofed, 8, 0, GRE_PACKET_BYTES - 8, undefined, undefined);
      const batch = Array.from({ length: 100 }, () => spoofed);
      while (performance.now() < until) {
        for (let callId = 0; callId < 5; callId++) {
          spoofed[6] = 0x7f;
          spoofed[7] = callId;
          h.gre.fromAddress(`192.0.2.${callId + 1}`, batch);
          h.gre.fromServer(PAC, batch);
          report("packets sent", 2 * batch.length);
        }
        await wait(1);
      }
    },
  },
  {
    name: "GRE probe flood (spoofed sources)",
    attackers: "1000 sources, in-process",
    inProcess: async (h, until, report) => {
      const from = sources(1000, 40).map((a) => a.replace(/^127\./, "10."));
      const probes = Array.from({ length: 20 }, (_, id) =>
        emitGreProbe({ type: "probe", id, sentAt: 0, seq: id }),
      );
      while (performance.now() < until) {
        for (const source of from) h.gre.probeFrom(source, probes);
        report("probes sent", from.length * probes.length);
        await wait(5);
      }
    },
  },
];

function hello(server: string, token: string): RelayMessage {
  return { type: "hello", server, token };
}

/** The honest client: one welcome, then (for the throughput client) a PPTP call. */
class HonestClient {
  private readonly reader = new ControlStreamReader();
  private welcomeWaiter: (() => void) | undefined;
  private readonly control: ((type: string) => boolean)[] = [];
  serverCallId = -1;
  greBytes = 0;
  private inFlight = 0;
  private pumping = false;

  private constructor(readonly ws: WebSocket) {
    ws.on("error", () => {});
    ws.on("message", (data: Buffer) => this.received(new Uint8Array(data)));
  }

  static open(target: Target): Promise<HonestClient> {
    const ws = new WebSocket(`wss://127.0.0.1:${target.port}/ferry`, ["ferry.v1"], {
      ca: target.ca,
      perMessageDeflate: false,
    });
    const client = new HonestClient(ws);
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(client));
      ws.once("error", reject);
      ws.once("close", (code) => reject(new Error(`closed ${code}`)));
    });
  }

  /** Connect time: from nothing to welcome. */
  static async connectMs(target: Target): Promise<number> {
    const started = performance.now();
    const client = await HonestClient.open(target);
    await client.hello();
    const ms = performance.now() - started;
    client.ws.terminate();
    return ms;
  }

  hello(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.welcomeWaiter = resolve;
      this.ws.once("close", (code) => reject(new Error(`closed ${code} before welcome`)));
      this.ws.send(emitWrapFrame({ channel: "relay", message: hello(PAC, TOKEN) }));
    });
  }

  async call(): Promise<void> {
    const awaitControl = (type: string) =>
      new Promise<void>((resolve) =>
        this.control.push((t) => {
          if (t !== type) return false;
          resolve();
          return true;
        }),
      );
    const started = awaitControl("start-control-connection-reply");
    for (const frame of emitControlFrames(emitControlMessage(sccrq))) this.ws.send(frame);
    await started;
    const replied = awaitControl("outgoing-call-reply");
    for (const frame of emitControlFrames(emitControlMessage(ocrq(0x4242)))) this.ws.send(frame);
    await replied;
  }

  /** Keeps GRE_WINDOW packets in flight through the relay and the echoing server. */
  startEcho(): void {
    this.pumping = true;
    this.fill();
  }

  stopEcho(): void {
    this.pumping = false;
  }

  private fill(): void {
    while (this.pumping && this.inFlight < GRE_WINDOW) {
      const packet = new Uint8Array(GRE_PACKET_BYTES);
      writeGreHeaderFields(packet, 8, this.serverCallId, GRE_PACKET_BYTES - 8, undefined, undefined);
      this.inFlight++;
      this.ws.send(emitWrapFrame({ channel: "gre", packet }));
    }
  }

  private received(bytes: Uint8Array): void {
    const frame = parseWrapFrame(bytes);
    if (!frame.ok) return;
    const value = frame.value;
    if (value.channel === "gre") {
      this.greBytes += value.packet.length;
      this.inFlight--;
      this.fill();
    } else if (value.channel === "relay" && value.message.type === "welcome") {
      this.welcomeWaiter?.();
    } else if (value.channel === "control") {
      this.reader.push(value.bytes);
      for (let m = this.reader.next(); m !== undefined; m = this.reader.next()) {
        if (!m.ok || m.value.kind !== "message") continue;
        const message = m.value.message;
        if (message.type === "outgoing-call-reply") this.serverCallId = message.callId;
        const i = this.control.findIndex((matches) => matches(message.type));
        if (i >= 0) this.control.splice(i, 1);
      }
    }
  }
}

interface Measured {
  readonly connectMs: number[];
  readonly failures: number;
  readonly mbPerSecond: number;
}

/** Connect-time samples (sequential connects) and GRE echo throughput over `seconds`. */
async function measure(h: RelayHarness, target: Target, seconds: number): Promise<Measured> {
  const echo = await HonestClient.open(target);
  await echo.hello();
  await echo.call();
  const call = h.pac.connections.at(-1)!.received.find((m) => m.type === "outgoing-call-request");
  const relayCallId = call?.type === "outgoing-call-request" ? call.callId : -1;
  // The server echoes GRE for this call back to the relay's Call ID, as a peer answering would.
  h.gre.reflect = (_server, packet) => {
    if (greCallId(packet) !== echo.serverCallId) return undefined;
    const answer = Uint8Array.from(packet);
    answer[6] = relayCallId >> 8;
    answer[7] = relayCallId & 0xff;
    return answer;
  };
  const until = performance.now() + seconds * 1000;
  const startedAt = performance.now();
  echo.startEcho();
  const connectMs: number[] = [];
  let failures = 0;
  while (performance.now() < until) {
    const next = performance.now() + CONNECT_EVERY_MS;
    try {
      connectMs.push(await HonestClient.connectMs(target));
    } catch {
      failures++;
    }
    await wait(Math.max(0, next - performance.now()));
  }
  echo.stopEcho();
  const mbPerSecond = echo.greBytes / 1e6 / ((performance.now() - startedAt) / 1000);
  echo.ws.terminate();
  h.gre.reflect = undefined;
  return { connectMs, failures, mbPerSecond };
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** What the relay counted during one attack, in words (`metrics`: what only /metrics counts, as deltas). */
function relayResult(
  before: RelayCounters,
  after: RelayCounters,
  metrics: { readonly rateLimited: number; readonly foreign: number; readonly probes: number },
): string {
  const { rateLimited, foreign, probes } = metrics;
  const parts: string[] = [];
  if (rateLimited > 0) parts.push(`rate_limited ${rateLimited}`);
  for (const [reason, count] of Object.entries(after.handshakesCut)) {
    const delta = count - before.handshakesCut[reason as keyof RelayCounters["handshakesCut"]];
    if (delta > 0) parts.push(`${reason} ${delta}`);
  }
  const throttled = after.authThrottled - before.authThrottled;
  if (throttled > 0) parts.push(`auth_throttled ${throttled}`);
  const unrouted = after.greDropped.unrouted - before.greDropped.unrouted;
  if (unrouted > 0) parts.push(`gre unrouted ${unrouted}`);
  if (foreign > 0) parts.push(`gre foreign_source ${foreign}`);
  if (probes > 0) parts.push(`probes ignored ${probes}`);
  return parts.join(", ");
}

function outcomesText(report: AttackReport): string {
  const entries = Object.entries(report.outcomes).sort((a, b) => b[1] - a[1]);
  return entries.map(([what, count]) => `${what} ×${count}`).join(", ");
}

async function runChild(attack: string, target: Target, caFile: string): Promise<AttackReport> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...process.execArgv,
      fileURLToPath(import.meta.url),
      "--phase",
      "attack",
      "--attack",
      attack,
      "--port",
      String(target.port),
      "--ca",
      caFile,
      "--seconds",
      String(SECONDS),
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let out = "";
  child.stdout!.on("data", (data: Buffer) => {
    out += data.toString();
  });
  await new Promise((resolve) => child.once("exit", resolve));
  return JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as AttackReport;
}

async function attackerPhase(): Promise<void> {
  const attack = ATTACKS.find((a) => a.name === options.attack);
  const target: Target = { port: Number(options.port), ca: readFileSync(options.ca!) };
  const report: AttackReport = { attempts: 0, outcomes: {} };
  const until = performance.now() + SECONDS * 1000;
  await attack?.child?.(target, until, reporter(report));
  process.stdout.write(`${JSON.stringify(report)}\n`);
  process.exit(0);
}

async function mainPhase(): Promise<void> {
  const only = options.only?.split(",");
  const h = new RelayHarness();
  h.makePki();
  const r = await h.start({ log: () => {} }, "open", {
    pacHost: PAC,
    allow: [PAC, "rebind.test"],
    names: { localhost: "127.0.0.1", "rebind.test": "127.0.0.1" },
  });
  const target: Target = { port: r.address().port, ca: h.pki.server.cert };
  const caFile = join(h.pki.dir, "relay.crt");
  const rows: string[] = [];
  let baseline: Measured | undefined;
  for (const attack of ATTACKS) {
    if (only !== undefined && attack !== ATTACKS[0] && !only.some((o) => attack.name.startsWith(o))) continue;
    const before = structuredClone(r.counters);
    const metricsBefore = await h.metrics(r);
    const until = performance.now() + SECONDS * 1000;
    const inProcessReport: AttackReport = { attempts: 0, outcomes: {} };
    const attacking =
      attack.child !== undefined
        ? runChild(attack.name, target, caFile)
        : attack.inProcess !== undefined
          ? attack.inProcess(h, until, reporter(inProcessReport)).then(() => inProcessReport)
          : Promise.resolve(inProcessReport);
    const most = { tls: 0, http: 0, hello: 0 };
    const sampler = setInterval(() => {
      const now = r.handshakes();
      for (const stage of ["tls", "http", "hello"] as const) most[stage] = Math.max(most[stage], now[stage]);
    }, 100);
    // Give the attack a second to build up before measuring.
    if (attack.child !== undefined || attack.inProcess !== undefined) await wait(1000);
    const measured = await measure(h, target, Math.max(1, SECONDS - 1.5));
    const report = await attacking;
    clearInterval(sampler);
    baseline ??= measured;
    const metricsAfter = await h.metrics(r);
    const delta = (series: string) => counterOf(metricsAfter, series) - counterOf(metricsBefore, series);
    const counted = {
      rateLimited: delta("ferry_relay_connections_rate_limited_total"),
      foreign: delta('ferry_relay_gre_dropped_total{reason="foreign_source"}'),
      probes: delta('ferry_relay_gre_probes_total{result="ignored"}'),
    };
    const held = `most held: tls ${most.tls}, http ${most.http}, hello ${most.hello}`;
    const result = [outcomesText(report), relayResult(before, r.counters, counted), held]
      .filter((s) => s !== "")
      .join("; ");
    const median = percentile(measured.connectMs, 50);
    const p95 = percentile(measured.connectMs, 95);
    rows.push(
      `| ${attack.name} | ${attack.attackers} | ${result || "-"} | ${median.toFixed(1)} / ${p95.toFixed(1)} ` +
        `(${percentile(baseline.connectMs, 50).toFixed(1)} / ${percentile(baseline.connectMs, 95).toFixed(1)})` +
        `${measured.failures > 0 ? `, ${measured.failures} failed` : ""} | ` +
        `${measured.mbPerSecond.toFixed(1)} MB/s (${((measured.mbPerSecond / baseline.mbPerSecond) * 100).toFixed(0)} %) |`,
    );
    process.stderr.write(`${rows.at(-1)}\n`);
    // Lets the attack's leftovers (connections the relay is still closing) clear before the next one.
    await wait(2000);
  }
  await h.cleanup();
  h.removePki();
  process.stdout.write(
    [
      `ferry-relay under attack, ${SECONDS} s per attack, loopback, Node ${process.version}.`,
      `Legit connect = TCP + TLS + upgrade + hello + welcome, sequential, one every ${CONNECT_EVERY_MS} ms at most,`,
      "ms median / p95 (baseline in brackets);",
      `throughput = ${GRE_PACKET_BYTES}-byte GRE echoed through relay and fake server, ${GRE_WINDOW} in flight.`,
      "",
      "| Attack | Attackers | Result (attacker's view; relay's counters) | Legit connect ms median / p95 (baseline) | Legit GRE echo (vs baseline) |",
      "|---|---|---|---|---|",
      ...rows,
      "",
    ].join("\n"),
  );
  process.exit(0);
}

function counterOf(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

if (options.phase === "attack") await attackerPhase();
else await mainPhase();
