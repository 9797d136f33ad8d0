/**
 * The thin executor: applies a plan one change at a time, recording each in the state file before it runs,
 * rolls back on the first failure, and undoes everything on request (or, through restoreLeftovers, after
 * a crash).
 */
import { access, mkdir, open, rm, unlink } from "node:fs/promises";
import type { FerryError } from "../errors.js";
import { failed, type IoResult, opened } from "../io/io-result.js";
import { type CommandOutcome, type CommandRunner, execFileRunner } from "./command-runner.js";
import { describeAction, type NetAction, type NetChange } from "./net-change.js";
import { isAlreadyGone, osConfigError } from "./os-errors.js";
import {
  currentNetns,
  DEFAULT_STATE_DIR,
  type NetStateRecord,
  processStartTime,
  stateFilePath,
  writeStateFile,
} from "./state-file.js";

export interface NetConfigOptions {
  /** Where state files live; DEFAULT_STATE_DIR unless a test says otherwise. */
  readonly stateDir?: string;
  readonly run?: CommandRunner;
}

export interface UndoReport {
  /** Summaries of the changes undone. */
  readonly undone: readonly string[];
  /** Summaries of the changes whose target had already gone (with the interface, or never applied). */
  readonly alreadyGone: readonly string[];
  readonly failed: readonly UndoFailure[];
}

export interface UndoFailure {
  readonly change: NetChange;
  readonly error: FerryError;
}

/** Applies `changes` in order. On failure, the changes already applied are undone before the error returns. */
export async function applyNetChanges(
  ifname: string,
  changes: readonly NetChange[],
  options: NetConfigOptions = {},
): Promise<IoResult<AppliedNetConfig>> {
  const run = options.run ?? execFileRunner;
  const stateDir = options.stateDir ?? DEFAULT_STATE_DIR;
  const netns = currentNetns();
  const path = stateFilePath(stateDir, ifname, netns);
  const base = {
    version: 2,
    netns,
    ifname,
    pid: process.pid,
    processStart: processStartTime(process.pid),
  } as const;
  const applied: NetChange[] = [];
  const stateFailure = (cause: unknown) =>
    failed(osConfigError("recording the state file", `write ${path}`, String(cause)));

  try {
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    if (await exists(path)) {
      return failed(
        osConfigError(
          `the state file for ${ifname}`,
          `create ${path}`,
          "a state file from an earlier run is still there",
        ),
      );
    }
  } catch (cause) {
    return stateFailure(cause);
  }

  for (const change of changes) {
    applied.push(change);
    try {
      // Written ahead: a crash during the change still leaves its undo on record.
      await writeStateFile(path, { ...base, changes: applied });
    } catch (cause) {
      applied.pop();
      await settle(path, { ...base, changes: applied }, await undoChanges(applied, run));
      return stateFailure(cause);
    }
    const outcome = await perform(change.apply, run);
    if (!outcome.ok) {
      applied.pop();
      await settle(path, { ...base, changes: applied }, await undoChanges(applied, run));
      return failed(
        osConfigError(change.summary, describeAction(change.apply), outcome.stderr, outcome.errno),
      );
    }
  }
  return opened(new AppliedNetConfig(path, { ...base, changes: applied }, run));
}

/** A configuration in place; undo() takes it back (once: later calls return the same report). */
export class AppliedNetConfig {
  private undoing: Promise<UndoReport> | undefined;

  constructor(
    readonly statePath: string,
    private readonly record: NetStateRecord,
    private readonly run: CommandRunner,
  ) {}

  get changes(): readonly NetChange[] {
    return this.record.changes;
  }

  undo(): Promise<UndoReport> {
    this.undoing ??= undoChanges(this.record.changes, this.run).then(async (report) => {
      await settle(this.statePath, this.record, report);
      return report;
    });
    return this.undoing;
  }
}

/** Undoes changes in reverse order, going on past failures so that as much as possible is restored. */
export async function undoChanges(changes: readonly NetChange[], run: CommandRunner): Promise<UndoReport> {
  const undone: string[] = [];
  const alreadyGone: string[] = [];
  const failures: UndoFailure[] = [];
  for (const change of [...changes].reverse()) {
    const outcome = await perform(change.undo, run);
    if (outcome.ok) undone.push(change.summary);
    else if (isAlreadyGone(outcome.stderr)) alreadyGone.push(change.summary);
    else {
      const error = osConfigError(
        `undoing ${change.summary}`,
        describeAction(change.undo),
        outcome.stderr,
        outcome.errno,
      );
      failures.push({ change, error });
    }
  }
  return { undone, alreadyGone, failed: failures };
}

/**
 * After an undo: deletes the state file, or keeps in it only the changes whose undo failed, so that the
 * next restoreLeftovers tries them again.
 */
export async function settle(path: string, record: NetStateRecord, report: UndoReport): Promise<void> {
  const failedChanges = new Set(report.failed.map((failure) => failure.change));
  const remaining = record.changes.filter((change) => failedChanges.has(change));
  try {
    if (remaining.length === 0) await rm(path, { force: true });
    else await writeStateFile(path, { ...record, changes: remaining });
  } catch {
    // The state file is only a safety net; failing to tidy it must not hide the undo's own outcome.
  }
}

async function perform(action: NetAction, run: CommandRunner): Promise<CommandOutcome> {
  if (action.kind === "run") return run(action.argv);
  try {
    if (action.kind === "write-file") await writeInPlace(action.path, action.content);
    else await unlink(action.path);
    return { ok: true, stdout: "" };
  } catch (cause) {
    const error = cause as NodeJS.ErrnoException;
    const outcome = { ok: false, stderr: error.message } as const;
    return typeof error.code === "string" ? { ...outcome, errno: error.code } : outcome;
  }
}

/**
 * Rewrites a file's content in place rather than renaming over it: /etc/resolv.conf may be a bind mount
 * (as `ip netns exec` makes it) or a symlink another tool expects to stay one. Latin1, as readResolvConf
 * reads it, so the original comes back byte for byte.
 */
async function writeInPlace(path: string, content: string): Promise<void> {
  const file = await open(path, "w", 0o644);
  try {
    await file.writeFile(content, "latin1");
    await file.sync();
  } finally {
    await file.close();
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
