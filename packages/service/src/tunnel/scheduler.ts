/** The clocks and timers the tunnel manager uses, injectable so tests step time by hand. */
import { performance } from "node:perf_hooks";

export interface Scheduler {
  /** Monotonic milliseconds (health figures). */
  now(): number;
  /** Wall-clock milliseconds (log lines). */
  wallClock(): number;
  /** Calls `fn` after `ms`; the returned function cancels. */
  after(ms: number, fn: () => void): () => void;
  /** Calls `fn` every `ms`; the returned function cancels. */
  every(ms: number, fn: () => void): () => void;
}

export const systemScheduler: Scheduler = {
  now: () => performance.now(),
  wallClock: () => Date.now(),
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
  every(ms, fn) {
    const timer = setInterval(fn, ms);
    return () => clearInterval(timer);
  },
};
