/**
 * The in-process data-path benchmark: 1400-byte IP packets through a negotiated client session, per direction, per
 * MPPE mode, on one core. Not a test: it prints figures (MB/s of IP payload) for the README.
 *
 *   npm run bench            all modes
 *   npm run bench -- --json  one JSON object per mode
 */
import { performance } from "node:perf_hooks";
import type { MppeStrength } from "../src/mppe/mppe-mode.js";
import { Simulation } from "../test/support/simulation.js";

const PACKET_BYTES = 1400;
const BATCH = 2_000;
const ROUND_MS = 600;
/** Rounds per figure: the median is reported, with the range, because one round can land on a GC pause. */
const ROUNDS = 5;

interface Mode {
  readonly name: string;
  readonly strength: MppeStrength;
  readonly stateless: boolean;
}

const MODES: readonly Mode[] = [
  { name: "MPPE-128 stateless", strength: 128, stateless: true },
  { name: "MPPE-128 stateful", strength: 128, stateless: false },
];

function connectedPair(mode: Mode): Simulation {
  const sim = new Simulation({
    client: {
      mppe: { strengths: [mode.strength], allowStateless: mode.stateless, allowStateful: !mode.stateless },
    },
    peer: {
      // An MRU of 1500 leaves room for 1400-byte packets after MPPE's 4 bytes.
      mru: 1500,
      mppe: {
        strengths: [mode.strength],
        allowStateless: mode.stateless,
        allowStateful: !mode.stateless,
        required: true,
      },
    },
  });
  const event = sim.connect();
  if (event?.type !== "connected") throw new Error(`could not connect: ${JSON.stringify(event)}`);
  return sim;
}

function ipPacket(): Uint8Array {
  const ip = new Uint8Array(PACKET_BYTES);
  ip[0] = 0x45;
  ip[2] = PACKET_BYTES >> 8;
  ip[3] = PACKET_BYTES & 0xff;
  ip[9] = 17;
  for (let i = 20; i < ip.length; i++) ip[i] = i & 0xff;
  return ip;
}

/** Client TUN packet -> PPP -> MPPE -> GRE, the upload direction. */
function measureEncapsulate(sim: Simulation): number {
  const ip = ipPacket();
  const { client } = sim;
  let bytes = 0;
  let elapsed = 0;
  while (elapsed < ROUND_MS) {
    const start = performance.now();
    for (let i = 0; i < BATCH; i++) {
      client.handleTunPacket(ip, sim.now);
      if (client.pollGre() === undefined) throw new Error("a packet was not sent");
    }
    elapsed += performance.now() - start;
    bytes += BATCH * PACKET_BYTES;
  }
  return bytes / 1e6 / (elapsed / 1000);
}

/** Server GRE -> MPPE -> PPP -> client TUN packet, the download direction; the server's own work is not timed. */
function measureDecapsulate(sim: Simulation): number {
  const ip = ipPacket();
  const { client, peer } = sim;
  const batch: Uint8Array[] = new Array(BATCH);
  let bytes = 0;
  let elapsed = 0;
  while (elapsed < ROUND_MS) {
    for (let i = 0; i < BATCH; i++) {
      peer.sendIp(ip, sim.now);
      batch[i] = peer.pollGre()!;
    }
    const start = performance.now();
    for (let i = 0; i < BATCH; i++) {
      client.handleGre(batch[i]!, sim.now);
      if (client.pollTun() === undefined) throw new Error("a packet did not come through");
    }
    elapsed += performance.now() - start;
    bytes += BATCH * PACKET_BYTES;
    sim.now += 1;
  }
  return bytes / 1e6 / (elapsed / 1000);
}

interface Figure {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

function figure(measure: () => number): Figure {
  const rounds = Array.from({ length: ROUNDS }, measure).sort((a, b) => a - b);
  return { median: rounds[Math.floor(ROUNDS / 2)]!, min: rounds[0]!, max: rounds[ROUNDS - 1]! };
}

const show = (f: Figure) => `${f.median.toFixed(0)} MB/s (${f.min.toFixed(0)}-${f.max.toFixed(0)})`;

const json = process.argv.includes("--json");
const rows: { mode: string; encapsulate: Figure; decapsulate: Figure }[] = [];
for (const mode of MODES) {
  const sim = connectedPair(mode);
  measureEncapsulate(sim); // warm-up: let the JIT settle before the figures count
  measureDecapsulate(sim);
  rows.push({
    mode: mode.name,
    encapsulate: figure(() => measureEncapsulate(sim)),
    decapsulate: figure(() => measureDecapsulate(sim)),
  });
}

if (json) {
  for (const row of rows) console.log(JSON.stringify(row));
} else {
  console.log(`Node ${process.version}, ${PACKET_BYTES}-byte IP packets, one core, MB/s of IP payload,`);
  console.log(`median of ${ROUNDS} rounds (range)`);
  console.log("| mode | encapsulate + encrypt | decrypt + decapsulate |");
  console.log("| --- | --- | --- |");
  for (const row of rows)
    console.log(`| ${row.mode} | ${show(row.encapsulate)} | ${show(row.decapsulate)} |`);
}
