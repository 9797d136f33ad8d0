import { describe, expect, it } from "vitest";
import { GreLink, type GreLinkConfig } from "../../src/gre/gre-link.js";
import { fromHex, toHex } from "../../src/util/bytes.js";
import { GRE_MAX_HEADER_LENGTH, parseGreHeader } from "../../src/wire/gre.js";
import { drainSeqs, OUR_CALL_ID, PEER_CALL_ID, peerAckOnly, peerData } from "./peer-packets.js";

const CONFIG: GreLinkConfig = { reorderTimeoutMs: 300, maxReorderPackets: 8, ackDelayMs: 100 };

function newLink(config: Partial<GreLinkConfig> = {}): GreLink {
  const link = new GreLink({ ...CONFIG, ...config });
  link.setCallIds(OUR_CALL_ID, PEER_CALL_ID);
  return link;
}

function receiveAll(link: GreLink, seqs: number[], now = 0): void {
  for (const seq of seqs) link.receive(peerData(seq), now);
}

/** Seals a 3-byte payload and returns the parsed header of what went out. */
function sealOne(link: GreLink, now = 0) {
  const buf = new Uint8Array(GRE_MAX_HEADER_LENGTH + 3);
  buf.set([1, 2, 3], GRE_MAX_HEADER_LENGTH);
  const packet = link.seal(buf, GRE_MAX_HEADER_LENGTH, 3, now);
  expect(packet.buffer).toBe(buf.buffer);
  expect(Array.from(packet.subarray(packet.length - 3))).toEqual([1, 2, 3]);
  const parsed = parseGreHeader(packet);
  if (!parsed.ok) throw new Error(parsed.reason);
  expect(parsed.value.headerLength + 3).toBe(packet.length);
  return parsed.value;
}

