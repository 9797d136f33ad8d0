/** Messages between fuzz/run.ts and its workers, and the shared memory the watchdog reads. */
import type { CoverageFigures } from "./coverage.js";

export type WorkerMode = "fuzz" | "replay" | "minimize";

export interface WorkerJob {
  readonly target: string;
  readonly targetFile: string;
  readonly mode: WorkerMode;
  readonly seconds: number;
  readonly maxExecs: number | undefined;
  readonly seed: number;
  /** Committed seeds (read), then the campaign's own finds (read, and written when `saveDir` is set). */
  readonly corpusDirs: readonly string[];
  readonly saveDir: string | undefined;
  readonly crashDir: string;
  readonly replayFiles: readonly string[];
  /** Print the lines never run at the end. */
  readonly uncovered: boolean;
  readonly shared: SharedArrayBuffer;
}

export interface CrashReport {
  readonly kind: "exception" | "hang" | "out-of-memory" | "heap-growth";
  readonly file: string | undefined;
  readonly summary: string;
}

export interface TargetResult {
  readonly target: string;
  readonly mode: WorkerMode;
  readonly seed: number;
  readonly execs: number;
  readonly seconds: number;
  readonly corpusEntries: number;
  readonly corpusBytes: number;
  readonly seedsLoaded: number;
  readonly coverage: CoverageFigures;
  readonly crashes: number;
  readonly uniqueCrashes: CrashReport[];
  readonly slowestExecMs: number;
  readonly heapMb: { readonly start: number; readonly end: number; readonly peak: number };
  /** Minimize mode: entries removed from the corpus folder. */
  readonly removed: number;
}

export type WorkerMessage =
  | { readonly type: "progress"; readonly execs: number; readonly corpus: number; readonly covered: number }
  /** Sent as each unique crash is found, so a worker stopped later (hang, memory) does not lose it. */
  | { readonly type: "crash"; readonly crash: CrashReport }
  | { readonly type: "done"; readonly result: TargetResult };

/** Int32 slots at the start of the shared buffer; the current input follows. */
export const SLOT_EXECS = 0;
export const SLOT_INPUT_LENGTH = 1;
export const SLOT_PHASE = 2;
export const PHASE_SETUP = 0;
export const PHASE_RUNNING = 1;
export const PHASE_DONE = 2;
export const SHARED_HEADER_BYTES = 16;
export const SHARED_INPUT_BYTES = 1 << 20;
