/**
 * One target's fuzzing loop, in a worker thread whose product code is instrumented (see worker-entry.mjs): run the
 * seeds, then mutate corpus entries and keep every input that reaches a counter never hit before. Each input is
 * copied into shared memory before it runs, so the main thread can save it if the run hangs or runs out of memory.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { getHeapStatistics } from "node:v8";
import { parentPort, workerData } from "node:worker_threads";
import { CoverageTracker } from "./coverage.js";
import { COMMON_DICTIONARY, mutate } from "./mutate.js";
import {
  type CrashReport,
  PHASE_DONE,
  PHASE_RUNNING,
  SHARED_HEADER_BYTES,
  SHARED_INPUT_BYTES,
  SLOT_EXECS,
  SLOT_INPUT_LENGTH,
  SLOT_PHASE,
  type TargetResult,
  type WorkerJob,
  type WorkerMessage,
} from "./protocol.js";
import { Rng } from "./rng.js";
import type { FuzzTarget } from "./target.js";

const job = workerData as WorkerJob;
const ctrl = new Int32Array(job.shared, 0, 4);
const sharedInput = new Uint8Array(job.shared, SHARED_HEADER_BYTES, SHARED_INPUT_BYTES);
const target = (await import(pathToFileURL(job.targetFile).href)) as FuzzTarget;
const maxLen = Math.min(target.maxLen ?? 4096, SHARED_INPUT_BYTES);
const dictionary = [...COMMON_DICTIONARY, ...(target.dictionary ?? [])];
const rng = new Rng(job.seed);
const tracker = new CoverageTracker();
tracker.collect();

const corpus: Uint8Array[] = [];
let corpusBytes = 0;
let execs = 0;
let crashes = 0;
const uniqueCrashes: CrashReport[] = [];
const crashSignatures = new Set<string>();
let slowestExecMs = 0;
const mb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;
const heapNow = () => getHeapStatistics().used_heap_size;
const heapStart = heapNow();
let heapPeak = heapStart;

function sha1(data: Uint8Array): string {
  return createHash("sha1").update(data).digest("hex");
}

function signatureOf(error: unknown): string {
  if (!(error instanceof Error)) return `non-Error thrown: ${typeof error}`;
  const frames = (error.stack ?? "")
    .split("\n")
    .filter((line) => line.trimStart().startsWith("at "))
    .slice(0, 3)
    .map((line) => line.replace(/:\d+:\d+\)?$/, "").trim());
  return `${error.name}|${frames.join("|")}`;
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
}

function hex(data: Uint8Array): string {
  return Buffer.from(data).toString("hex");
}

function saveCrash(data: Uint8Array, error: unknown): void {
  crashes++;
  const signature = signatureOf(error);
  if (crashSignatures.has(signature)) return;
  crashSignatures.add(signature);
  mkdirSync(job.crashDir, { recursive: true });
  const file = join(job.crashDir, `crash-${sha1(data).slice(0, 16)}`);
  writeFileSync(file, data);
  writeFileSync(
    `${file}.txt`,
    `target: ${job.target}\nseed: ${job.seed}\ninput (${data.length} bytes, hex): ${hex(data)}\n\n${describe(error)}\n`,
  );
  const first = describe(error).split("\n").slice(0, 2).join(" / ");
  const report: CrashReport = { kind: "exception", file, summary: first };
  uniqueCrashes.push(report);
  const message: WorkerMessage = { type: "crash", crash: report };
  parentPort!.postMessage(message);
}

/** Runs one input; returns how many counters it hit for the first time, or -1 when it crashed. */
function exec(data: Uint8Array): number {
  sharedInput.set(data);
  Atomics.store(ctrl, SLOT_INPUT_LENGTH, data.length);
  Atomics.add(ctrl, SLOT_EXECS, 1);
  execs++;
  const copy = data.slice();
  const started = performance.now();
  let crashed = false;
  try {
    target.fuzz(copy);
  } catch (error) {
    crashed = true;
    saveCrash(data, error);
  }
  const took = performance.now() - started;
  if (took > slowestExecMs) slowestExecMs = took;
  const fresh = tracker.collect();
  return crashed ? -1 : fresh;
}

function addToCorpus(data: Uint8Array, save: boolean): void {
  corpus.push(data);
  corpusBytes += data.length;
  if (save && job.saveDir !== undefined) {
    mkdirSync(job.saveDir, { recursive: true });
    writeFileSync(join(job.saveDir, sha1(data)), data);
  }
}

function listInputs(dir: string): { path: string; size: number }[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => !n.startsWith(".") && !n.endsWith(".txt") && !n.endsWith(".md"))
    .map((n) => ({ path: join(dir, n), size: statSync(join(dir, n)).size }))
    .filter((f) => f.size <= maxLen);
}

/** The least heap used in each 5-second window: what survives collection. Steady growth of it is a leak. */
const HEAP_WINDOW_MS = 5000;
const HEAP_GROWTH_LIMIT = 256 * 1048576;
let windowStart = performance.now();
let windowMin = Number.POSITIVE_INFINITY;
let firstWindowMin: number | undefined;
let lastWindowMin: number | undefined;

