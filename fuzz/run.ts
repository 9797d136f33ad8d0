/**
 * Ferry's coverage-guided fuzzer (see fuzz/README.md).
 *
 *   npx tsx fuzz/run.ts [--target NAME[,NAME…]|all] [--seconds N] [--seed S] [--jobs N] [--ci]
 *   npx tsx fuzz/run.ts --target NAME --replay FILE…     re-run saved inputs (a crash's file, say)
 *   npx tsx fuzz/run.ts --target NAME|all --minimize     shrink fuzz/corpus/<target>/ (plus the campaign's finds
 *                                                        in fuzz/.work/corpus/<target>/ with --merge)
 *
 * Each target runs in a worker thread with its own heap limit; a watchdog saves the running input when a target
 * stops making progress (hang) or the worker runs out of memory. `--ci` exits 1 on any crash.
 */
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { checkDistFresh } from "./lib/dist-fresh.js";
import {
  type CrashReport,
  PHASE_RUNNING,
  SHARED_HEADER_BYTES,
  SHARED_INPUT_BYTES,
  SLOT_EXECS,
  SLOT_INPUT_LENGTH,
  SLOT_PHASE,
  type TargetResult,
  type WorkerJob,
  type WorkerMessage,
  type WorkerMode,
} from "./lib/protocol.js";

const FUZZ_DIR = dirname(fileURLToPath(import.meta.url));
const TARGETS_DIR = join(FUZZ_DIR, "targets");

interface Options {
  targets: string[];
  seconds: number;
  seed: number;
  jobs: number;
  ci: boolean;
  mode: WorkerMode;
  merge: boolean;
  replay: string[];
  maxExecs: number | undefined;
  hangSeconds: number;
  heapMb: number;
  json: string | undefined;
  verbose: boolean;
  uncovered: boolean;
}

function usage(message: string): never {
  process.stderr.write(`${message}\nusage: npx tsx fuzz/run.ts [--target NAME|all] [--seconds N] [--seed S] [--jobs N]
       [--ci] [--max-execs N] [--hang-seconds N] [--heap-mb N] [--json FILE] [--verbose] [--uncovered]
       [--replay FILE…] [--minimize [--merge]]\n`);
  process.exit(2);
}

function allTargets(): string[] {
  return readdirSync(TARGETS_DIR)
    .filter((f) => f.endsWith(".ts"))
    .map((f) => f.slice(0, -3))
    .sort();
}

function parseOptions(argv: readonly string[]): Options {
  const ci = argv.includes("--ci");
  const options: Options = {
    targets: allTargets(),
    seconds: ci ? 15 : 60,
    seed: (Date.now() ^ (process.pid << 8)) >>> 0,
    jobs: ci ? Math.min(2, availableParallelism()) : 1,
    ci,
    mode: "fuzz",
    merge: false,
    replay: [],
    maxExecs: undefined,
    hangSeconds: 10,
    heapMb: 1024,
    json: undefined,
    verbose: false,
    uncovered: false,
  };
  const number = (i: number): number => {
    const value = Number(argv[i + 1]);
    if (!Number.isFinite(value) || value < 0) usage(`${argv[i]} needs a number`);
    return value;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    switch (arg) {
      case "--ci":
      case "all":
        break;
      case "--target": {
        const value = argv[++i] ?? usage("--target needs a name");
        if (value !== "all") {
          const known = allTargets();
          options.targets = value.split(",");
          for (const t of options.targets)
            if (!known.includes(t)) usage(`no target ${t} (have: ${known.join(", ")})`);
        }
        break;
      }
      case "--seconds":
        options.seconds = number(i++);
        break;
      case "--seed":
        options.seed = number(i++) >>> 0;
        break;
      case "--jobs":
        options.jobs = Math.max(1, Math.floor(number(i++)));
        break;
      case "--max-execs":
        options.maxExecs = number(i++);
        break;
      case "--hang-seconds":
        options.hangSeconds = number(i++);
        break;
      case "--heap-mb":
        options.heapMb = number(i++);
        break;
      case "--json":
        options.json = argv[++i] ?? usage("--json needs a file");
        break;
      case "--verbose":
        options.verbose = true;
        break;
      case "--uncovered":
        options.uncovered = true;
        break;
      case "--minimize":
        options.mode = "minimize";
        break;
      case "--merge":
        options.merge = true;
        break;
      case "--replay":
        options.mode = "replay";
        while (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith("--"))
          options.replay.push(resolve(argv[++i]!));
        break;
      default:
        usage(`unknown argument ${arg}`);
    }
  }
  if (options.mode === "replay" && (options.targets.length !== 1 || options.replay.length === 0))
    usage("--replay needs one --target and at least one file");
  return options;
}

