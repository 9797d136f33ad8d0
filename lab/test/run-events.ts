/**
 * When things happened in a `ferry connect` run, on the run's own clock (milliseconds since it started, as in
 * `FerryRun.arrivals`): its events after a given moment, the server's side of the call going down, and the whole run
 * in words for a failed assertion.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { expect } from "vitest";
import { type FerryEvent, type FerryRun, serverLog } from "./lab.js";

/** Milliseconds since the run started. */
export const runTime = (ferry: FerryRun) => Date.now() - ferry.startedAt;

/** The first event `name` that arrived at or after `sinceMs` (run time), with its arrival. */
export function firstAfter(
  ferry: FerryRun,
  name: string,
  sinceMs: number,
): { e: FerryEvent; at: number } | undefined {
  for (const [i, e] of ferry.events.entries()) {
    const at = ferry.arrivals[i]!;
    if (e.event === name && at >= sinceMs) return { e, at };
  }
  return undefined;
}

/** Waits for `firstAfter`; throws with the whole run after `timeoutMs` or once ferry has disconnected. */
export async function waitAfter(ferry: FerryRun, name: string, sinceMs: number, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = firstAfter(ferry, name, sinceMs);
    if (found !== undefined) return found;
    if (Date.now() > deadline || ferry.events.some((e) => e.event === "disconnected")) {
      throw new Error(`no "${name}" event after ${sinceMs} ms; ${describeRun(ferry)}`);
    }
    await sleep(100);
  }
}

/** Every event with its arrival, and ferry's stderr: the message of a failed assertion. */
export function describeRun(ferry: FerryRun): string {
  const events = ferry.events.map((e, i) => `${ferry.arrivals[i]} ms ${JSON.stringify(e)}`).join("\n  ");
  return `events:\n  ${events}\nstderr:\n  ${ferry.stderr.join("\n  ")}`;
}

/** Ctrl-C: ferry must exit 0 (the error that ended a session would make it 1). */
export async function stop(ferry: FerryRun): Promise<void> {
  ferry.interrupt();
  const code = await ferry.exited;
  expect(code, describeRun(ferry)).toBe(0);
}

/**
 * The run time at which the server logs its next ip-down (pppd's link gone), found by reading the server's log every
 * 500 ms until then or until `stop`; `at` stays undefined if it never does.
 */
export function serverDown(ferry: FerryRun): { at: number | undefined; stop: () => void } {
  const found: { at: number | undefined; stop: () => void } = { at: undefined, stop: () => {} };
  let stopped = false;
  found.stop = () => {
    stopped = true;
  };
  void (async () => {
    const downs = async () => (await serverLog().catch(() => "")).split("ferry-lab: ip-down").length;
    const initial = await downs();
    while (!stopped) {
      if ((await downs()) > initial) {
        found.at = runTime(ferry);
        return;
      }
      await sleep(500);
    }
  })();
  return found;
}
