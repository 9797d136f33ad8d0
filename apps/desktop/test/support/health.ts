/** Health values for the main-process tests. */
import type { Health } from "../../src/shared/service-api.js";

export const DISCONNECTED: Health = {
  state: "disconnected",
  bytesIn: 0,
  bytesOut: 0,
  rateInBps: 0,
  rateOutBps: 0,
};

export function health(overrides: Partial<Health>): Health {
  return { ...DISCONNECTED, ...overrides };
}

export const CONNECTED_DIRECT = health({
  state: "connected-direct",
  profileId: "office",
  transport: "direct",
  rttMs: 23.4,
  lossPercent: 0.5,
  bytesIn: 5_000_000,
  bytesOut: 700_000,
  rateInBps: 2_400_000,
  rateOutBps: 310_000,
  uptimeMs: 3_725_000,
});

export const CONNECTED_RELAY = health({
  ...CONNECTED_DIRECT,
  state: "connected-relay",
  transport: "wrap",
  fallbackReason: "gre-timeout",
});
