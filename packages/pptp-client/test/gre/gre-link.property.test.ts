import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GreLink, type GreLinkConfig } from "../../src/gre/gre-link.js";
import { readU32 } from "../../src/util/bytes.js";
import { drainSeqs, OUR_CALL_ID, PEER_CALL_ID, peerAckOnly, peerData } from "./peer-packets.js";

const CONFIG: GreLinkConfig = { reorderTimeoutMs: 300, maxReorderPackets: 16, ackDelayMs: 100 };

function newLink(config: GreLinkConfig = CONFIG, inOrder = false): GreLink {
  const link = new GreLink(config);
  link.setCallIds(OUR_CALL_ID, PEER_CALL_ID);
  link.setInOrderDelivery(inOrder, 0);
  return link;
}

/** The serially highest of some sequence numbers. */
function serialMax(seqs: readonly number[]): number | undefined {
  let max: number | undefined;
  for (const seq of seqs) if (max === undefined || ((seq - max) | 0) > 0) max = seq;
  return max;
}

/** Sequence numbers anywhere, with extra weight just below 2^32 so that runs cross the wrap. */
const baseSeq = fc.oneof(
  fc.integer({ min: 0, max: 0xffffffff }),
  fc.integer({ min: 0xffffffe0, max: 0xffffffff }),
);

