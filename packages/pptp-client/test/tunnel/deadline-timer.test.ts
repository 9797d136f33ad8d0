import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DeadlineTimer } from "../../src/tunnel/deadline-timer.js";

describe("DeadlineTimer", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("fires once at the deadline, re-arms only when the deadline moves, and disarms on undefined", () => {
    const fired: number[] = [];
    const timer = new DeadlineTimer(
      () => fired.push(Date.now()),
      () => Date.now(),
    );
    const start = Date.now();
    timer.set(start + 100);
    timer.set(start + 100); // same deadline: nothing changes
    vi.advanceTimersByTime(99);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual([start + 100]);

    timer.set(Date.now() + 50);
    timer.set(Date.now() + 20); // moved earlier: only the new deadline fires
    vi.advanceTimersByTime(100);
    expect(fired).toEqual([start + 100, start + 120]);

    timer.set(Date.now() + 10);
    timer.set(undefined);
    vi.advanceTimersByTime(100);
    expect(fired.length).toBe(2);
  });

  it("fires at once for a deadline already past, and can be armed again for the same time after firing", () => {
    const fired: number[] = [];
    const timer = new DeadlineTimer(
      () => fired.push(1),
      () => Date.now(),
    );
    const past = Date.now() - 5;
    timer.set(past);
    vi.advanceTimersByTime(0);
    expect(fired).toEqual([1]);
    timer.set(past);
    vi.advanceTimersByTime(0);
    expect(fired).toEqual([1, 1]);
  });
});
