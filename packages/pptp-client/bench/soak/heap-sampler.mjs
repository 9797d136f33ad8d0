// Preloaded into the soak's ferry process (NODE_OPTIONS=--import): every 10 s one CSV row of V8's own view of its
// memory, so the soak can tell the JavaScript heap (live objects: a leak shows here) from what RSS also counts (the
// heap's reserve, which V8 grows and shrinks as it likes, glibc's arenas, the mapped node binary). Bench-only: the
// product never loads it. Written with appendFileSync (no descriptor held open) so the fd samples stay the product's.
import { appendFileSync, writeFileSync } from "node:fs";
import { getHeapStatistics } from "node:v8";

const out = process.env.FERRY_SOAK_HEAP_CSV;
if (out) {
  const started = Date.now();
  const kb = (bytes) => Math.round(bytes / 1024);
  writeFileSync(out, "t_s,heap_used_kb,heap_total_kb,external_kb,array_buffers_kb,malloced_kb\n");
  setInterval(() => {
    const usage = process.memoryUsage();
    const row = [
      Math.round((Date.now() - started) / 1000),
      kb(usage.heapUsed),
      kb(usage.heapTotal),
      kb(usage.external),
      kb(usage.arrayBuffers),
      kb(getHeapStatistics().malloced_memory),
    ];
    appendFileSync(out, `${row.join(",")}\n`);
  }, 10_000).unref();
}
