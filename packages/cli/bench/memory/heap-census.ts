/**
 * Counts what a V8 heap snapshot (v8.writeHeapSnapshot) holds, by kind and constructor, and compares two of them:
 * a kind whose count keeps growing between an early and a late snapshot of the same workload is what leaks.
 */
import { readFileSync } from "node:fs";

export interface CensusEntry {
  count: number;
  bytes: number;
}

/** "object Map", "closure onPackets", "array (object elements)", or just "string", "code", ... */
export type Census = Map<string, CensusEntry>;

interface SnapshotFile {
  readonly snapshot: { readonly meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  readonly nodes: number[];
  readonly strings: string[];
}

/** Kinds whose names say nothing about who made them (string contents, code objects): counted by kind only. */
const COUNTED_BY_KIND_ONLY = new Set([
  "string",
  "concatenated string",
  "sliced string",
  "number",
  "code",
  "bigint",
]);
const MAX_NAME = 60;

export function heapCensus(snapshotPath: string): Census {
  const snapshot = JSON.parse(readFileSync(snapshotPath, "utf8")) as SnapshotFile;
  const fields = snapshot.snapshot.meta.node_fields;
  const kinds = snapshot.snapshot.meta.node_types[0];
  const stride = fields.length;
  const kindAt = fields.indexOf("type");
  const nameAt = fields.indexOf("name");
  const sizeAt = fields.indexOf("self_size");
  const { nodes, strings } = snapshot;
  const census: Census = new Map();
  for (let i = 0; i < nodes.length; i += stride) {
    const kind = kinds[nodes[i + kindAt]!]!;
    const key = COUNTED_BY_KIND_ONLY.has(kind)
      ? kind
      : `${kind} ${strings[nodes[i + nameAt]!]!.slice(0, MAX_NAME)}`;
    const entry = census.get(key);
    const bytes = nodes[i + sizeAt]!;
    if (entry === undefined) census.set(key, { count: 1, bytes });
    else {
      entry.count++;
      entry.bytes += bytes;
    }
  }
  return census;
}

export interface CensusChange {
  readonly key: string;
  readonly early: CensusEntry;
  readonly late: CensusEntry;
}

/** The kinds that grew the most in bytes from `early` to `late` (only those that grew in count too). */
export function censusGrowth(early: Census, late: Census, top: number): CensusChange[] {
  const none: CensusEntry = { count: 0, bytes: 0 };
  const changes: CensusChange[] = [];
  for (const [key, entry] of late) {
    const before = early.get(key) ?? none;
    if (entry.count > before.count) changes.push({ key, early: before, late: entry });
  }
  return changes.sort((a, b) => b.late.bytes - b.early.bytes - (a.late.bytes - a.early.bytes)).slice(0, top);
}

export function censusTotals(census: Census): CensusEntry {
  let count = 0;
  let bytes = 0;
  for (const entry of census.values()) {
    count += entry.count;
    bytes += entry.bytes;
  }
  return { count, bytes };
}
