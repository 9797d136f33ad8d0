/**
 * Feedback from istanbul's counters in globalThis.__coverage__: after each input, which counters (statements,
 * branch arms, functions) went from zero to non-zero for the first time. Only the counters never hit so far are
 * scanned, so the cost per execution shrinks as coverage grows.
 */

interface FileCoverage {
  readonly path: string;
  readonly statementMap: Record<string, { readonly start: { readonly line: number } }>;
  readonly s: Record<string, number>;
  readonly b: Record<string, number[]>;
  readonly f: Record<string, number>;
}

type Counters = Record<string, number> | number[];

export interface CoverageFigures {
  readonly files: number;
  readonly statements: { readonly hit: number; readonly total: number };
  readonly branches: { readonly hit: number; readonly total: number };
  readonly functions: { readonly hit: number; readonly total: number };
}

function coverageObject(): Record<string, FileCoverage> {
  const global = globalThis as { __coverage__?: Record<string, FileCoverage> };
  global.__coverage__ ??= {};
  return global.__coverage__;
}

export class CoverageTracker {
  private readonly known = new Set<string>();
  private unhitHolders: Counters[] = [];
  private unhitKeys: (string | number)[] = [];
  private fileCount = 0;
  /** Counters hit at least once. */
  hit = 0;
  /** Counters seen in every loaded file. */
  total = 0;

  /** Picks up files loaded since the last call (a target may import lazily). */
  private refresh(): void {
    const all = coverageObject();
    for (const path of Object.keys(all)) {
      if (this.known.has(path)) continue;
      this.known.add(path);
      const file = all[path]!;
      this.track(file.s);
      this.track(file.f);
      for (const arms of Object.values(file.b)) this.track(arms);
    }
    this.fileCount = Object.keys(all).length;
  }

  private track(counters: Counters): void {
    for (const key of Object.keys(counters)) {
      const index = Array.isArray(counters) ? Number(key) : key;
      this.total++;
      if ((counters as Record<string | number, number>)[index]! > 0) {
        this.hit++;
      } else {
        this.unhitHolders.push(counters);
        this.unhitKeys.push(index);
      }
    }
  }

  /** How many counters were hit for the first time since the last call. */
  collect(): number {
    if (Object.keys(coverageObject()).length !== this.fileCount) this.refresh();
    const holders = this.unhitHolders;
    const keys = this.unhitKeys;
    let fresh = 0;
    for (let i = holders.length - 1; i >= 0; i--) {
      if ((holders[i] as Record<string | number, number>)[keys[i]!]! > 0) {
        fresh++;
        const last = holders.length - 1;
        holders[i] = holders[last]!;
        keys[i] = keys[last]!;
        holders.pop();
        keys.pop();
      }
    }
    this.hit += fresh;
    return fresh;
  }

  /** Statement, branch and function figures for the loaded files of these packages (all when empty). */
  figures(packages: readonly string[]): CoverageFigures {
    const all = coverageObject();
    const count = (values: Iterable<number>, into: { hit: number; total: number }) => {
      for (const v of values) {
        into.total++;
        if (v > 0) into.hit++;
      }
    };
    const statements = { hit: 0, total: 0 };
    const branches = { hit: 0, total: 0 };
    const functions = { hit: 0, total: 0 };
    let files = 0;
    for (const file of Object.values(all)) {
      if (packages.length > 0 && !packages.some((p) => file.path.includes(`/packages/${p}/dist/`))) continue;
      files++;
      count(Object.values(file.s), statements);
      count(Object.values(file.f), functions);
      for (const arms of Object.values(file.b)) count(arms, branches);
    }
    return { files, statements, branches, functions };
  }

  /** Lines (of the built JS) holding statements never run, per loaded file of these packages. */
  uncovered(packages: readonly string[]): string[] {
    const out: string[] = [];
    for (const file of Object.values(coverageObject())) {
      const at = file.path.indexOf("/packages/");
      if (packages.length > 0 && !packages.some((p) => file.path.includes(`/packages/${p}/dist/`))) continue;
      const lines = new Set<number>();
      for (const [id, count] of Object.entries(file.s))
        if (count === 0) lines.add(file.statementMap[id]!.start.line);
      if (lines.size > 0)
        out.push(`${file.path.slice(at + 10)}: ${[...lines].sort((a, b) => a - b).join(" ")}`);
    }
    return out.sort();
  }
}