describe("GreLink receive", () => {
  it("delivers in-order packets at once, the first one setting the expected sequence", () => {
    const link = newLink();
    receiveAll(link, [1000, 1001, 1002]);
    expect(drainSeqs(link)).toEqual([1000, 1001, 1002]);
    expect(link.counters).toMatchObject({ rxPackets: 3, rxDelivered: 3, rxLost: 0, rxReordered: 0 });
    expect(link.nextTimeout()).toBe(100); // only the delayed ack
  });

  it("hands out views into the received packet, honouring the payload length over trailing bytes", () => {
    const link = newLink();
    const packet = new Uint8Array([...peerData(0), 0xee, 0xee]);
    link.receive(packet, 0);
    const payload = link.pollPayload()!;
    expect(payload.buffer).toBe(packet.buffer);
    expect(payload.byteOffset).toBe(12);
    expect(payload.length).toBe(4);
  });

  it("puts packets reordered within the window back in order", () => {
    const link = newLink();
    receiveAll(link, [0, 2, 3]);
    expect(drainSeqs(link)).toEqual([0]);
    expect(link.nextTimeout()).toBe(100);
    link.receive(peerData(1), 50);
    expect(drainSeqs(link)).toEqual([1, 2, 3]);
    expect(link.counters).toMatchObject({ rxDelivered: 4, rxReordered: 2, rxLost: 0 });
  });

  it("skips a gap that waited reorderTimeoutMs, counting the missing packets as lost", () => {
    const link = newLink({ ackDelayMs: 1000 });
    link.receive(peerData(0), 0);
    link.receive(peerData(3), 10);
    link.receive(peerData(4), 20);
    expect(drainSeqs(link)).toEqual([0]);
    expect(link.nextTimeout()).toBe(310);
    link.handleTimeout(309);
    expect(drainSeqs(link)).toEqual([]);
    link.handleTimeout(310);
    expect(drainSeqs(link)).toEqual([3, 4]);
    expect(link.counters).toMatchObject({ rxLost: 2, rxReordered: 0, rxDelivered: 3 });
    link.receive(peerData(1), 400); // too late now
    expect(drainSeqs(link)).toEqual([]);
    expect(link.counters.rxStale).toBe(1);
  });

  it("times a later hole from its oldest waiting packet, so no packet waits longer than the timeout", () => {
    const link = newLink({ ackDelayMs: 1000 });
    link.receive(peerData(0), 0);
    link.receive(peerData(5), 0); // holes 1..4 since t=0
    link.receive(peerData(2), 200); // fills nothing: 1 still missing
    link.handleTimeout(300);
    expect(drainSeqs(link)).toEqual([0, 2, 5]);
    expect(link.counters.rxLost).toBe(1 + 2);
    expect(link.nextTimeout()).toBe(1000); // the ack owed since 0 was delivered
  });

  it("skips an expired hole when the next packet arrives even if the timer was not run", () => {
    const link = newLink();
    receiveAll(link, [0, 2]);
    link.receive(peerData(3), 500);
    expect(drainSeqs(link)).toEqual([0, 2, 3]);
    expect(link.counters.rxLost).toBe(1);
  });

  it("skips the gap at once when the reorder buffer fills", () => {
    const link = newLink({ maxReorderPackets: 4 });
    receiveAll(link, [0, 2, 3, 4]);
    expect(drainSeqs(link)).toEqual([0]);
    link.receive(peerData(5), 0);
    expect(drainSeqs(link)).toEqual([2, 3, 4, 5]);
    expect(link.counters).toMatchObject({ rxLost: 1, rxDelivered: 5 });
    expect(link.nextTimeout()).toBe(100);
  });

  it("makes room for a packet beyond the window by skipping the oldest holes", () => {
    const link = newLink({ maxReorderPackets: 4 });
    receiveAll(link, [0, 2, 100]);
    // 2 is delivered on the way; 1 and 3..95 are lost; 100 waits in the last slot for 96..99.
    expect(drainSeqs(link)).toEqual([0, 2]);
    expect(link.counters.rxLost).toBe(1 + 93);
    receiveAll(link, [96, 97, 98, 99]);
    expect(drainSeqs(link)).toEqual([96, 97, 98, 99, 100]);
    expect(link.counters.rxReordered).toBe(1);
  });

  it("counts duplicates of delivered and of buffered packets, and drops them", () => {
    const link = newLink();
    receiveAll(link, [0, 1, 1, 0, 3, 3]);
    expect(drainSeqs(link)).toEqual([0, 1]);
    link.receive(peerData(2), 0);
    link.receive(peerData(3), 0);
    expect(drainSeqs(link)).toEqual([2, 3]);
    expect(link.counters).toMatchObject({ rxDuplicates: 4, rxStale: 0, rxDelivered: 4 });
  });

  it("counts packets behind the window, or more than 2^31 ahead, as stale", () => {
    const link = newLink({ maxReorderPackets: 0 });
    link.receive(peerData(10), 0);
    link.receive(peerData(9), 0); // never seen: stale, not a duplicate
    link.receive(peerData((11 + 0x80000001) >>> 0), 0); // more than 2^31 ahead: serially behind
    link.receive(peerData((11 + 0x80000000) >>> 0), 0); // exactly 2^31 away: ambiguous, so stale
    expect(drainSeqs(link)).toEqual([10]);
    expect(link.counters).toMatchObject({ rxStale: 3, rxDuplicates: 0, rxLost: 0 });
  });

  it("treats a jump just under 2^31 as a jump", () => {
    const link = newLink({ maxReorderPackets: 0 });
    link.receive(peerData(10), 0);
    link.receive(peerData((10 + 0x7fffffff) >>> 0), 0);
    expect(drainSeqs(link)).toEqual([10, (10 + 0x7fffffff) >>> 0]);
    expect(link.counters.rxLost).toBe(0x7ffffffe);
  });

  it("follows the sequence across 2^32, in order and reordered", () => {
    const link = newLink();
    receiveAll(link, [0xfffffffe, 0x00000000, 0xffffffff, 0x00000001]);
    expect(drainSeqs(link)).toEqual([0xfffffffe, 0xffffffff, 0, 1]);
    link.receive(peerData(0xffffffff), 0);
    expect(link.counters).toMatchObject({ rxDelivered: 4, rxReordered: 1, rxDuplicates: 1, rxLost: 0 });
  });

  it("skips a timed-out hole across 2^32", () => {
    const link = newLink({ ackDelayMs: 1000 });
    receiveAll(link, [0xfffffffe, 1]);
    link.handleTimeout(300);
    expect(drainSeqs(link)).toEqual([0xfffffffe, 1]);
    expect(link.counters.rxLost).toBe(2);
  });

  it("with maxReorderPackets 0 delivers at once like pptp-linux --nobuffer", () => {
    const link = newLink({ maxReorderPackets: 0 });
    receiveAll(link, [0, 2, 1, 3]);
    expect(drainSeqs(link)).toEqual([0, 2, 3]);
    expect(link.counters).toMatchObject({ rxLost: 1, rxStale: 1 });
  });

  it("with reorderTimeoutMs 0 never waits for a late packet", () => {
    const link = newLink({ reorderTimeoutMs: 0 });
    receiveAll(link, [0, 2, 3]);
    expect(drainSeqs(link)).toEqual([0, 2, 3]);
    expect(link.counters.rxLost).toBe(1);
  });

  it("drops packets for another call, and everything before the call ids are known", () => {
    const unset = new GreLink(CONFIG);
    unset.receive(peerData(0), 0);
    expect(unset.counters.rxWrongCallId).toBe(1);
    const link = newLink();
    link.receive(peerData(0, undefined, OUR_CALL_ID + 1), 0);
    link.receive(peerData(0, undefined, PEER_CALL_ID), 0);
    expect(drainSeqs(link)).toEqual([]);
    expect(link.counters).toMatchObject({ rxWrongCallId: 2, rxDelivered: 0 });
    expect(link.lastReceiveTime).toBeUndefined();
  });

  it("counts malformed packets, including ones with neither data nor ack, or a payload without a sequence", () => {
    const link = newLink();
    link.receive(new Uint8Array([1, 2, 3]), 0);
    link.receive(fromHex("20 01 880B 0000 1234"), 0); // K only: not data, not an ack
    link.receive(fromHex("20 81 880B 0001 1234 00000000 AA"), 0); // ack with a payload but no sequence
    link.receive(fromHex("30 01 880B 0004 1234 00000000 AA"), 0); // payload length overrun
    expect(link.counters).toMatchObject({ rxPackets: 4, rxMalformed: 4, rxDelivered: 0 });
    expect(link.lastReceiveTime).toBeUndefined();
  });

  it("records the time of the last valid packet, data or ack", () => {
    const link = newLink();
    expect(link.lastReceiveTime).toBeUndefined();
    link.receive(peerData(0), 5);
    expect(link.lastReceiveTime).toBe(5);
    link.receive(peerAckOnly(0), 9);
    expect(link.lastReceiveTime).toBe(9);
    link.receive(new Uint8Array(2), 20);
    expect(link.lastReceiveTime).toBe(9);
  });
});

