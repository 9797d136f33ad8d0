/**
 * Where a `node --cpu-prof` profile spent its time, as text: self time per function and per source file, largest
 * first. For the profiles `run.sh --profile DIR` leaves behind.
 *
 *   npx tsx packages/pptp-client/bench/tunnel/profile-summary.ts DIR/CPU.*.cpuprofile [--top 25]
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: "string", default: "25" } },
});
const top = Number(values.top);

for (const path of positionals) {
  const profile = JSON.parse(readFileSync(path, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfByFunction = new Map<string, number>();
  const selfByFile = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const micros = profile.timeDeltas[i] ?? 0;
    const frame = byId.get(id)?.callFrame;
    if (frame === undefined) return;
    total += micros;
    const file = shortFile(frame.url);
    const name = `${frame.functionName || "(anonymous)"} ${file}:${frame.lineNumber + 1}`;
    selfByFunction.set(name, (selfByFunction.get(name) ?? 0) + micros);
    selfByFile.set(file, (selfByFile.get(file) ?? 0) + micros);
  });
  console.log(`\n${path}: ${(total / 1e6).toFixed(1)} s sampled`);
  print("self time by function", selfByFunction, total);
  print("self time by file", selfByFile, total);
}

function print(title: string, table: Map<string, number>, total: number): void {
  console.log(`\n  ${title}`);
  const rows = [...table.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [name, micros] of rows) {
    console.log(
      `  ${((100 * micros) / total).toFixed(1).padStart(5)}%  ${(micros / 1e6).toFixed(2).padStart(6)} s  ${name}`,
    );
  }
}

/** The path from the package down ("src/mppe/rc4.ts"), or the URL as it is for Node's own and native frames. */
function shortFile(url: string): string {
  const at = url.indexOf("/packages/pptp-client/");
  return at < 0 ? url || "(native)" : url.slice(at + "/packages/pptp-client/".length);
}