function emptyResult(target: string, options: Options): TargetResult {
  return {
    target,
    mode: options.mode,
    seed: options.seed,
    execs: 0,
    seconds: 0,
    corpusEntries: 0,
    corpusBytes: 0,
    seedsLoaded: 0,
    coverage: {
      files: 0,
      statements: { hit: 0, total: 0 },
      branches: { hit: 0, total: 0 },
      functions: { hit: 0, total: 0 },
    },
    crashes: 0,
    uniqueCrashes: [],
    slowestExecMs: 0,
    heapMb: { start: 0, end: 0, peak: 0 },
    removed: 0,
  };
}

/** Saves the input a worker was running when it hung or died. */
function saveRunningInput(
  shared: SharedArrayBuffer,
  crashDir: string,
  kind: CrashReport["kind"],
  why: string,
) {
  const ctrl = new Int32Array(shared, 0, 4);
  const length = Atomics.load(ctrl, SLOT_INPUT_LENGTH);
  const input = new Uint8Array(shared, SHARED_HEADER_BYTES, length).slice();
  mkdirSync(crashDir, { recursive: true });
  const file = join(crashDir, `${kind}-${Date.now().toString(36)}`);
  writeFileSync(file, input);
  writeFileSync(
    `${file}.txt`,
    `${why}\ninput (${length} bytes, hex): ${Buffer.from(input).toString("hex")}\n`,
  );
  return file;
}

function runTarget(target: string, options: Options, index: number): Promise<TargetResult> {
  const shared = new SharedArrayBuffer(SHARED_HEADER_BYTES + SHARED_INPUT_BYTES);
  const ctrl = new Int32Array(shared, 0, 4);
  const committed = join(FUZZ_DIR, "corpus", target);
  const work = join(FUZZ_DIR, ".work", "corpus", target);
  const crashDir = join(FUZZ_DIR, "crashes", target);
  const job: WorkerJob = {
    target,
    targetFile: join(TARGETS_DIR, `${target}.ts`),
    mode: options.mode,
    seconds: options.seconds,
    maxExecs: options.maxExecs,
    seed: (options.seed + index * 0x9e3779b9) >>> 0,
    corpusDirs: options.mode === "minimize" && !options.merge ? [committed] : [committed, work],
    // A campaign's finds go to the work folder; only --minimize rewrites the committed corpus; CI writes neither.
    saveDir: options.mode === "minimize" ? committed : options.ci ? undefined : work,
    crashDir,
    replayFiles: options.replay,
    uncovered: options.uncovered,
    shared,
  };
  const worker = new Worker(new URL("./lib/worker-entry.mjs", import.meta.url), {
    workerData: job,
    resourceLimits: { maxOldGenerationSizeMb: options.heapMb },
  });
  return new Promise((resolvePromise) => {
    let result: TargetResult | undefined;
    let failure: CrashReport | undefined;
    const found: CrashReport[] = [];
    let lastExecs = -1;
    let stalledSince = Date.now();
    const watchdog = setInterval(() => {
      if (Atomics.load(ctrl, SLOT_PHASE) !== PHASE_RUNNING) {
        stalledSince = Date.now();
        return;
      }
      const execs = Atomics.load(ctrl, SLOT_EXECS);
      if (execs !== lastExecs) {
        lastExecs = execs;
        stalledSince = Date.now();
        return;
      }
      if (Date.now() - stalledSince < options.hangSeconds * 1000) return;
      const why = `target ${target}: one input ran for more than ${options.hangSeconds} s (hang or livelock)`;
      failure = { kind: "hang", file: saveRunningInput(shared, crashDir, "hang", why), summary: why };
      void worker.terminate();
    }, 500);
    worker.on("message", (message: WorkerMessage) => {
      if (message.type === "done") result = message.result;
      else if (message.type === "crash") found.push(message.crash);
      else if (options.verbose)
        process.stderr.write(
          `  ${target}: ${message.execs} execs, corpus ${message.corpus}, ${message.covered} counters\n`,
        );
    });
    worker.on("error", (error: Error & { code?: string }) => {
      if (failure !== undefined) return;
      const outOfMemory = error.code === "ERR_WORKER_OUT_OF_MEMORY";
      const why = outOfMemory
        ? `target ${target}: the worker exceeded its ${options.heapMb} MB heap (allocation without bound)`
        : `target ${target}: the worker failed outside fuzz(): ${error.stack ?? error.message}`;
      const kind = outOfMemory ? "out-of-memory" : "exception";
      const running = Atomics.load(ctrl, SLOT_PHASE) === PHASE_RUNNING;
      failure = {
        kind,
        file: running ? saveRunningInput(shared, crashDir, kind, why) : undefined,
        summary: why,
      };
    });
    worker.on("exit", () => {
      clearInterval(watchdog);
      const execs = Atomics.load(ctrl, SLOT_EXECS);
      const base = result ?? {
        ...emptyResult(target, options),
        execs,
        crashes: found.length,
        uniqueCrashes: found,
      };
      resolvePromise(
        failure === undefined
          ? base
          : { ...base, crashes: base.crashes + 1, uniqueCrashes: [...base.uniqueCrashes, failure] },
      );
    });
  });
}

