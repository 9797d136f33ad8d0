/** The bench's Markdown table: one row per attack, against the baseline without attack. */
import type { RelayCounters } from "../../src/relay/relay-counters.js";
import type { AttackReport } from "./attackers.js";
import type { Measured } from "./honest-client.js";
import { CONNECT_EVERY_MS, GRE_PACKET_BYTES, GRE_WINDOW } from "./setup.js";

/** What only /metrics counts, as deltas over one attack. */
export interface MetricsCounted {
  readonly rateLimited: number;
  readonly foreign: number;
  readonly probes: number;
}

/** The most handshakes the relay held at once in each stage during one attack. */
export interface MostHeld {
  tls: number;
  http: number;
  hello: number;
}

/** The deltas of the /metrics series the table shows, between two scrapes. */
export function metricsCounted(before: string, after: string): MetricsCounted {
  const delta = (series: string) => counterOf(after, series) - counterOf(before, series);
  return {
    rateLimited: delta("ferry_relay_connections_rate_limited_total"),
    foreign: delta('ferry_relay_gre_dropped_total{reason="foreign_source"}'),
    probes: delta('ferry_relay_gre_probes_total{result="ignored"}'),
  };
}

function counterOf(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

/** The Result column: the attacker's view, then the relay's counters and the most it held. */
export function resultText(
  report: AttackReport,
  before: RelayCounters,
  after: RelayCounters,
  counted: MetricsCounted,
  most: MostHeld,
): string {
  const held = `most held: tls ${most.tls}, http ${most.http}, hello ${most.hello}`;
  return [outcomesText(report), relayResult(before, after, counted), held].filter((s) => s !== "").join("; ");
}

function outcomesText(report: AttackReport): string {
  const entries = Object.entries(report.outcomes).sort((a, b) => b[1] - a[1]);
  return entries.map(([what, count]) => `${what} ×${count}`).join(", ");
}

/** What the relay counted during one attack, in words. */
function relayResult(before: RelayCounters, after: RelayCounters, counted: MetricsCounted): string {
  const { rateLimited, foreign, probes } = counted;
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

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** One attack's row. */
export function row(
  attack: { readonly name: string; readonly attackers: string },
  result: string,
  measured: Measured,
  baseline: Measured,
): string {
  const median = percentile(measured.connectMs, 50);
  const p95 = percentile(measured.connectMs, 95);
  return (
    `| ${attack.name} | ${attack.attackers} | ${result || "-"} | ${median.toFixed(1)} / ${p95.toFixed(1)} ` +
    `(${percentile(baseline.connectMs, 50).toFixed(1)} / ${percentile(baseline.connectMs, 95).toFixed(1)})` +
    `${measured.failures > 0 ? `, ${measured.failures} failed` : ""} | ` +
    `${measured.mbPerSecond.toFixed(1)} MB/s (${((measured.mbPerSecond / baseline.mbPerSecond) * 100).toFixed(0)} %) |`
  );
}

/** The whole table with what it measured above it. */
export function table(seconds: number, rows: readonly string[]): string {
  return [
    `ferry-relay under attack, ${seconds} s per attack, loopback, Node ${process.version}.`,
    `Legit connect = TCP + TLS + upgrade + hello + welcome, sequential, one every ${CONNECT_EVERY_MS} ms at most,`,
    "ms median / p95 (baseline in brackets);",
    `throughput = ${GRE_PACKET_BYTES}-byte GRE echoed through relay and fake server, ${GRE_WINDOW} in flight.`,
    "",
    "| Attack | Attackers | Result (attacker's view; relay's counters) | Legit connect ms median / p95 (baseline) | Legit GRE echo (vs baseline) |",
    "|---|---|---|---|---|",
    ...rows,
    "",
  ].join("\n");
}
