/**
 * Memory over a long session, in one process and without the network: does the client leak, or does V8's heap only
 * settle? Not a test: it prints the heap after a full GC, off-heap ArrayBuffers and RSS against packets and against
 * reconnects, the heap allocated per packet, and which kinds of objects grew between an early and a late heap
 * snapshot of the same workload (a count that grows with packets or reconnects is a leak; a flat one is not).
 *
 *   npm run bench:memory [-- --packets 2000000 --sessions 300 --reconnects 40 --quick --json]
 *   (that is: node --expose-gc --import tsx packages/cli/bench/memory.ts ...)
 *
 * 1. data path, MPPE-128 stateless then stateful: one session against the test server on a simulated clock,
 *    --packets IP packets each way (1400 bytes, every tenth ping-sized) at the soak's rate (20 Mbit/s each way),
 *    0.1 % loss downstream (reorder timeouts; CCP resets in stateful mode), LCP and PPTP echoes and GRE acks as
 *    their timers fall due over the simulated hours.
 * 2. sessions: --sessions complete sessions one after the other on the simulated clock (connect, traffic, two LCP
 *    echoes), ended in turn by the user, by unanswered echoes (PEER_DEAD) and by the server closing TCP 1723.
 * 3. the client stack `ferry connect` runs, on the real event loop and clock: @ferry/wrap's connect() and its
 *    reconnect loop, the tunnel pump on a fake TUN device (a fake native addon), over a direct-mode stand-in and
 *    over WrapCarrier to a fake relay; every session moves traffic both ways, then is ended alternately by dropping
 *    all GRE at the server and by stopping it, as the soak does, and connect() reconnects (after its 1 s wait).
 *    This phase uses the built packages (dist), as the CLI does: build first (npx tsc -b packages/cli).
 * 4. native reader: the real addon's PacketReader (4 MiB batch arena each) opened, fed, stopped and dropped
 *    --readers times on a FIFO, as each reconnect does with its TUN and GRE readers; counts the finalized ones.
 *
 * Heap snapshots (--snapshots) of phases 1-3, early and late, are compared by constructor; RSS after a snapshot
 * includes the snapshot writer's own memory, so read RSS from a run without them. `--compare EARLY,LATE` compares
 * two snapshot files of any process the same way and runs nothing else.
 * "C heap" is the resident part of the [heap] mapping (glibc's main arena: malloc, ArrayBuffer contents, the
 * native readers' arenas), where RSS that the V8 heap does not explain lives.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { setFlagsFromString, writeHeapSnapshot } from "node:v8";
import { runInNewContext } from "node:vm";
import { type IoResult, opened, openTunnel, type TunnelOutcome } from "@ferry/pptp-client/tunnel";
import {
  type ConnectDeps,
  type ConnectEvent,
  connect,
  WrapCarrier,
  WrapClientSession,
  type WrapErrorCode,
} from "@ferry/wrap";
import type { WebSocket } from "ws";
import { ipPacket } from "../../pptp-client/test/support/ip-packets.js";
import { seededRandom } from "../../pptp-client/test/support/seeded-random.js";
import { Simulation } from "../../pptp-client/test/support/simulation.js";
import { installFakeNativeAddon } from "./memory/fake-native.js";
import { censusGrowth, censusTotals, heapCensus } from "./memory/heap-census.js";
import {
  FakeRelaySocket,
  InProcessServer,
  LoopCarrier,
  SERVER_PASSWORD,
  SERVER_USER,
} from "./memory/in-process-server.js";
import { readerCycles } from "./memory/native-reader-cycles.js";

const { values: args } = parseArgs({
  strict: true,
  options: {
    packets: { type: "string" },
    "sample-every": { type: "string" },
    sessions: { type: "string" },
    reconnects: { type: "string" },
    readers: { type: "string" },
    quick: { type: "boolean", default: false },
    phases: { type: "string", default: "data,sessions,direct,wrap,reader" },
    snapshots: { type: "boolean", default: false },
    "keep-snapshots": { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    compare: { type: "string" },
  },
});
const PHASES = new Set(args.phases.split(","));
const QUICK = args.quick;
const PACKETS = Number(args.packets ?? (QUICK ? 200_000 : 2_000_000));
const SAMPLE_EVERY = Number(args["sample-every"] ?? PACKETS / 10);
const SESSIONS = Number(args.sessions ?? (QUICK ? 60 : 300));
const RECONNECTS = Number(args.reconnects ?? (QUICK ? 10 : 40));
const READERS = Number(args.readers ?? (QUICK ? 100 : 500));

const BIG_PACKET = 1400;
const PING_PACKET = 84;
/** 20 Mbit/s of 1400-byte packets each way, as the soak's iperf3 --bidir. */
const PACKETS_PER_SECOND = 20e6 / 8 / BIG_PACKET;
const BATCH = 1000;
const DOWNSTREAM_LOSS = 0.001;
const SESSION_SAMPLE_EVERY = 25;
/** Phase 3: traffic per session, in wake-ups of this many packets each way. */
const WAKE_UPS_PER_SESSION = QUICK ? 300 : 1500;
const PACKETS_PER_WAKE_UP = 8;
/** Phase 3 keepalives, much faster than the real 10 s so that a dead peer shows within half a second. */
const FAST_ECHO_MS = 100;