function percent(part: { hit: number; total: number }): string {
  return part.total === 0
    ? "-"
    : `${part.hit}/${part.total} (${((100 * part.hit) / part.total).toFixed(1)}%)`;
}

function table(results: readonly TargetResult[]): string {
  const header = [
    "target",
    "execs",
    "execs/s",
    "statements",
    "branches",
    "corpus",
    "crashes",
    "heap MB",
    "slowest",
  ];
  const rows = results.map((r) => [
    r.target,
    String(r.execs),
    r.seconds > 0 ? String(Math.round(r.execs / r.seconds)) : "-",
    percent(r.coverage.statements),
    percent(r.coverage.branches),
    r.mode === "minimize" ? `${r.corpusEntries} (-${r.removed})` : `${r.corpusEntries} (${r.corpusBytes} B)`,
    r.crashes === 0 ? "0" : `${r.crashes} (${r.uniqueCrashes.length} unique)`,
    `${r.heapMb.start}->${r.heapMb.end} (peak ${r.heapMb.peak})`,
    `${r.slowestExecMs} ms`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

const options = parseOptions(process.argv.slice(2));
const stale = checkDistFresh();
if (stale.length > 0) {
  process.stderr.write(
    `warning: dist/ is older than src/ for ${stale.length} file(s) (${stale.slice(0, 3).join(", ")}…): ` +
      "the fuzzer runs the built code; run `npm run build` first\n",
  );
}
process.stderr.write(
  `fuzzing ${options.targets.length} target(s), mode ${options.mode}, ${options.seconds} s each, seed ${options.seed}, ${options.jobs} job(s)\n`,
);
const results: TargetResult[] = new Array(options.targets.length);
let next = 0;
await Promise.all(
  Array.from({ length: Math.min(options.jobs, options.targets.length) }, async () => {
    while (next < options.targets.length) {
      const index = next++;
      const target = options.targets[index]!;
      const result = await runTarget(target, options, index);
      results[index] = result;
      process.stderr.write(
        `${target}: ${result.execs} execs, corpus ${result.corpusEntries}, statements ${percent(result.coverage.statements)}, ${result.crashes} crash(es)\n`,
      );
      for (const crash of result.uniqueCrashes) {
        process.stderr.write(
          `  ${crash.kind}: ${crash.summary}${crash.file ? `\n  saved: ${crash.file}` : ""}\n`,
        );
      }
    }
  }),
);
process.stdout.write(`\n${table(results)}\n`);
if (options.json !== undefined) writeFileSync(options.json, `${JSON.stringify(results, null, 2)}\n`);
const crashed = results.filter((r) => r.crashes > 0).map((r) => r.target);
if (crashed.length > 0) {
  process.stdout.write(
    `\ncrashes in: ${crashed.join(", ")} (inputs and stacks under ${basename(FUZZ_DIR)}/crashes/)\n`,
  );
  if (options.ci || options.mode === "replay") process.exitCode = 1;
}