/** Data packets whose payload says their sequence number (the link takes the number from the header). */
const event = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ kind: fc.constant("data" as const), offset: fc.integer({ min: -24, max: 48 }) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("tick" as const), ms: fc.integer({ min: 0, max: 400 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("ack" as const), ack: fc.integer({ min: 0, max: 0xffffffff }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("junk" as const), bytes: fc.uint8Array({ maxLength: 24 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("other-call" as const), offset: fc.nat(8) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("seal" as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("mode" as const), inOrder: fc.boolean() }) },
);

const configArb = fc.record({
  reorderTimeoutMs: fc.integer({ min: 0, max: 500 }),
  maxReorderPackets: fc.integer({ min: 0, max: 32 }),
  ackDelayMs: fc.integer({ min: 0, max: 200 }),
});

/**
 * A run of 1..maxN consecutive packets (offsets from the run's base) in random order, its first packet first (it
 * places the window and the expected sequence), with random copies of some of them mixed in.
 */
function runArrivals(maxN: number) {
  return fc.integer({ min: 1, max: maxN }).chain((n) =>
    fc
      .record({
        order: fc.shuffledSubarray(
          Array.from({ length: n - 1 }, (_, i) => i + 1),
          { minLength: n - 1 },
        ),
        duplicates: fc.array(fc.tuple(fc.nat(n - 1), fc.nat()), { maxLength: n }),
      })
      .map(({ order, duplicates }) => {
        const arrivals = [0, ...order];
        for (const [offset, at] of duplicates) arrivals.splice(1 + (at % arrivals.length), 0, offset);
        return { n, arrivals, duplicates };
      }),
  );
}

describe("GreLink properties", () => {
  it("never throws on random bytes or mutated packets, with timers in between", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.uint8Array({ maxLength: 40 }),
            fc
              .tuple(
                baseSeq,
                fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }),
              )
              .map(([seq, mutations]) => {
                const packet = peerData(seq, seq % 3 === 0 ? seq : undefined).slice();
                for (const [at, value] of mutations) packet[at % packet.length] = value;
                return packet;
              }),
          ),
          { maxLength: 60 },
        ),
        configArb,
        fc.boolean(),
        (packets, config, inOrder) => {
          const link = newLink(config, inOrder);
          let now = 0;
          for (const packet of packets) {
            link.receive(packet, now);
            now += 7;
            if (link.nextTimeout() !== undefined && link.nextTimeout()! <= now) link.handleTimeout(now);
            drainSeqs(link);
            link.pollPacket();
          }
          link.handleTimeout(now + 10_000);
        },
      ),
    );
  });

  it("in-order mode: delivers a permutation with duplicates of a run within the window exactly once, in order", () => {
    fc.assert(
      fc.property(
        baseSeq,
        runArrivals(CONFIG.maxReorderPackets + 1).chain((run) =>
          fc.record({
            run: fc.constant(run),
            gaps: fc.array(
              fc.integer({ min: 0, max: Math.floor(CONFIG.reorderTimeoutMs / (2 * run.n + 1)) }),
              {
                minLength: 2 * run.n,
                maxLength: 2 * run.n,
              },
            ),
          }),
        ),
        (base, { run: { n, arrivals, duplicates }, gaps }) => {
          const link = newLink(CONFIG, true);
          let now = 0;
          arrivals.forEach((offset, i) => {
            now += gaps[i % gaps.length]!;
            link.handleTimeout(now);
            link.receive(peerData((base + offset) >>> 0), now);
          });
          expect(drainSeqs(link)).toEqual(Array.from({ length: n }, (_, i) => (base + i) >>> 0));
          const { rxDelivered, rxDuplicates, rxStale, rxLost } = link.counters;
          expect({ rxDelivered, rxLost }).toEqual({ rxDelivered: n, rxLost: 0 });
          // With a run one longer than the window, a copy of its first packet may fall behind the window: stale.
          expect(rxDuplicates + rxStale).toBe(duplicates.length);
        },
      ),
    );
  });

  it("immediate mode: delivers a permutation with duplicates of a run within the window exactly once, at once", () => {
    fc.assert(
      fc.property(baseSeq, runArrivals(CONFIG.maxReorderPackets), (base, { n, arrivals, duplicates }) => {
        const link = newLink();
        const delivered: number[] = [];
        let highest = -1;
        let late = 0;
        for (const offset of arrivals) {
          const seq = (base + offset) >>> 0;
          const fresh = !delivered.includes(seq);
          link.receive(peerData(seq), 0);
          const out = drainSeqs(link);
          // A new packet goes on at once, whatever came before it; a copy never does.
          expect(out).toEqual(fresh ? [seq] : []);
          if (fresh && offset < highest) late++;
          highest = Math.max(highest, offset);
          delivered.push(...out);
          expect(link.heldPackets).toBe(0);
        }
        expect(link.counters).toMatchObject({
          rxDelivered: n,
          rxDuplicates: duplicates.length,
          rxLost: 0,
          rxStale: 0,
          rxReordered: late,
        });
        expect(link.nextTimeout()).toBe(CONFIG.ackDelayMs); // the ack, never a hold
      }),
    );
  });

  it("delivers each packet of any permutation with copies of any run at most once, in either mode", () => {
    fc.assert(
      fc.property(
        baseSeq,
        fc.integer({ min: 1, max: 150 }).chain((n) =>
          fc.record({
            arrivals: fc.shuffledSubarray(
              Array.from({ length: 2 * n }, (_, i) => i % n),
              { minLength: n },
            ),
            ticks: fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 16 }),
          }),
        ),
        configArb,
        fc.boolean(),
        (base, { arrivals, ticks }, config, inOrder) => {
          const link = newLink(config, inOrder);
          const delivered: number[] = [];
          let now = 0;
          arrivals.forEach((offset, i) => {
            now += ticks[i % ticks.length]!;
            link.handleTimeout(now);
            link.receive(peerData((base + offset) >>> 0), now);
            delivered.push(...drainSeqs(link));
          });
          link.handleTimeout(now + 1_000_000);
          delivered.push(...drainSeqs(link));
          expect(new Set(delivered).size).toBe(delivered.length);
          for (const seq of delivered) expect((seq - base) >>> 0 < arrivals.length).toBe(true);
          const c = link.counters;
          expect(c.rxDelivered + c.rxDuplicates + c.rxStale).toBe(arrivals.length);
        },
      ),
    );
  });

  it("keeps its books under any traffic: unique delivery, acks, every data packet accounted for", () => {
    fc.assert(
      fc.property(baseSeq, fc.array(event, { maxLength: 120 }), configArb, (base, events, config) => {
        const link = newLink(config);
        let inOrder = false;
        const delivered: number[] = [];
        let now = 0;
        let dataPackets = 0;
        for (const e of events) {
          if (e.kind === "data") {
            link.receive(peerData((base + e.offset) >>> 0), now);
            dataPackets++;
          } else if (e.kind === "tick") {
            now += e.ms;
            const deadline = link.nextTimeout();
            expect(deadline === undefined || Number.isFinite(deadline)).toBe(true);
            link.handleTimeout(now);
          } else if (e.kind === "ack") {
            link.receive(peerAckOnly(e.ack), now);
          } else if (e.kind === "junk") {
            link.receive(e.bytes, now);
          } else if (e.kind === "other-call") {
            link.receive(peerData((base + e.offset) >>> 0, undefined, OUR_CALL_ID ^ 1), now);
          } else if (e.kind === "mode") {
            link.setInOrderDelivery(e.inOrder, now);
            inOrder = e.inOrder;
          } else {
            delivered.push(...drainSeqs(link));
            const buf = new Uint8Array(20);
            const packet = link.seal(buf, 16, 4, now);
            // An ack names the highest number delivered so far, never one held or lost.
            const ack = packet.length === 20 ? readU32(packet, 12) : undefined;
            if (ack !== undefined) expect(ack).toBe(serialMax(delivered));
          }
          const out = drainSeqs(link);
          if (inOrder)
            for (let i = 1; i < out.length; i++) expect((out[i]! - out[i - 1]!) | 0).toBeGreaterThan(0);
          delivered.push(...out);
          base = (base + (e.kind === "data" ? 1 : 0)) >>> 0; // let the stream drift forward
        }
        link.handleTimeout(now + 1_000_000);
        delivered.push(...drainSeqs(link));

        expect(new Set(delivered).size).toBe(delivered.length);
        const c = link.counters;
        expect(c.rxDelivered).toBe(delivered.length);
        expect(link.heldPackets).toBe(0);
        expect(c.rxDelivered + c.rxDuplicates + c.rxStale).toBe(dataPackets);
        expect(c.rxLost).toBeGreaterThanOrEqual(0);
        expect(c.rxPackets).toBe(dataPackets + c.rxAckOnly + c.rxMalformed + c.rxWrongCallId);
        // After the flush nothing waits behind a hole; at most the ack timer is left.
        const deadline = link.nextTimeout();
        expect(deadline === undefined || deadline <= now + 1_000_000 + config.ackDelayMs).toBe(true);
      }),
    );
  });
});