const gc = exposeGc();
const kernel = installFakeNativeAddon();
const workDir = mkdtempSync(join(tmpdir(), "ferry-memory-"));

// ---------------------------------------------------------------------------------------------- measuring

interface Sample {
  readonly x: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
  readonly rss: number;
  /** Resident bytes of the C heap's main arena (the [heap] mapping: malloc, ArrayBuffer contents); Linux only. */
  readonly mallocHeap: number;
}

/** Memory after two full collections (the second finishes what finalizers freed in the first). */
function measure(x: number): Sample {
  gc();
  gc();
  const { heapUsed, external, arrayBuffers, rss } = process.memoryUsage();
  return { x, heapUsed, external, arrayBuffers, rss, mallocHeap: residentMallocHeap() };
}

function residentMallocHeap(): number {
  try {
    const smaps = readFileSync("/proc/self/smaps", "utf8");
    const heap = smaps.indexOf("[heap]");
    const rss = heap < 0 ? null : /Rss:\s+(\d+) kB/.exec(smaps.slice(heap, heap + 400));
    return rss === null ? Number.NaN : Number(rss[1]) * 1024;
  } catch {
    return Number.NaN;
  }
}

/** Least-squares slope of `key` against x over the last two thirds of the samples (the first third is warm-up). */
function slope(samples: readonly Sample[], key: keyof Omit<Sample, "x">): number {
  const tail = samples.slice(Math.floor(samples.length / 3));
  if (tail.length < 2) return Number.NaN;
  const n = tail.length;
  const mx = tail.reduce((s, p) => s + p.x, 0) / n;
  const my = tail.reduce((s, p) => s + p[key], 0) / n;
  let num = 0;
  let den = 0;
  for (const p of tail) {
    num += (p.x - mx) * (p[key] - my);
    den += (p.x - mx) ** 2;
  }
  return num / den;
}

/** Snapshot files: counted only once the phase is over, so that no census is in the heap a snapshot shows. */
interface Snapshots {
  early?: string;
  late?: string;
}

function snapshot(name: string): string | undefined {
  if (!args.snapshots) return undefined;
  gc();
  return writeHeapSnapshot(join(workDir, `${name}.heapsnapshot`));
}

function snapshotGrowth(snapshots: Snapshots | undefined) {
  if (snapshots?.early === undefined || snapshots.late === undefined) return undefined;
  const early = heapCensus(snapshots.early);
  const late = heapCensus(snapshots.late);
  return { early: censusTotals(early), late: censusTotals(late), grew: censusGrowth(early, late, 12) };
}

function exposeGc(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing !== undefined) return existing;
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

