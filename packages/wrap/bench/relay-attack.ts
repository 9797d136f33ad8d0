/**
 * ferry-relay under attack, on loopback: a relay with the in-process GRE network and a fake PPTP server, then each
 * attack for a while with many concurrent attackers (in a child process, so they do not share the relay's event
 * loop; GRE floods are in-process, since the fake network is), while an honest client measures how long a connect
 * takes (TLS, upgrade, hello, welcome) and how much GRE it gets echoed back through the relay. Prints a Markdown
 * table against a baseline without attack. Not a test: it prints figures.
 *
 *   npx tsx packages/wrap/bench/relay-attack.ts [--seconds 10] [--only "silent TCP,token guessing"]
 *
 * Attackers use 127.0.<n>.<m> source addresses (all loopback), the honest client 127.0.0.1. Nothing leaves the host.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as wait } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { sources, type Target } from "../test/relay-server/support/attackers.js";
import { RelayHarness } from "../test/relay-server/support/relay-harness.js";
import {
  type AttackReport,
  type ChildAttack,
  connectionFlood,
  forgedFrames,
  greProbeFlood,
  type InProcessAttack,
  openProxy,
  reporter,
  silentTcpHold,
  silentWebSocketHold,
  spoofedGre,
  stalledHttpHold,
  tokenGuessing,
} from "./relay-attack/attackers.js";
import { type Measured, measure } from "./relay-attack/honest-client.js";
import { PAC } from "./relay-attack/setup.js";
import { metricsCounted, resultText, row, table } from "./relay-attack/table.js";

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

interface Attack {
  readonly name: string;
  readonly attackers: string;
  /** Runs in the attacker child, over the network. */
  readonly child?: ChildAttack;
  /** Runs in the relay's process (GRE floods through the fake network). */
  readonly inProcess?: InProcessAttack;
}

/** The table's rows, in order; each attack draws its sources from a block of its own (127.0.<block>.x). */
const ATTACKS: readonly Attack[] = [
  { name: "baseline (no attack)", attackers: "-" },
  {
    name: "connection flood (open, drop)",
    attackers: "200 loops, 50 sources",
    child: connectionFlood(200, sources(50, 10)),
  },
  {
    name: "connection flood from one address (open, drop)",
    attackers: "200 loops, 1 source",
    child: connectionFlood(200, sources(1, 15)),
  },
  {
    name: "silent TCP (never speaks TLS)",
    attackers: "2000 sockets, 100 sources",
    child: silentTcpHold(2000, sources(100, 20)),
  },
  {
    name: "stalled HTTP upgrade (slowloris)",
    attackers: "500 sockets, 50 sources",
    child: stalledHttpHold(500, sources(50, 30)),
  },
  {
    name: "WebSockets that never send hello",
    attackers: "500 sockets, 100 sources",
    child: silentWebSocketHold(500, sources(100, 40)),
  },
  { name: "token guessing", attackers: "100 loops, 50 sources", child: tokenGuessing(100, sources(50, 50)) },
  {
    name: "forged frames (no token)",
    attackers: "100 loops, 50 sources",
    child: forgedFrames(100, sources(50, 60)),
  },
  {
    name: "open proxy (valid token, forbidden targets)",
    attackers: "100 loops, 50 sources",
    child: openProxy(100, sources(50, 70)),
  },
  {
    name: "spoofed GRE (other sources, unknown Call IDs)",
    attackers: "~100k packets/s, in-process",
    inProcess: spoofedGre,
  },
  {
    name: "GRE probe flood (spoofed sources)",
    attackers: "1000 sources, in-process",
    // Spoofed: the fake network delivers from any address, not only loopback ones.
    inProcess: greProbeFlood(sources(1000, 40).map((a) => a.replace(/^127\./, "10."))),
  },
];

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
    const counted = metricsCounted(metricsBefore, await h.metrics(r));
    rows.push(row(attack, resultText(report, before, r.counters, counted, most), measured, baseline));
    process.stderr.write(`${rows.at(-1)}\n`);
    // Lets the attack's leftovers (connections the relay is still closing) clear before the next one.
    await wait(2000);
  }
  await h.cleanup();
  h.removePki();
  process.stdout.write(table(SECONDS, rows));
  process.exit(0);
}

if (options.phase === "attack") await attackerPhase();
else await mainPhase();
