/** The live chart's data: the last N health readings, and the scale that fits them. Pure. */
import type { Health } from "../shared/service-api.js";

export interface Sample {
  readonly rateInBps: number;
  readonly rateOutBps: number;
  readonly rttMs: number | undefined;
}

export const CHART_SAMPLES = 60;

export function addSample(samples: readonly Sample[], health: Health, keep = CHART_SAMPLES): Sample[] {
  const next = [
    ...samples,
    { rateInBps: health.rateInBps, rateOutBps: health.rateOutBps, rttMs: health.rttMs },
  ];
  return next.length > keep ? next.slice(next.length - keep) : next;
}

/** A round upper bound (1, 2 or 5 times a power of ten) at or above the largest value, so the axis reads easily. */
export function niceCeiling(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (value <= step * power) return step * power;
  return 10 * power;
}