const BIG = ipPacket(1, BIG_PACKET);
const PING = ipPacket(2, PING_PACKET);
const packetAt = (n: number): Uint8Array => (n % 10 === 9 ? PING : BIG);

// ---------------------------------------------------------------------------------------------- phase 1

interface PhaseReport {
  readonly phase: string;
  /** What x counts in the samples. */
  readonly per: string;
  readonly samples: readonly Sample[];
  readonly notes: Record<string, unknown>;
  readonly snapshots?: Snapshots;
}

function mppeOptions(stateless: boolean) {
  return { strengths: [128 as const], allowStateless: stateless, allowStateful: !stateless };
}

function connectedSimulation(stateless: boolean, seed: number): Simulation {
  const sim = new Simulation({
    seed,
    client: { mppe: mppeOptions(stateless) },
    peer: { mru: 1500, mppe: { ...mppeOptions(stateless), required: true } },
  });
  const event = sim.connect();
  if (event?.type !== "connected") throw new Error(`could not connect: ${JSON.stringify(event)}`);
  return sim;
}

/** The harness keeps what it saw for tests to inspect; the bench lets it go, so only the client and server remain. */
function forgetHarnessRecords(sim: Simulation): void {
  sim.events.length = 0;
  sim.clientTun.length = 0;
  sim.peer.pppEvents.length = 0;
  sim.peer.control.received.length = 0;
}

function dataPath(stateless: boolean): PhaseReport {
  const sim = connectedSimulation(stateless, 1);
  const { client, peer } = sim;
  const loss = seededRandom(99);
  let atServer = 0;
  let atClient = 0;
  peer.onIp = () => {
    atServer++;
  };
  const msPerBatch = (BATCH / PACKETS_PER_SECOND) * 1000;
  const samples: Sample[] = [];
  const snapshots: Snapshots = {};
  const start = sim.now;
  /** ArrayBuffer memory (packets, Buffer pool slabs) alive or awaiting collection: what the C heap must hold. */
  let arrayBuffersPeak = 0;
  for (let sent = 0; sent < PACKETS; ) {
    for (let i = 0; i < BATCH; i++) {
      const ip = packetAt(sent + i);
      client.handleTunPacket(ip, sim.now);
      peer.sendIp(ip, sim.now);
    }
    sent += BATCH;
    for (let p = client.pollGre(); p !== undefined; p = client.pollGre()) peer.handleGre(p, sim.now);
    for (let p = peer.pollGre(); p !== undefined; p = peer.pollGre())
      if (loss.float() >= DOWNSTREAM_LOSS) client.handleGre(p, sim.now);
    for (let ip = client.pollTun(); ip !== undefined; ip = client.pollTun()) atClient++;
    arrayBuffersPeak = Math.max(arrayBuffersPeak, process.memoryUsage().arrayBuffers);
    // Whatever the packets set off (acks, CCP resets), then the timers of the time the batch took on the wire.
    sim.flush();
    sim.runUntil(() => false, msPerBatch);
    forgetHarnessRecords(sim);
    if (sent % SAMPLE_EVERY === 0) samples.push(measure(sent));
    if (sent === SAMPLE_EVERY * 2) snapshots.early = snapshot(`data-${stateless}-early`);
  }
  snapshots.late = snapshot(`data-${stateless}-late`);
  const stats = client.stats();
  return {
    phase: `data path, MPPE-128 ${stateless ? "stateless" : "stateful"}`,
    per: "packets each way",
    samples,
    snapshots,
    notes: {
      state: client.state,
      simulatedMinutes: Math.round((sim.now - start) / 60_000),
      atServer,
      atClient,
      lost: stats.lost,
      dropped: stats.dropped,
      rttMs: stats.lastRttMs,
      arrayBuffersPeakKB: Math.round(arrayBuffersPeak / 1024),
      ...allocationPerPacket(sim),
    },
  };
}

/**
 * Bytes allocated per packet, each direction alone: the growth of the young heap (and of ArrayBuffer memory) over a
 * run short enough that no collection interrupts it, median of many runs.
 */
