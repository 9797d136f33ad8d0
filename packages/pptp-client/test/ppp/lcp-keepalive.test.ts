import { describe, expect, it } from "vitest";
import { ECHO_REPROBE_MS, LcpKeepalive } from "../../src/ppp/lcp-keepalive.js";

const INTERVAL = 10_000;
const FAILURES = 4;

/** Drives a keepalive on a fake clock, as PppLink does: at each deadline, send what it asks and record it. */
class Driver {
  readonly keepalive = new LcpKeepalive(INTERVAL, FAILURES);
  /** Send times of the echoes, by identifier. */
  readonly sent = new Map<number, number>();
  readonly verdicts: { at: number; verdict: string }[] = [];
  now = 0;
  private nextId = 1;

  constructor() {
    this.keepalive.start(0);
  }

  /** Advances to `until`, firing every deadline on the way; returns the identifiers sent meanwhile. */
  runTo(until: number): number[] {
    const ids: number[] = [];
    for (let at = this.keepalive.nextTimeout(); at !== undefined && at <= until; ) {
      this.now = at;
      const verdict = this.keepalive.due(at);
      if (verdict === undefined) {
        // Allowed only when the deadline moved on (the peer was heard from meanwhile).
        const next = this.keepalive.nextTimeout();
        if (next === undefined || next <= at) throw new Error(`deadline ${at} with nothing due`);
        at = next;
        continue;
      }
      this.verdicts.push({ at, verdict });
      if (verdict !== "dead") {
        const id = this.nextId++;
        this.keepalive.sent(id, at);
        this.sent.set(id, at);
        ids.push(id);
      }
      at = this.keepalive.nextTimeout();
    }
    this.now = until;
    return ids;
  }

  answer(id: number, at: number): number | undefined {
    this.now = at;
    return this.keepalive.answered(id, at);
  }

  sendTimes(): number[] {
    return [...this.sent.values()];
  }
}

