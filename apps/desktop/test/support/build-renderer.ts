/**
 * Compiles the renderer afresh for the browser tests, so they never run a stale build. Emit only (--noCheck): the
 * typecheck script checks the types, this only needs the JavaScript.
 */
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { promisify } from "node:util";
import { copyRendererStatic } from "../../scripts/copy-static.js";

export const APP_DIR = join(import.meta.dirname, "..", "..");
export const RENDERER_ROOT = join(APP_DIR, "dist", "renderer");

export async function buildRenderer(): Promise<void> {
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  await promisify(execFile)(process.execPath, [
    tsc,
    "-p",
    join(APP_DIR, "tsconfig.renderer.json"),
    "--noCheck",
  ]);
  await copyRendererStatic();
}