function allocationPerPacket(sim: Simulation): Record<string, number> {
  const { client, peer } = sim;
  const RUN = 400;
  const encapsulate = () => {
    for (let i = 0; i < RUN; i++) {
      client.handleTunPacket(BIG, sim.now);
      client.pollGre();
    }
  };
  const ready: Uint8Array[] = [];
  const decapsulate = () => {
    for (const p of ready) {
      client.handleGre(p, sim.now);
      client.pollTun();
    }
  };
  const prepare = () => {
    ready.length = 0;
    for (let i = 0; i < RUN; i++) {
      peer.sendIp(BIG, sim.now);
      ready.push(peer.pollGre()!);
    }
  };
  const perPacket = (run: () => void, before?: () => void) => {
    const heap: number[] = [];
    const offHeap: number[] = [];
    for (let trial = 0; trial < 41; trial++) {
      before?.();
      gc();
      const a = process.memoryUsage();
      run();
      const b = process.memoryUsage();
      // A negative difference means a collection ran during the run: that trial says nothing.
      if (b.heapUsed >= a.heapUsed) heap.push((b.heapUsed - a.heapUsed) / RUN);
      if (b.arrayBuffers >= a.arrayBuffers) offHeap.push((b.arrayBuffers - a.arrayBuffers) / RUN);
    }
    return { heap: median(heap), offHeap: median(offHeap) };
  };
  const up = perPacket(encapsulate);
  const down = perPacket(decapsulate, prepare);
  // The client's own GRE acks for what it just received would otherwise wait in its queue.
  sim.flush();
  sim.runUntil(() => false, 1000);
  forgetHarnessRecords(sim);
  return {
    upHeapBytesPerPacket: Math.round(up.heap),
    upArrayBufferBytesPerPacket: Math.round(up.offHeap),
    downHeapBytesPerPacket: Math.round(down.heap),
    downArrayBufferBytesPerPacket: Math.round(down.offHeap),
  };
}

function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

// ---------------------------------------------------------------------------------------------- phase 2

function sessions(): PhaseReport {
  const samples: Sample[] = [];
  const snapshots: Snapshots = {};
  const endings = new Map<string, number>();
  for (let n = 1; n <= SESSIONS; n++) {
    const sim = connectedSimulation(n % 2 === 0, n);
    for (let i = 0; i < 200; i++) {
      sim.sendFromClient(packetAt(i));
      sim.sendFromPeer(packetAt(i));
    }
    sim.runUntil(() => false, 25_000);
    if (n % 3 === 0) sim.client.disconnect(sim.now);
    else if (n % 3 === 1) sim.peer.goSilent();
    else sim.client.handleControlClosed(sim.now);
    sim.flush();
    sim.runUntil(() => sim.closedEvent() !== undefined, 300_000);
    const code = sim.closedEvent()?.error?.code ?? (sim.closedEvent() ? "clean" : "not closed");
    endings.set(code, (endings.get(code) ?? 0) + 1);
    if (n % SESSION_SAMPLE_EVERY === 0) samples.push(measure(n));
    if (n === Math.floor(SESSIONS / 5)) snapshots.early = snapshot("sessions-early");
  }
  snapshots.late = snapshot("sessions-late");
  return {
    phase: "sessions, simulated clock",
    per: "sessions",
    samples,
    snapshots,
    notes: Object.fromEntries(endings),
  };
}

// ---------------------------------------------------------------------------------------------- phase 3

const immediate = () => new Promise<void>((resolve) => setImmediate(resolve));

