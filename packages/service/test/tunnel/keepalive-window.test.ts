import { describe, expect, it } from "vitest";
import {
  KEEPALIVE_OFF_WINDOW_MS,
  keepaliveWindowMs,
  MIN_KEEPALIVE_WINDOW_MS,
} from "../../src/tunnel/keepalive-window.js";

describe("keepaliveWindowMs", () => {
  it("is one echo interval past the keepalive's own verdict: interval x (failures + 1)", () => {
    expect(keepaliveWindowMs({ lcpEchoIntervalMs: 2000, failures: 3 })).toBe(8000);
    expect(keepaliveWindowMs({ lcpEchoIntervalMs: 30_000, failures: 4 })).toBe(150_000);
  });

  it("follows the session's default keepalive (10 s x 4) for a profile that names none", () => {
    expect(keepaliveWindowMs(undefined)).toBe(50_000);
  });

  it("falls back to a minute when echoes are off, and never goes below the floor", () => {
    expect(KEEPALIVE_OFF_WINDOW_MS).toBe(60_000);
    expect(keepaliveWindowMs({ lcpEchoIntervalMs: 0, failures: 4 })).toBe(KEEPALIVE_OFF_WINDOW_MS);
    expect(keepaliveWindowMs({ lcpEchoIntervalMs: 10_000, failures: 0 })).toBe(KEEPALIVE_OFF_WINDOW_MS);
    expect(keepaliveWindowMs({ lcpEchoIntervalMs: 1000, failures: 1 })).toBe(MIN_KEEPALIVE_WINDOW_MS);
  });
});
