/** The fuzzer runs packages/*\/dist: say so when a source file is newer than what was built from it. */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const PACKAGES = fileURLToPath(new URL("../../packages/", import.meta.url));

function walk(dir: string, out: string[]): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, out);
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

/** Source files (relative to packages/) whose built .js is missing or older. */
export function checkDistFresh(): string[] {
  const stale: string[] = [];
  for (const pkg of readdirSync(PACKAGES)) {
    const src = join(PACKAGES, pkg, "src");
    if (!existsSync(src)) continue;
    for (const file of walk(src, [])) {
      const built = join(PACKAGES, pkg, "dist", file.slice(src.length).replace(/\.ts$/, ".js"));
      if (!existsSync(built) || statSync(built).mtimeMs < statSync(file).mtimeMs)
        stale.push(`${pkg}${file.slice(src.length)}`);
    }
  }
  return stale;
}