async function realStack(transport: "direct" | "wrap"): Promise<PhaseReport> {
  let server: InProcessServer | undefined;
  let serversStarted = 0;
  const newServer = () => {
    serversStarted++;
    server = new InProcessServer({ stateless: true, echoIntervalMs: 30_000, seed: serversStarted });
    return server;
  };
  const deps: ConnectDeps = {
    openDirect: (options) => openTunnel(options, async () => opened(new LoopCarrier(newServer()))),
    openWrap: (options, relay, serverName, onRelay) =>
      openTunnel(options, async () => {
        const ws = new FakeRelaySocket(newServer()) as unknown as WebSocket;
        const carrier = await new Promise<IoResult<WrapCarrier, WrapErrorCode>>((resolve) => {
          new WrapCarrier(ws, new WrapClientSession(serverName, relay.token), "192.0.2.1", resolve);
        });
        if (carrier.ok) onRelay({ type: "relay-connected", relay: relay.url, ...carrier.value.welcome });
        return carrier;
      }),
    networkFacts: async () => ({ key: undefined, localAddresses: [], gateway: undefined }),
    loadDecisions: async () => new Map(),
    rememberDecision: async () => {},
    routerExternalAddress: async () => undefined,
    monotonic: () => performance.now(),
    wallClock: () => Date.now(),
  };

  const reconnecting = new Map<string, number>();
  let connectedCount = 0;
  let onConnected: (() => void) | undefined;
  const onEvent = (event: ConnectEvent) => {
    if (event.type === "connected") {
      connectedCount++;
      onConnected?.();
    } else if (event.type === "reconnecting") {
      reconnecting.set(event.error.code, (reconnecting.get(event.error.code) ?? 0) + 1);
    }
  };
  const connected = (count: number) =>
    new Promise<void>((resolve) => {
      if (connectedCount >= count) resolve();
      else onConnected = () => connectedCount >= count && resolve();
    });

  const connection = connect(
    {
      server: "192.0.2.1",
      session: {
        userName: SERVER_USER,
        password: SERVER_PASSWORD,
        mppe: { strengths: [128], allowStateful: false },
        timers: { lcpEchoIntervalMs: FAST_ECHO_MS },
      },
      transport,
      relay: { url: "wss://relay.invalid/ferry", token: "bench-token", trust: { kind: "system" } },
      onEvent,
    },
    deps,
  );

  const samples: Sample[] = [];
  const snapshots: Snapshots = {};
  const written = kernel.written;
  let fromTun = 0;
  for (let session = 1; session <= RECONNECTS; session++) {
    await connected(session);
    const current = server!;
    for (let w = 0; w < WAKE_UPS_PER_SESSION; w++) {
      const batch = Array.from({ length: PACKETS_PER_WAKE_UP }, (_, i) =>
        packetAt(w * PACKETS_PER_WAKE_UP + i),
      );
      if (kernel.readFromTun(batch)) fromTun += batch.length;
      current.sendIp(batch);
      await immediate();
    }
    // Measured and photographed at the same point of every cycle: connected, traffic done.
    if (session % Math.max(1, Math.floor(RECONNECTS / 10)) === 0) samples.push(measure(session));
    if (session === Math.max(2, Math.floor(RECONNECTS / 5))) snapshots.early = snapshot(`${transport}-early`);
    if (session === RECONNECTS) snapshots.late = snapshot(`${transport}-late`);
    if (session % 2 === 1) current.dropGre();
    else current.stop();
  }
  await connected(RECONNECTS + 1);
  connection.disconnect();
  const outcome: TunnelOutcome = await connection.closed;
  return {
    phase: `client stack on the event loop, ${transport}`,
    per: "sessions (reconnects)",
    samples,
    snapshots,
    notes: {
      sessions: serversStarted,
      reconnecting: Object.fromEntries(reconnecting),
      fromTun,
      toTun: kernel.written - written,
      end: outcome.error?.code ?? "clean",
    },
  };
}

// ---------------------------------------------------------------------------------------------- phase 4

async function nativeReader(): Promise<PhaseReport> {
  const phase = "native PacketReader opened, fed, stopped";
  const cycles = readerCycles(workDir);
  if (cycles === undefined)
    return { phase, per: "readers", samples: [], notes: { skipped: "addon not built" } };
  const samples: Sample[] = [measure(0)];
  for (let n = 1; n <= READERS; n++) {
    await cycles.cycle();
    if (n % Math.max(1, Math.floor(READERS / 10)) === 0) samples.push(measure(n));
  }
  cycles.close();
  await immediate(); // finalization callbacks run after the last collection
  return {
    phase,
    per: "readers",
    samples,
    notes: { readers: READERS, finalized: cycles.finalized(), wakeUps: cycles.wakeUps() },
  };
}

