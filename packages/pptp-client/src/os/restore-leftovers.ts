/**
 * At start-up: undoes what a crashed (or SIGKILLed) run left behind, as recorded in its state files.
 * Only records of this network namespace are read, and those whose owner still runs are left alone, so two
 * tunnels (on different interfaces or in different namespaces) never undo each other.
 */
import { readdir, rename } from "node:fs/promises";
import { join } from "node:path";
import { type CommandRunner, execFileRunner } from "./command-runner.js";
import { settle, type UndoReport, undoChanges } from "./net-config-executor.js";
import { currentNetns, DEFAULT_STATE_DIR, ownerIsAlive, readStateFile } from "./state-file.js";

export type LeftoverOutcome =
  | { readonly path: string; readonly kind: "restored"; readonly ifname: string; readonly report: UndoReport }
  | { readonly path: string; readonly kind: "owner-running"; readonly ifname: string; readonly pid: number }
  /** Not a state file we can read: moved aside to `movedTo` for a person to look at, never retried. */
  | { readonly path: string; readonly kind: "unreadable"; readonly movedTo: string };

export async function restoreLeftovers(
  stateDir: string = DEFAULT_STATE_DIR,
  run: CommandRunner = execFileRunner,
): Promise<LeftoverOutcome[]> {
  let names: string[];
  try {
    names = await readdir(stateDir);
  } catch {
    return []; // No directory: no run ever recorded anything.
  }
  const outcomes: LeftoverOutcome[] = [];
  // Only this namespace's records: undoing another namespace's changes here would change the wrong network (and
  // write its saved resolv.conf over ours).
  const mine = `${currentNetns()}-`;
  for (const name of names.filter((entry) => entry.startsWith(mine) && entry.endsWith(".json")).sort()) {
    const path = join(stateDir, name);
    const record = await readStateFile(path).catch(() => undefined);
    if (record === undefined) {
      const movedTo = `${path}.unreadable`;
      await rename(path, movedTo).catch(() => undefined);
      outcomes.push({ path, kind: "unreadable", movedTo });
    } else if (record.pid !== process.pid && ownerIsAlive(record)) {
      outcomes.push({ path, kind: "owner-running", ifname: record.ifname, pid: record.pid });
    } else {
      const report = await undoChanges(record.changes, run);
      await settle(path, record, report);
      outcomes.push({ path, kind: "restored", ifname: record.ifname, report });
    }
  }
  return outcomes;
}