describe("LcpKeepalive", () => {
  it("sends one echo per interval while every echo is answered", () => {
    const d = new Driver();
    for (let i = 1; i <= 5; i++) {
      const [id] = d.runTo(i * INTERVAL);
      expect(d.answer(id!, i * INTERVAL + 30)).toBe(30);
    }
    expect(d.sendTimes()).toEqual([10_000, 20_000, 30_000, 40_000, 50_000]);
    expect(d.keepalive.nextTimeout()).toBe(60_000);
    expect(d.keepalive.unanswered).toBe(0);
  });

  it("re-probes every 2 s after a miss, and declares the peer dead at interval + failures x 2 s (18 s, not 50 s)", () => {
    const d = new Driver();
    d.runTo(60_000);
    expect(d.sendTimes()).toEqual([10_000, 12_000, 14_000, 16_000]);
    expect(d.verdicts).toEqual([
      { at: 10_000, verdict: "send" },
      { at: 12_000, verdict: "reprobe" },
      { at: 14_000, verdict: "reprobe" },
      { at: 16_000, verdict: "reprobe" },
      { at: 18_000, verdict: "dead" },
    ]);
    expect(d.keepalive.unanswered).toBe(FAILURES);
    expect(d.keepalive.nextTimeout()).toBeUndefined();
    expect(INTERVAL + FAILURES * ECHO_REPROBE_MS).toBe(18_000);
  });

  it("goes back to one echo per interval on a late answer to an earlier echo of the run", () => {
    const d = new Driver();
    const [first] = d.runTo(10_000);
    d.runTo(15_000); // missed at 12 s and 14 s: re-probes out at 12 s and 14 s
    expect(d.keepalive.unanswered).toBe(2);
    // The answer to the 10 s echo arrives 5.5 s late: the peer is alive, the rhythm is healthy again.
    expect(d.answer(first!, 15_500)).toBe(5_500);
    expect(d.keepalive.unanswered).toBe(0);
    expect(d.keepalive.nextTimeout()).toBe(24_000); // one interval after the last echo sent (14 s)
    d.runTo(60_000);
    expect(d.verdicts.filter((v) => v.at > 15_500).map((v) => v.verdict)).toEqual([
      "send",
      "reprobe",
      "reprobe",
      "reprobe",
      "dead",
    ]);
    expect(d.verdicts.at(-1)).toEqual({ at: 32_000, verdict: "dead" });
  });

  it("is not declared dead by a loss that is not `failures` in a row (5 % loss needs four round trips lost)", () => {
    const d = new Driver();
    // Three echoes in a row lost, the fourth answered: still alive, healthy again.
    const ids = d.runTo(16_000);
    expect(ids).toHaveLength(4);
    expect(d.answer(ids[3]!, 16_050)).toBe(50);
    d.runTo(26_000);
    expect(d.verdicts.map((v) => v.verdict)).not.toContain("dead");
    expect(d.sendTimes().at(-1)).toBe(26_000);
  });

  it("ignores answers to echoes it never sent or has given up on", () => {
    const d = new Driver();
    const [first] = d.runTo(10_000);
    expect(d.answer(first! + 100, 10_010)).toBeUndefined();
    d.runTo(19_000);
    expect(d.answer(first!, 19_500)).toBeUndefined(); // the run ended dead at 18 s
    expect(d.keepalive.nextTimeout()).toBeUndefined();
  });

  it("probes at once when asked, unless an echo is waiting for its answer", () => {
    const d = new Driver();
    d.keepalive.probe(3_000);
    const [id] = d.runTo(3_000);
    expect(d.sendTimes()).toEqual([3_000]);
    d.keepalive.probe(3_500); // that echo is still out: nothing more
    expect(d.keepalive.nextTimeout()).toBe(3_000 + ECHO_REPROBE_MS);
    d.answer(id!, 3_020);
    expect(d.keepalive.nextTimeout()).toBe(13_000);
  });

  it("stops for good when the peer refuses Echo-Request, and a probe does not restart it", () => {
    const d = new Driver();
    d.runTo(10_000);
    d.keepalive.refuse();
    expect(d.keepalive.nextTimeout()).toBeUndefined();
    d.keepalive.probe(11_000);
    d.keepalive.start(11_000);
    expect(d.keepalive.nextTimeout()).toBeUndefined();
    expect(d.keepalive.due(100_000)).toBeUndefined();
  });

  it("re-probes no slower than the interval itself when that is under 2 s", () => {
    const keepalive = new LcpKeepalive(1_000, 3);
    keepalive.start(0);
    const times: number[] = [];
    for (let at = keepalive.nextTimeout(); at !== undefined; at = keepalive.nextTimeout()) {
      if (keepalive.due(at) === "dead") {
        times.push(-at);
        break;
      }
      times.push(at);
    }
    expect(times).toEqual([1_000, 2_000, 3_000, -4_000]);
  });

  it("is off with an interval or failure count of 0", () => {
    for (const [interval, failures] of [
      [0, 4],
      [10_000, 0],
    ] as const) {
      const keepalive = new LcpKeepalive(interval, failures);
      keepalive.start(0);
      expect(keepalive.nextTimeout()).toBeUndefined();
    }
  });

  it("counts frames from the peer after an echo as life: a slow answer on a long queue is not a miss", () => {
    const d = new Driver();
    const [first] = d.runTo(INTERVAL);
    // Data keeps arriving while the echo's answer sits in a 7 s queue.
    for (let at = INTERVAL + 500; at < INTERVAL + 7_000; at += 500) d.keepalive.heard(at);
    d.runTo(INTERVAL + 7_000);
    expect(d.keepalive.unanswered).toBe(0);
    expect(d.sendTimes()).toEqual([INTERVAL]);
    expect(d.answer(first!, INTERVAL + 7_000)).toBe(7_000);
    d.runTo(2 * INTERVAL);
    expect(d.sendTimes()).toEqual([INTERVAL, 2 * INTERVAL]);
  });

  it("does not count frames heard before the echo went out", () => {
    const d = new Driver();
    d.keepalive.heard(INTERVAL - 1);
    d.runTo(INTERVAL + FAILURES * ECHO_REPROBE_MS);
    expect(d.verdicts.at(-1)).toEqual({ at: INTERVAL + FAILURES * ECHO_REPROBE_MS, verdict: "dead" });
  });
});
