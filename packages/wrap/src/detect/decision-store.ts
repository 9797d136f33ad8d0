/**
 * Transport decisions remembered per network (see network-identity.ts), so the next connect on a network where
 * GRE was blocked goes straight to wrap. Entries expire (default 7 days) so that a network that starts passing
 * GRE again gets another direct try. Pure values and functions; decision-file.ts keeps them in a file.
 *
 * Times here are wall-clock milliseconds (Date.now() in the caller), not the session's monotonic clock: entries
 * outlive the process and the reboot.
 */
import { malformed, type ParseResult, parsed } from "@ferry/pptp-client/wire";
import type { Transport } from "./transport-policy.js";

export interface RememberedDecision {
  readonly transport: Transport;
  /** Wall-clock milliseconds when the decision was learned. */
  readonly decidedAt: number;
}

/** Network key -> its remembered decision. */
export type Decisions = ReadonlyMap<string, RememberedDecision>;

export const DEFAULT_DECISION_TTL_MS = 7 * 24 * 60 * 60 * 1000;
const FORMAT_VERSION = 1;

/** The decision remembered for the network, if it has not expired. */
export function recallDecision(
  decisions: Decisions,
  networkKey: string,
  now: number,
  ttlMs = DEFAULT_DECISION_TTL_MS,
): Transport | undefined {
  const entry = decisions.get(networkKey);
  return entry !== undefined && isFresh(entry, now, ttlMs) ? entry.transport : undefined;
}

/** A copy with the network's decision set to `transport` as of `now`, and expired entries dropped. */
export function rememberDecision(
  decisions: Decisions,
  networkKey: string,
  transport: Transport,
  now: number,
  ttlMs = DEFAULT_DECISION_TTL_MS,
): Decisions {
  const next = new Map([...decisions].filter(([, entry]) => isFresh(entry, now, ttlMs)));
  next.set(networkKey, { transport, decidedAt: now });
  return next;
}

/** Fresh: learned within the TTL, and not in the future (a clock set back would otherwise pin it for years). */
function isFresh(entry: RememberedDecision, now: number, ttlMs: number): boolean {
  return entry.decidedAt <= now && now - entry.decidedAt < ttlMs;
}

export function serializeDecisions(decisions: Decisions): string {
  const entries = [...decisions].map(([key, { transport, decidedAt }]) => [key, { transport, decidedAt }]);
  return `${JSON.stringify({ version: FORMAT_VERSION, decisions: Object.fromEntries(entries) }, null, 2)}\n`;
}

/** The decisions in a file's text; malformed when it is not this format. Single bad entries are skipped. */
export function parseDecisions(text: string): ParseResult<Decisions> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return malformed("the decision file is not JSON");
  }
  if (!isRecord(value) || value["version"] !== FORMAT_VERSION || !isRecord(value["decisions"])) {
    return malformed(`the decision file is not version ${FORMAT_VERSION} of the format`);
  }
  const decisions = new Map<string, RememberedDecision>();
  for (const [key, entry] of Object.entries(value["decisions"])) {
    if (!isRecord(entry)) continue;
    const { transport, decidedAt } = entry;
    if ((transport !== "direct" && transport !== "wrap") || !Number.isFinite(decidedAt)) continue;
    decisions.set(key, { transport, decidedAt: decidedAt as number });
  }
  return parsed(decisions);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
