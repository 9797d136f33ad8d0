/**
 * The remembered decisions (decision-store.ts) in one JSON file. A missing or damaged file reads as "nothing
 * remembered" and the next write replaces it: the memory only saves time, so it must never stop a connect.
 * Writes go to a temporary file renamed over the old one, so a crash never leaves half a file behind.
 */
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { type Decisions, parseDecisions, rememberDecision, serializeDecisions } from "./decision-store.js";
import type { Transport } from "./transport-policy.js";

let temporaryCounter = 0;

/** The decisions in the file; empty when it is missing, unreadable or damaged. Never rejects. */
export async function loadDecisions(path: string): Promise<Decisions> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return new Map();
  }
  const result = parseDecisions(text);
  return result.ok ? result.value : new Map();
}

/** Replaces the file atomically (creating its folder). Rejects when the folder cannot be written. */
export async function saveDecisions(path: string, decisions: Decisions): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.${++temporaryCounter}.tmp`;
  try {
    await writeFile(temporary, serializeDecisions(decisions), "utf8");
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Load, remember the network's decision (dropping expired ones), save. Rejects as saveDecisions does. */
export async function rememberInFile(
  path: string,
  networkKey: string,
  transport: Transport,
  now: number,
  ttlMs?: number,
): Promise<void> {
  await saveDecisions(path, rememberDecision(await loadDecisions(path), networkKey, transport, now, ttlMs));
}
