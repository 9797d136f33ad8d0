import { greCallId, greHasAck, greHasSeq, greHeaderProblem, greSeq } from "@ferry/pptp-client/wire";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { emitGreProbe, GreProbeResponder, parseGreProbe } from "../../src/relay/gre-probe.js";
import { RateLimiter } from "../../src/relay/rate-limit.js";
import { hex } from "../wire/hex.js";
import { greData } from "./relay-fixtures.js";

// PROTOCOL.md section 6.5, example "gre-probe": probe id 1, sentAt 123 456 789, sequence number 1.
const PROBE = hex("30 01 88 0B 00 09 00 00 00 00 00 01 05 00 00 00 01 07 5B CD 15");
const REPLY = hex("30 01 88 0B 00 09 00 00 00 00 00 01 06 00 00 00 01 07 5B CD 15");

describe("GreProbeResponder", () => {
  it("answers the protocol's example probe with the same kind of packet carrying probe-reply", () => {
    const reply = new GreProbeResponder().reply(PROBE, "198.51.100.9", 0);
    expect(reply).toEqual(REPLY);
    expect(greHeaderProblem(reply!)).toBeUndefined();
  });

  it("answers a probe that also carries an acknowledgement with a smaller packet, never a larger one", () => {
    const withAck = hex("30 81 88 0B 00 09 00 00 00 00 00 07 00 00 00 03 05 00 00 00 02 00 00 00 09");
    const reply = new GreProbeResponder().reply(withAck, "198.51.100.9", 0)!;
    expect(reply.length).toBeLessThan(withAck.length);
    expect([greHasSeq(reply), greHasAck(reply), greSeq(reply), greCallId(reply)]).toEqual([
      true,
      false,
      7,
      0,
    ]);
  });

  it("ignores what is not a probe: another Call ID, no sequence number, a probe-reply, session GRE", () => {
    const responder = new GreProbeResponder();
    const callId1 = PROBE.slice();
    callId1[7] = 1;
    const noSeq = hex("20 01 88 0B 00 09 00 00 05 00 00 00 01 07 5B CD 15");
    for (const packet of [callId1, noSeq, REPLY, greData(0), greData(5), Uint8Array.of(0x30)]) {
      expect(responder.reply(packet, "198.51.100.9", 0)).toBeUndefined();
    }
  });

  it("answers at most 10 probes a second per source address", () => {
    const responder = new GreProbeResponder();
    const answered = (source: string, now: number, count: number) =>
      Array.from({ length: count }, () => responder.reply(PROBE, source, now)).filter((r) => r !== undefined)
        .length;
    expect(answered("198.51.100.1", 0, 25)).toBe(10);
    expect(answered("198.51.100.2", 0, 25)).toBe(10);
    expect(answered("198.51.100.1", 999, 5)).toBe(0);
    expect(answered("198.51.100.1", 1000, 25)).toBe(10);
  });

  it("keeps a bounded number of sources", () => {
    const responder = new GreProbeResponder();
    for (let i = 0; i < 5000; i++) responder.reply(PROBE, `source-${i}`, 0);
    expect(responder.trackedSources).toBeLessThanOrEqual(4096);
    // Once the old ones are quiet, new sources are answered again.
    expect(responder.reply(PROBE, "late", 5000)).toEqual(REPLY);
  });

  it("never throws and never answers with more bytes than it got", () => {
    const responder = new GreProbeResponder();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(), (packet, now) => {
        const reply = responder.reply(packet, "198.51.100.9", now);
        if (reply !== undefined) expect(reply.length).toBeLessThanOrEqual(packet.length);
      }),
    );
  });
});

describe("emitGreProbe and parseGreProbe", () => {
  it("write and read the protocol's example probe and its reply", () => {
    expect(emitGreProbe({ type: "probe", id: 1, sentAt: 123_456_789, seq: 1 })).toEqual(PROBE);
    expect(parseGreProbe(PROBE)).toEqual({ type: "probe", id: 1, sentAt: 123_456_789, seq: 1 });
    expect(parseGreProbe(REPLY)).toEqual({ type: "probe-reply", id: 1, sentAt: 123_456_789, seq: 1 });
  });

  it("find nothing in session GRE, and never throw", () => {
    expect(parseGreProbe(greData(0))).toBeUndefined();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (packet) => {
        const probe = parseGreProbe(packet);
        if (probe !== undefined) expect(emitGreProbe(probe).length).toBeLessThanOrEqual(packet.length);
      }),
    );
  });
});

describe("RateLimiter", () => {
  it("allows N in any window of the given length", () => {
    const limiter = new RateLimiter(3, 100);
    expect([0, 10, 20, 30].map((t) => limiter.allow(t))).toEqual([true, true, true, false]);
    expect(limiter.allow(99)).toBe(false);
    expect(limiter.allow(100)).toBe(true);
    expect(limiter.allow(105)).toBe(false);
    expect(limiter.allow(110)).toBe(true);
    expect(limiter.idle(200)).toBe(false);
    expect(limiter.idle(210)).toBe(true);
  });
});