describe("GreLink send and acknowledgements", () => {
  it("numbers our packets from 0 and writes the peer's call id", () => {
    const link = newLink();
    expect(sealOne(link)).toEqual({ callId: PEER_CALL_ID, payloadLength: 3, seq: 0, headerLength: 12 });
    expect(sealOne(link).seq).toBe(1);
    expect(link.counters).toMatchObject({ txPackets: 2, txAckOnly: 0 });
  });

  it("wraps our sequence numbers at 2^32", () => {
    const link = newLink();
    // Reaching 2^32 for real would take 4 billion seals: start the counter near the end instead.
    (link as unknown as { nextSeq: number }).nextSeq = 0xffffffff;
    expect(sealOne(link).seq).toBe(0xffffffff);
    expect(sealOne(link).seq).toBe(0);
  });

  it("piggybacks the highest delivered sequence number once, on the next packet out", () => {
    const link = newLink();
    receiveAll(link, [7, 8]);
    expect(sealOne(link)).toMatchObject({ seq: 0, ack: 8, headerLength: 16 });
    expect(sealOne(link).ack).toBeUndefined();
    expect(link.nextTimeout()).toBeUndefined();
    link.handleTimeout(1000);
    expect(link.pollPacket()).toBeUndefined();
  });

  it("does not ack buffered packets, only delivered ones", () => {
    const link = newLink();
    receiveAll(link, [0, 2]);
    expect(sealOne(link).ack).toBe(0);
    expect(link.nextTimeout()).toBe(300); // the hole only
  });

  it("sends an ack-only packet when nothing went out within ackDelayMs", () => {
    const link = newLink();
    link.receive(peerData(0x01020304), 10);
    link.receive(peerData(0x01020305), 60);
    expect(link.nextTimeout()).toBe(110);
    link.handleTimeout(109);
    expect(link.pollPacket()).toBeUndefined();
    link.handleTimeout(110);
    // By hand: K, version 1 with A, protocol 880B, payload length 0, the peer's call id, then the ack.
    expect(toHex(link.pollPacket()!)).toBe(toHex(fromHex("20 81 880B 0000 BEEF 01020305")));
    expect(link.pollPacket()).toBeUndefined();
    expect(link.nextTimeout()).toBeUndefined();
    expect(link.counters).toMatchObject({ txPackets: 1, txAckOnly: 1 });
    expect(sealOne(link).ack).toBeUndefined(); // already acked
  });

  it("acks what a timed-out hole released, after the ack delay", () => {
    const link = newLink();
    receiveAll(link, [0, 2]);
    sealOne(link); // acks 0
    link.handleTimeout(300);
    expect(drainSeqs(link)).toEqual([0, 2]);
    expect(link.nextTimeout()).toBe(400);
    link.handleTimeout(400);
    expect(parseGreHeader(link.pollPacket()!)).toMatchObject({
      ok: true,
      value: { ack: 2, payloadLength: 0 },
    });
  });

  it("counts ack-only packets from the peer and records the highest ack for a packet we sent", () => {
    const link = newLink();
    link.receive(peerAckOnly(0), 0); // nothing sent yet: ignored
    expect(link.peerAck).toBeUndefined();
    sealOne(link);
    sealOne(link);
    sealOne(link);
    link.receive(peerAckOnly(1), 0);
    expect(link.peerAck).toBe(1);
    link.receive(peerAckOnly(0), 0); // older: kept 1
    link.receive(peerAckOnly(3), 0); // we never sent 3
    expect(link.peerAck).toBe(1);
    link.receive(peerData(0, 2), 0); // piggybacked
    expect(link.peerAck).toBe(2);
    expect(link.counters).toMatchObject({ rxAckOnly: 4, rxDelivered: 1, rxMalformed: 0 });
    expect(drainSeqs(link)).toEqual([0]);
  });

  it("refuses a nonsensical configuration", () => {
    expect(() => new GreLink({ ...CONFIG, maxReorderPackets: -1 })).toThrow(RangeError);
    expect(() => new GreLink({ ...CONFIG, maxReorderPackets: 1.5 })).toThrow(RangeError);
    expect(() => new GreLink({ ...CONFIG, reorderTimeoutMs: Number.NaN })).toThrow(RangeError);
    expect(() => new GreLink({ ...CONFIG, ackDelayMs: -1 })).toThrow(RangeError);
  });
});
