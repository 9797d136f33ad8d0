/**
 * The record of applied changes, kept on disk so that a later process can undo what a crashed one left.
 * Written atomically (temporary file, fsync, rename, fsync of the directory) before each change runs.
 */
import { readFileSync, readlinkSync } from "node:fs";
import { open, readFile, rename } from "node:fs/promises";
import { dirname, join } from "node:path";
import { isNetChange, type NetChange } from "./net-change.js";

/** tmpfs on Linux: cleared at boot, when every change it could describe is gone anyway. */
export const DEFAULT_STATE_DIR = "/run/ferry";

export interface NetStateRecord {
  readonly version: 2;
  /** The network namespace the changes live in: /run is shared by all of them, the changes are not. */
  readonly netns: string;
  readonly ifname: string;
  /** The process that applied the changes, and its start time, to tell a live owner from a reused pid. */
  readonly pid: number;
  readonly processStart: string | undefined;
  /** In the order applied; the last one may have been in flight when the process died. */
  readonly changes: readonly NetChange[];
}

/** The current network namespace's identity (its inode), e.g. "4026531840". */
export function currentNetns(): string {
  try {
    return /\[(\d+)\]/.exec(readlinkSync("/proc/self/ns/net"))?.[1] ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** One file per namespace and interface, so tunnels in different namespaces never share (or undo) a record. */
export function stateFilePath(stateDir: string, ifname: string, netns: string = currentNetns()): string {
  return join(stateDir, `${netns}-${ifname}.json`);
}

export async function writeStateFile(path: string, record: NetStateRecord): Promise<void> {
  const temporary = `${path}.tmp`;
  const file = await open(temporary, "w", 0o600);
  try {
    await file.writeFile(`${JSON.stringify(record, null, 2)}\n`);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, path);
  const directory = await open(dirname(path), "r");
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}

/** The record in a state file's text, or undefined when it is not one (truncated, edited, another version). */
export function parseStateRecord(text: string): NetStateRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const changes = record["changes"];
  if (
    record["version"] !== 2 ||
    typeof record["netns"] !== "string" ||
    typeof record["ifname"] !== "string" ||
    typeof record["pid"] !== "number" ||
    !(record["processStart"] === undefined || typeof record["processStart"] === "string") ||
    !Array.isArray(changes) ||
    !changes.every(isNetChange)
  ) {
    return undefined;
  }
  return value as NetStateRecord;
}

export async function readStateFile(path: string): Promise<NetStateRecord | undefined> {
  return parseStateRecord(await readFile(path, "utf8"));
}

/** Field 22 of /proc/PID/stat (start time in clock ticks since boot), read past the parenthesised name. */
export function parseProcStatStart(stat: string): string | undefined {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Fields after the name start at field 3 (state), so field 22 is at index 19.
  return fields[19];
}

export function processStartTime(pid: number): string | undefined {
  try {
    return parseProcStatStart(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return undefined;
  }
}

/** True when the process that wrote the record still runs (same pid and same start time). */
export function ownerIsAlive(record: NetStateRecord): boolean {
  const start = processStartTime(record.pid);
  return start !== undefined && record.processStart !== undefined && start === record.processStart;
}
