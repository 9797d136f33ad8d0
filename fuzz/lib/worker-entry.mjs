// A fuzzing worker's first module: TypeScript through tsx, product code through the coverage hooks, then the loop.
import { register } from "node:module";
import { register as registerTsx } from "tsx/esm/api";

registerTsx();
register("./coverage-hooks.mjs", import.meta.url);
await import("./worker.ts");