// ---------------------------------------------------------------------------------------------- report

const kb = (bytes: number) => (Number.isNaN(bytes) ? "-" : `${(bytes / 1024).toFixed(0)} KB`);
const signedBytes = (bytes: number) =>
  `${bytes >= 0 ? "+" : ""}${bytes.toFixed(bytes !== 0 && Math.abs(bytes) < 10 ? 2 : 0)} B`;

function printReport(report: PhaseReport): void {
  const { samples } = report;
  console.log(`\n## ${report.phase}\n`);
  console.log(`| ${report.per} | heap used | external | ArrayBuffers | RSS | of which C heap |`);
  console.log("| ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const s of samples)
    console.log(
      `| ${s.x} | ${kb(s.heapUsed)} | ${kb(s.external)} | ${kb(s.arrayBuffers)} | ${kb(s.rss)} | ${kb(s.mallocHeap)} |`,
    );
  const unit = report.per.startsWith("packets") ? 1e6 : 1;
  const label = unit === 1 ? report.per.split(" ")[0]!.replace(/s$/, "") : "million packets each way";
  console.log(
    `\nslope over the last two thirds, per ${label}: heap ${signedBytes(slope(samples, "heapUsed") * unit)}, ` +
      `ArrayBuffers ${signedBytes(slope(samples, "arrayBuffers") * unit)}, RSS ${signedBytes(slope(samples, "rss") * unit)} ` +
      `(C heap ${signedBytes(slope(samples, "mallocHeap") * unit)})`,
  );
  console.log(`notes: ${JSON.stringify(report.notes)}`);
  printGrowth(snapshotGrowth(report.snapshots));
}

function printGrowth(growth: ReturnType<typeof snapshotGrowth>): void {
  if (growth === undefined) return;
  const { early: a, late: b } = growth;
  console.log(
    `heap snapshots early -> late: ${a.count} -> ${b.count} objects, ${kb(a.bytes)} -> ${kb(b.bytes)}; grew most:`,
  );
  for (const change of growth.grew)
    console.log(
      `  ${change.key}: ${change.early.count} -> ${change.late.count} (${signedBytes(change.late.bytes - change.early.bytes)})`,
    );
}

const run = async (phase: () => PhaseReport | Promise<PhaseReport>) => {
  const report = await phase();
  if (args.json) {
    const { snapshots, ...rest } = report;
    console.log(JSON.stringify({ ...rest, growth: snapshotGrowth(snapshots) }));
  } else printReport(report);
};

async function runPhases(): Promise<void> {
  if (!args.json)
    console.log(
      `Node ${process.version}; ${PACKETS} packets each way per MPPE mode, ${SESSIONS} simulated sessions, ` +
        `${RECONNECTS} reconnects per transport on the event loop, ${READERS} native readers. ` +
        "Memory after a full GC.",
    );
  measure(0);
  if (PHASES.has("data")) {
    await run(() => dataPath(true));
    await run(() => dataPath(false));
  }
  if (PHASES.has("sessions")) await run(sessions);
  if (PHASES.has("direct")) await run(() => realStack("direct"));
  if (PHASES.has("wrap")) await run(() => realStack("wrap"));
  if (PHASES.has("reader")) await run(nativeReader);
}

if (args.compare !== undefined) {
  // Two snapshots of any process, e.g. a soak's ferry started with NODE_OPTIONS=--heapsnapshot-signal=SIGUSR2.
  const [early, late] = args.compare.split(",");
  printGrowth(snapshotGrowth({ early, late }));
} else {
  await runPhases();
}
if (!args["keep-snapshots"]) rmSync(workDir, { recursive: true, force: true });
else console.log(`\nheap snapshots kept in ${workDir}`);
