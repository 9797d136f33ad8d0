/**
 * What the GRE receive path does to packets on a lossy path: the delay it adds to each packet between arrival and
 * delivery, and the packets it drops, for the old policy (hold everything behind a gap for up to 300 ms, pptp-linux's
 * and pptpd's default) against the new one (deliver at once; a short hold only for stateful MPPE). Not a test: it
 * prints a table and asserts nothing.
 *
 *   npx tsx packages/pptp-client/bench/gre-loss.ts [--packets N] [--rate PPS] [--reorder PERCENT] [--reorder-ms MS]
 *
 * Two rates by default: 100 packets/s (a TCP flow slowed down, interactive traffic, acks) and 2000 packets/s (a
 * bulk stream). The old hold ends at 300 ms or when the window (64) fills behind the gap, whichever comes first, so
 * the slower the flow, the longer each loss stalls it.
 *
 * A latency model, not a TCP model: packets leave the server evenly spaced, each is lost at random, a few arrive
 * late by a fixed delay (reordered), and the link runs on a fake clock with its timers fired on time. The inner TCP
 * would suffer more than these figures show: a held packet also holds back the acks that clock the sender, and a
 * loss costs a retransmission either way.
 */
import { GreLink } from "../src/gre/gre-link.js";
import { readU32 } from "../src/util/bytes.js";
import { OUR_CALL_ID, PEER_CALL_ID, peerData } from "../test/gre/peer-packets.js";
import { seededRandom } from "../test/support/seeded-random.js";

interface Policy {
  readonly name: string;
  readonly inOrder: boolean;
  readonly holdMs: number;
}

const POLICIES: readonly Policy[] = [
  { name: "old: in order, hold 300 ms", inOrder: true, holdMs: 300 },
  { name: "new: at once (none/stateless)", inOrder: false, holdMs: 0 },
  { name: "new: stateful MPPE, hold 50 ms", inOrder: true, holdMs: 50 },
];
const LOSS_PERCENT = [0, 1, 5];
const WINDOW = 64;

interface Options {
  packets: number;
  rate: number | undefined;
  reorderPercent: number;
  reorderMs: number;
}

function parseOptions(argv: readonly string[]): Options {
  const options: Options = { packets: 50_000, rate: undefined, reorderPercent: 1, reorderMs: 3 };
  const names: Record<string, keyof Options> = {
    "--packets": "packets",
    "--rate": "rate",
    "--reorder": "reorderPercent",
    "--reorder-ms": "reorderMs",
  };
  for (let i = 0; i < argv.length; i += 2) {
    const key = names[argv[i]!];
    const value = Number(argv[i + 1]);
    if (key === undefined || !(value >= 0))
      throw new Error(`usage: gre-loss.ts ${Object.keys(names).join(" N ")} N`);
    options[key] = value;
  }
  return options;
}

interface Arrival {
  readonly seq: number;
  readonly at: number;
}

/** The packets that reach us, in arrival order: the same for every policy at a given loss rate. */
function arrivals(options: Options, rate: number, lossPercent: number): Arrival[] {
  const random = seededRandom(0x5eed + lossPercent);
  const gapMs = 1000 / rate;
  const out: Arrival[] = [];
  for (let seq = 0; seq < options.packets; seq++) {
    if (random.float() * 100 < lossPercent) continue;
    const late = random.float() * 100 < options.reorderPercent;
    out.push({ seq, at: seq * gapMs + (late ? options.reorderMs : 0) });
  }
  // A stable sort keeps the sending order among packets that arrive at the same time.
  return out.sort((a, b) => a.at - b.at);
}

interface Outcome {
  delays: Float64Array;
  received: number;
  delivered: number;
  outOfOrder: number;
}

function run(policy: Policy, packets: readonly Arrival[], total: number): Outcome {
  const link = new GreLink({ reorderTimeoutMs: policy.holdMs, maxReorderPackets: WINDOW, ackDelayMs: 100 });
  link.setCallIds(OUR_CALL_ID, PEER_CALL_ID);
  link.setInOrderDelivery(policy.inOrder, 0);
  const arrivedAt = new Float64Array(total);
  const delays: number[] = [];
  let highest = -1;
  let outOfOrder = 0;
  const drain = (now: number) => {
    for (let p = link.pollPayload(); p !== undefined; p = link.pollPayload()) {
      const seq = readU32(p, 0);
      delays.push(now - arrivedAt[seq]!);
      if (seq < highest) outOfOrder++;
      highest = Math.max(highest, seq);
    }
    while (link.pollPacket() !== undefined);
  };
  // Timers fire when they are due, before the next arrival, as the I/O adapter's timer would.
  const runTimersUntil = (now: number) => {
    for (let due = link.nextTimeout(); due !== undefined && due <= now; due = link.nextTimeout()) {
      link.handleTimeout(due);
      drain(due);
    }
  };
  for (const { seq, at } of packets) {
    runTimersUntil(at);
    arrivedAt[seq] = at;
    link.receive(peerData(seq), at);
    drain(at);
  }
  runTimersUntil(Number.MAX_SAFE_INTEGER);
  return {
    delays: Float64Array.from(delays).sort(),
    received: packets.length,
    delivered: delays.length,
    outOfOrder,
  };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function main(): void {
  const options = parseOptions(process.argv.slice(2));
  const rates = options.rate === undefined ? [100, 2_000] : [options.rate];
  console.log(
    `GRE receive path: ${options.packets} packets per row, ${options.reorderPercent} % arriving ` +
      `${options.reorderMs} ms late, window ${WINDOW}; delay = delivery time - arrival time`,
  );
  const header = [
    "packets/s",
    "loss",
    "policy".padEnd(31),
    "median ms",
    "p99 ms",
    "max ms",
    "delayed",
    "dropped by us",
    "out of order",
  ];
  console.log(`| ${header.join(" | ")} |`);
  console.log(`| ${header.map((h) => "-".repeat(h.length)).join(" | ")} |`);
  for (const rate of rates)
    for (const loss of LOSS_PERCENT) {
      const packets = arrivals(options, rate, loss);
      for (const policy of POLICIES) printRow(rate, loss, policy, run(policy, packets, options.packets));
    }
  console.log(
    "delayed: share of delivered packets that waited at all. dropped by us: received but never delivered (late " +
      "after their gap was given up, or behind the window). out of order: delivered after a higher number; " +
      "stateless MPPE in Ferry drops these as late today (its key schedule only moves forward).",
  );
}

function printRow(rate: number, loss: number, policy: Policy, o: Outcome): void {
  const delayed = o.delays.filter((d) => d > 0).length;
  const dropped = o.received - o.delivered;
  const percent = (part: number, whole: number) => ((100 * part) / Math.max(1, whole)).toFixed(2);
  const cells = [
    `${rate}`.padStart(9),
    `${loss} %`.padStart(4),
    policy.name.padEnd(31),
    percentile(o.delays, 50).toFixed(1).padStart(9),
    percentile(o.delays, 99).toFixed(1).padStart(6),
    (o.delays.at(-1) ?? 0).toFixed(1).padStart(6),
    `${percent(delayed, o.delivered)} %`.padStart(7),
    `${dropped} (${percent(dropped, o.received)} %)`.padStart(13),
    `${o.outOfOrder}`.padStart(12),
  ];
  console.log(`| ${cells.join(" | ")} |`);
}

main();
