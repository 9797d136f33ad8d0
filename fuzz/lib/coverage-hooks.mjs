// Node module loader hooks (module.register): every ES module under packages/*/dist is instrumented in memory with
// istanbul-lib-instrument, so its statement, branch and function counters appear in globalThis.__coverage__ of the
// thread that imports it. Nothing is written to disk.
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const { createInstrumenter } = require("istanbul-lib-instrument");

const instrumenter = createInstrumenter({
  esModules: true,
  compact: true,
  produceSourceMap: false,
  preserveComments: false,
  coverageVariable: "__coverage__",
});

const PRODUCT_CODE = /\/packages\/[^/]+\/dist\/.+\.js$/;

export async function load(url, context, nextLoad) {
  const result = await nextLoad(url, context);
  if (!url.startsWith("file:") || !PRODUCT_CODE.test(url) || result.format !== "module") return result;
  const source =
    typeof result.source === "string" ? result.source : Buffer.from(result.source).toString("utf8");
  const code = instrumenter.instrumentSync(source, fileURLToPath(url));
  return { ...result, source: code, shortCircuit: true };
}
