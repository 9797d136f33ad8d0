import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GreLink, type GreLinkConfig } from "../../src/gre/gre-link.js";
import { drainSeqs, OUR_CALL_ID, PEER_CALL_ID, peerAckOnly, peerData } from "./peer-packets.js";

const CONFIG: GreLinkConfig = { reorderTimeoutMs: 300, maxReorderPackets: 16, ackDelayMs: 100 };

function newLink(config: GreLinkConfig = CONFIG): GreLink {
  const link = new GreLink(config);
  link.setCallIds(OUR_CALL_ID, PEER_CALL_ID);
  return link;
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
);

const configArb = fc.record({
  reorderTimeoutMs: fc.integer({ min: 0, max: 500 }),
  maxReorderPackets: fc.integer({ min: 0, max: 32 }),
  ackDelayMs: fc.integer({ min: 0, max: 200 }),
});

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
        (packets, config) => {
          const link = newLink(config);
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

  it("delivers a permutation with duplicates of a run within the window exactly once, in order", () => {
    fc.assert(
      fc.property(
        baseSeq,
        fc.integer({ min: 1, max: CONFIG.maxReorderPackets + 1 }).chain((n) =>
          fc.record({
            n: fc.constant(n),
            // The first arrival sets the expected sequence, so the run's first packet arrives first.
            order: fc.shuffledSubarray(
              Array.from({ length: n - 1 }, (_, i) => i + 1),
              { minLength: n - 1 },
            ),
            duplicates: fc.array(fc.tuple(fc.nat(n - 1), fc.nat()), { maxLength: n }),
            gaps: fc.array(fc.integer({ min: 0, max: Math.floor(CONFIG.reorderTimeoutMs / (2 * n + 1)) }), {
              minLength: 2 * n,
              maxLength: 2 * n,
            }),
          }),
        ),
        (base, { n, order, duplicates, gaps }) => {
          const arrivals = [0, ...order];
          for (const [offset, at] of duplicates) arrivals.splice(1 + (at % arrivals.length), 0, offset);
          const link = newLink();
          let now = 0;
          arrivals.forEach((offset, i) => {
            now += gaps[i % gaps.length]!;
            link.handleTimeout(now);
            link.receive(peerData((base + offset) >>> 0), now);
          });
          expect(drainSeqs(link)).toEqual(Array.from({ length: n }, (_, i) => (base + i) >>> 0));
          expect(link.counters).toMatchObject({
            rxDelivered: n,
            rxDuplicates: duplicates.length,
            rxLost: 0,
            rxStale: 0,
            rxReordered: expect.any(Number),
          });
        },
      ),
    );
  });

  it("keeps its books under any traffic: ordered, unique delivery and every data packet accounted for", () => {
    fc.assert(
      fc.property(baseSeq, fc.array(event, { maxLength: 120 }), configArb, (base, events, config) => {
        const link = newLink(config);
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
          } else {
            const buf = new Uint8Array(20);
            link.seal(buf, 16, 4, now);
          }
          delivered.push(...drainSeqs(link));
          base = (base + (e.kind === "data" ? 1 : 0)) >>> 0; // let the stream drift forward
        }
        link.handleTimeout(now + 1_000_000);
        delivered.push(...drainSeqs(link));

        for (let i = 1; i < delivered.length; i++)
          expect((delivered[i]! - delivered[i - 1]!) | 0).toBeGreaterThan(0);
        const c = link.counters;
        expect(c.rxDelivered).toBe(delivered.length);
        expect(c.rxDelivered + c.rxDuplicates + c.rxStale).toBe(dataPackets);
        expect(c.rxPackets).toBe(dataPackets + c.rxAckOnly + c.rxMalformed + c.rxWrongCallId);
        // After the flush nothing waits behind a hole; at most the ack timer is left.
        const deadline = link.nextTimeout();
        expect(deadline === undefined || deadline <= now + 1_000_000 + config.ackDelayMs).toBe(true);
      }),
    );
  });
});