function sampleHeap(): void {
  const used = heapNow();
  if (used > heapPeak) heapPeak = used;
  if (used < windowMin) windowMin = used;
  const now = performance.now();
  if (now - windowStart >= HEAP_WINDOW_MS) {
    firstWindowMin ??= windowMin;
    lastWindowMin = windowMin;
    windowStart = now;
    windowMin = Number.POSITIVE_INFINITY;
  }
}

function progress(): void {
  const message: WorkerMessage = { type: "progress", execs, corpus: corpus.length, covered: tracker.hit };
  parentPort!.postMessage(message);
}

const started = performance.now();
Atomics.store(ctrl, SLOT_PHASE, PHASE_RUNNING);
let seedsLoaded = 0;
let removed = 0;

if (job.mode === "replay") {
  for (const file of job.replayFiles) {
    const data = new Uint8Array(readFileSync(file));
    const before = crashes;
    exec(data);
    const verdict = crashes > before ? "CRASH" : "ok";
    process.stdout.write(`${verdict} ${file} (${data.length} bytes)\n`);
    if (crashes > before)
      process.stdout.write(`${uniqueCrashes.at(-1)?.summary ?? "(same crash as before)"}\n`);
  }
} else if (job.mode === "minimize") {
  // Smallest first: an entry survives only if it reaches a counter the smaller ones did not.
  const keptPaths = new Set<string>();
  const keptDigests = new Set<string>();
  const inputs = job.corpusDirs
    .flatMap(listInputs)
    .sort((a, b) => a.size - b.size || a.path.localeCompare(b.path));
  for (const input of inputs) {
    const data = new Uint8Array(readFileSync(input.path));
    const digest = sha1(data);
    if (keptDigests.has(digest) || exec(data) <= 0) continue;
    keptDigests.add(digest);
    addToCorpus(data, false);
    if (job.saveDir === undefined) continue;
    if (dirname(input.path) === job.saveDir) {
      keptPaths.add(input.path);
    } else {
      mkdirSync(job.saveDir, { recursive: true });
      writeFileSync(join(job.saveDir, digest), data);
      keptPaths.add(join(job.saveDir, digest));
    }
  }
  if (job.saveDir !== undefined) {
    for (const file of listInputs(job.saveDir)) {
      if (keptPaths.has(file.path)) continue;
      rmSync(file.path, { force: true });
      removed++;
    }
  }
  seedsLoaded = inputs.length;
} else {
  exec(new Uint8Array(0));
  const inputs = job.corpusDirs.flatMap(listInputs).sort((a, b) => a.size - b.size);
  for (const input of inputs) {
    const data = new Uint8Array(readFileSync(input.path));
    seedsLoaded++;
    if (exec(data) > 0) addToCorpus(data, false);
  }
  if (corpus.length === 0) addToCorpus(new Uint8Array(0), false);
  const deadline = started + job.seconds * 1000;
  const other = () => corpus[rng.below(corpus.length)];
  let lastProgress = started;
  for (;;) {
    if (job.maxExecs !== undefined && execs >= job.maxExecs) break;
    if ((execs & 15) === 0) {
      const now = performance.now();
      if (now >= deadline) break;
      if (now - lastProgress >= 2000) {
        lastProgress = now;
        progress();
      }
    }
    if ((execs & 255) === 0) sampleHeap();
    // Half the time one of the newest entries (they are where the frontier is), else any.
    const parent =
      rng.chance(2) && corpus.length > 16
        ? corpus[corpus.length - 1 - rng.below(16)]!
        : corpus[rng.below(corpus.length)]!;
    const child = mutate(parent, { rng, maxLen, dictionary, other });
    if (exec(child) > 0) addToCorpus(child, true);
  }
}

sampleHeap();
Atomics.store(ctrl, SLOT_PHASE, PHASE_DONE);
if (
  firstWindowMin !== undefined &&
  lastWindowMin !== undefined &&
  lastWindowMin - firstWindowMin > HEAP_GROWTH_LIMIT
) {
  crashes++;
  uniqueCrashes.push({
    kind: "heap-growth",
    file: undefined,
    summary: `the heap that survives collection grew from ${mb(firstWindowMin)} MB to ${mb(lastWindowMin)} MB over the run`,
  });
}
if (job.uncovered) {
  for (const line of tracker.uncovered(target.packages ?? [])) process.stdout.write(`uncovered ${line}\n`);
}
const result: TargetResult = {
  target: job.target,
  mode: job.mode,
  seed: job.seed,
  execs,
  seconds: (performance.now() - started) / 1000,
  corpusEntries: corpus.length,
  corpusBytes,
  seedsLoaded,
  coverage: tracker.figures(target.packages ?? []),
  crashes,
  uniqueCrashes,
  slowestExecMs: Math.round(slowestExecMs * 10) / 10,
  heapMb: { start: mb(heapStart), end: mb(heapNow()), peak: mb(heapPeak) },
  removed,
};
const done: WorkerMessage = { type: "done", result };
parentPort!.postMessage(done);
