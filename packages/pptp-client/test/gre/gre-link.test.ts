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

describe("GreLink receive (immediate delivery: no MPPE, stateless MPPE)", () => {
  it("delivers in-order packets at once, the first one placing the window", () => {
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

  it("delivers packets behind a gap at once, and the late one when it comes, un-counting its loss", () => {
    const link = newLink();
    receiveAll(link, [0, 2, 3]);
    expect(drainSeqs(link)).toEqual([0, 2, 3]);
    expect(link.counters).toMatchObject({ rxLost: 1, rxReordered: 0 });
    expect(link.heldPackets).toBe(0);
    expect(link.nextTimeout()).toBe(100); // nothing waits for the gap
    link.receive(peerData(1), 50);
    expect(drainSeqs(link)).toEqual([1]);
    expect(link.counters).toMatchObject({ rxDelivered: 4, rxReordered: 1, rxLost: 0 });
  });

  it("takes a late packet within the window (the 8 numbers up to the newest), and none older", () => {
    const link = newLink(); // window 8
    receiveAll(link, [0, 1, 3, 4, 5, 6, 7, 8, 9]); // 2 is missing: 7 behind 9, the window's oldest
    link.receive(peerData(2), 0);
    expect(drainSeqs(link)).toEqual([0, 1, 3, 4, 5, 6, 7, 8, 9, 2]);
    receiveAll(link, [13, 11]); // 10..12 missing; 11 is taken late
    receiveAll(link, [21, 12]); // 14..20 missing; 12 is 9 behind 21: stale
    expect(drainSeqs(link)).toEqual([13, 11, 21]);
    expect(link.counters).toMatchObject({ rxReordered: 2, rxStale: 1, rxLost: 2 + 7, rxDelivered: 13 });
  });

  it("drops and counts copies of packets it took, in order or late", () => {
    const link = newLink();
    receiveAll(link, [0, 1, 1, 0, 3, 3]);
    expect(drainSeqs(link)).toEqual([0, 1, 3]);
    receiveAll(link, [2, 2, 3]);
    expect(drainSeqs(link)).toEqual([2]);
    expect(link.counters).toMatchObject({ rxDuplicates: 5, rxStale: 0, rxDelivered: 4, rxLost: 0 });
  });

  it("drops a replay of an old packet: a copy within the window as a duplicate, an older one as stale", () => {
    const link = newLink(); // window 8
    receiveAll(
      link,
      Array.from({ length: 21 }, (_, i) => i),
    ); // head 21: 13..20 in the window
    drainSeqs(link);
    receiveAll(link, [20, 13, 12, 5, 0]);
    expect(drainSeqs(link)).toEqual([]);
    expect(link.counters).toMatchObject({ rxDuplicates: 2, rxStale: 3, rxDelivered: 21 });
  });

  it("drops a packet older than the first one received: there is nothing to tell a replay from a late one", () => {
    const link = newLink();
    receiveAll(link, [10, 9, 11]);
    expect(drainSeqs(link)).toEqual([10, 11]);
    expect(link.counters).toMatchObject({ rxStale: 1, rxLost: 0 });
  });

  it("follows a far jump forward at once, as Linux's pptp.c does, and then drops the old numbers", () => {
    const link = newLink();
    receiveAll(link, [0, 1, 1_000_000]);
    expect(drainSeqs(link)).toEqual([0, 1, 1_000_000]);
    expect(link.counters.rxLost).toBe(1_000_000 - 2);
    expect(sealOne(link).ack).toBe(1_000_000);
    // The peer's own numbering carries on from 2 (the jump was forged or corrupt): all stale, as in the kernel.
    // A peer that restarted its numbering is a new call anyway; the keepalive notices either.
    receiveAll(link, [2, 3]);
    link.receive(peerData(1_000_001), 0);
    expect(drainSeqs(link)).toEqual([1_000_001]);
    expect(link.counters).toMatchObject({ rxStale: 2, rxDelivered: 4 });
  });

  it("counts packets more than 2^31 ahead as behind (stale), and exactly 2^31 away as stale too", () => {
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

  it("follows the sequence across 2^32: in order, late, and copies", () => {
    const link = newLink();
    receiveAll(link, [0xfffffffe, 0x00000000, 0xffffffff, 0x00000001, 0xffffffff, 0]);
    expect(drainSeqs(link)).toEqual([0xfffffffe, 0, 0xffffffff, 1]);
    expect(link.counters).toMatchObject({ rxDelivered: 4, rxReordered: 1, rxDuplicates: 2, rxLost: 0 });
    expect(sealOne(link).ack).toBe(1);
  });

  it("with maxReorderPackets 0 drops every late packet, as the kernel does", () => {
    const link = newLink({ maxReorderPackets: 0 });
    receiveAll(link, [0, 2, 1, 3, 3]);
    expect(drainSeqs(link)).toEqual([0, 2, 3]);
    expect(link.counters).toMatchObject({ rxLost: 1, rxStale: 2, rxReordered: 0 });
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

describe("GreLink receive (in-order delivery: stateful MPPE)", () => {
  function inOrderLink(config: Partial<GreLinkConfig> = {}): GreLink {
    const link = newLink(config);
    link.setInOrderDelivery(true, 0);
    return link;
  }

  it("holds packets behind a gap and delivers them in order once it fills", () => {
    const link = inOrderLink();
    receiveAll(link, [0, 2, 3]);
    expect(drainSeqs(link)).toEqual([0]);
    expect(link.heldPackets).toBe(2);
    expect(link.nextTimeout()).toBe(100); // the ack, before the hold's 300
    link.receive(peerData(1), 50);
    expect(drainSeqs(link)).toEqual([1, 2, 3]);
    expect(link.counters).toMatchObject({ rxDelivered: 4, rxReordered: 1, rxLost: 0 });
    expect(link.heldPackets).toBe(0);
  });

  it("skips a gap that waited reorderTimeoutMs; the late packet is then stale and stays lost", () => {
    const link = inOrderLink({ ackDelayMs: 1000 });
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
    link.receive(peerData(1), 400); // too late now: stateful MPPE could not decrypt it
    expect(drainSeqs(link)).toEqual([]);
    expect(link.counters).toMatchObject({ rxStale: 1, rxLost: 2 });
  });

  it("times a later gap from its oldest waiting packet, so no packet waits longer than the timeout", () => {
    const link = inOrderLink({ ackDelayMs: 1000 });
    link.receive(peerData(0), 0);
    link.receive(peerData(5), 0); // gaps 1..4 since t=0
    link.receive(peerData(2), 200); // fills nothing in front: 1 still missing
    link.handleTimeout(300);
    expect(drainSeqs(link)).toEqual([0, 2, 5]);
    expect(link.counters).toMatchObject({ rxLost: 3, rxReordered: 1 });
    expect(link.nextTimeout()).toBe(1000); // the ack owed since 0 was delivered
  });

  it("skips an expired gap when the next packet arrives even if the timer was not run", () => {
    const link = inOrderLink();
    receiveAll(link, [0, 2]);
    link.receive(peerData(3), 500);
    expect(drainSeqs(link)).toEqual([0, 2, 3]);
    expect(link.counters.rxLost).toBe(1);
  });

  it("skips the gap at once when a packet would put it outside the window", () => {
    const link = inOrderLink({ maxReorderPackets: 4 });
    receiveAll(link, [0, 2, 3, 4]);
    expect(drainSeqs(link)).toEqual([0]);
    link.receive(peerData(5), 0);
    expect(drainSeqs(link)).toEqual([2, 3, 4, 5]);
    expect(link.counters).toMatchObject({ rxLost: 1, rxDelivered: 5 });
    expect(link.nextTimeout()).toBe(100);
  });

  it("makes room for a packet far beyond the window by skipping the oldest gaps", () => {
    const link = inOrderLink({ maxReorderPackets: 4 });
    receiveAll(link, [0, 2, 100]);
    // 2 is delivered on the way; 1 and 3..99 are gaps; 100 waits for 97..99 (the window is 97..100).
    expect(drainSeqs(link)).toEqual([0, 2]);
    expect(link.counters.rxLost).toBe(1 + 97);
    receiveAll(link, [96, 97, 98, 99]);
    expect(drainSeqs(link)).toEqual([97, 98, 99, 100]);
    expect(link.counters).toMatchObject({ rxReordered: 3, rxStale: 1, rxLost: 1 + 94 });
  });

  it("with reorderTimeoutMs 0 never waits for a late packet", () => {
    const link = inOrderLink({ reorderTimeoutMs: 0 });
    receiveAll(link, [0, 2, 3]);
    expect(drainSeqs(link)).toEqual([0, 2, 3]);
    expect(link.counters.rxLost).toBe(1);
  });

  it("with maxReorderPackets 0 holds nothing, like pptp-linux --nobuffer", () => {
    const link = inOrderLink({ maxReorderPackets: 0 });
    receiveAll(link, [0, 2, 1, 3]);
    expect(drainSeqs(link)).toEqual([0, 2, 3]);
    expect(link.counters).toMatchObject({ rxLost: 1, rxStale: 1 });
  });

  it("skips a timed-out gap across 2^32", () => {
    const link = inOrderLink({ ackDelayMs: 1000 });
    receiveAll(link, [0xfffffffe, 1]);
    expect(drainSeqs(link)).toEqual([0xfffffffe]);
    link.handleTimeout(300);
    expect(drainSeqs(link)).toEqual([1]);
    expect(link.counters.rxLost).toBe(2);
  });

  it("switches mode mid-stream: on, it starts holding; off, it lets go of what it held, keeping the gaps open", () => {
    const link = newLink();
    receiveAll(link, [0, 2]); // immediate: 1 is a gap, 2 went on
    sealOne(link); // acks 2
    link.setInOrderDelivery(true, 0);
    receiveAll(link, [4, 5]); // 3 missing: held
    expect(drainSeqs(link)).toEqual([0, 2]);
    expect(link.heldPackets).toBe(2);
    expect(link.nextTimeout()).toBe(300); // nothing new to ack, the hold only
    link.setInOrderDelivery(false, 10);
    expect(drainSeqs(link)).toEqual([4, 5]);
    expect(link.nextTimeout()).toBe(110); // 5 is owed an ack now
    expect(sealOne(link).ack).toBe(5);
    receiveAll(link, [3, 1]); // both still within the window
    expect(drainSeqs(link)).toEqual([3, 1]);
    expect(link.counters).toMatchObject({ rxLost: 0, rxReordered: 2, rxStale: 0 });
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

  it("acks the highest number received across a gap, as Linux's pptp.c does; a late packet owes no new ack", () => {
    const link = newLink();
    receiveAll(link, [0, 2]);
    expect(sealOne(link).ack).toBe(2);
    link.receive(peerData(1), 10);
    expect(drainSeqs(link)).toEqual([0, 2, 1]);
    expect(link.nextTimeout()).toBeUndefined();
    link.receive(peerData(3), 20);
    expect(sealOne(link).ack).toBe(3);
  });

  it("owes an ack for a first packet numbered 2^32 - 1, and acks across the wrap", () => {
    const link = newLink();
    link.receive(peerData(0xffffffff), 0);
    expect(sealOne(link).ack).toBe(0xffffffff);
    link.receive(peerData(0), 0);
    expect(sealOne(link).ack).toBe(0);
  });

  it("in in-order mode acks only what was delivered, not what is held", () => {
    const link = newLink();
    link.setInOrderDelivery(true, 0);
    receiveAll(link, [0, 2]);
    expect(sealOne(link).ack).toBe(0);
    expect(link.nextTimeout()).toBe(300); // the gap only
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

  it("in in-order mode acks what a timed-out gap released, after the ack delay", () => {
    const link = newLink();
    link.setInOrderDelivery(true, 0);
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
