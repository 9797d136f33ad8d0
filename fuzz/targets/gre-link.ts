/**
 * One call's enhanced-GRE channel (GreLink and its receive window) fed packets with sequence numbers the script
 * chooses (near the expected one, far ahead, behind, wrapping), for our call or another, with acks, malformed
 * headers, and time passing. The first byte picks the window (0 takes no late packet), the hold timeout and the
 * delivery mode (immediate, or in-order as for stateful MPPE).
 *
 * Oracles: nothing throws; payloads come out each at most once, in increasing sequence order in in-order mode;
 * nothing is held in immediate mode, never more than the window in in-order mode; a gap never waits past its
 * timeout once the clock passes it.
 */
import { GreLink } from "../../packages/pptp-client/dist/gre/gre-link.js";
import { check, InputReader } from "../lib/target.js";

export const maxLen = 4096;
export const packages = ["pptp-client"];

const OUR_CALL_ID = 0x1234;
const PEER_CALL_ID = 0x0007;

function packet(
  callId: number,
  seq: number | undefined,
  ack: number | undefined,
  payload: Uint8Array,
): Uint8Array {
  const header = 8 + (seq === undefined ? 0 : 4) + (ack === undefined ? 0 : 4);
  const out = new Uint8Array(header + payload.length);
  const view = new DataView(out.buffer);
  out[0] = seq === undefined ? 0x20 : 0x30;
  out[1] = ack === undefined ? 0x01 : 0x81;
  view.setUint16(2, 0x880b);
  view.setUint16(4, payload.length);
  view.setUint16(6, callId);
  let off = 8;
  if (seq !== undefined) {
    view.setUint32(off, seq >>> 0);
    off += 4;
  }
  if (ack !== undefined) view.setUint32(off, ack >>> 0);
  out.set(payload, header);
  return out;
}

export function fuzz(data: Uint8Array): void {
  const input = new InputReader(data);
  const config = input.u8();
  const window = [0, 1, 4, 64][config & 3]!;
  const timeout = [0, 50, 300][((config >> 2) & 7) % 3]!;
  const inOrder = (config & 0x20) !== 0;
  const link = new GreLink({ reorderTimeoutMs: timeout, maxReorderPackets: window, ackDelayMs: 100 });
  link.setCallIds(OUR_CALL_ID, PEER_CALL_ID);
  link.setInOrderDelivery(inOrder, 0);
  let now = 0;
  let base = input.u16() * 0x10001; // any start, wrapping included
  let lastOut: number | undefined;
  const seen = new Set<number>();
  const drain = () => {
    for (let p = link.pollPayload(); p !== undefined; p = link.pollPayload()) {
      if (p.length < 4) continue; // only our own tagged payloads carry a sequence number
      const seq = new DataView(p.buffer, p.byteOffset).getUint32(0);
      check(!seen.has(seq), `sequence ${seq} delivered twice`);
      seen.add(seq);
      if (inOrder && lastOut !== undefined)
        check(((seq - lastOut) | 0) > 0, `sequence ${seq} delivered after ${lastOut}`);
      lastOut = seq;
    }
    while (link.pollPacket() !== undefined);
    const held = link.heldPackets;
    check(held <= (inOrder ? window : 0), `${held} packets held in a window of ${window}`);
  };
  for (let ops = 0; input.remaining > 0 && ops < 3000; ops++) {
    const op = input.u8();
    switch (op % 6) {
      case 0:
      case 1: {
        // A data packet for our call, its sequence near the base; its payload carries the sequence.
        const seq = (base + ((input.u8() << 24) >> 24)) >>> 0;
        const payload = new Uint8Array(4 + (op >> 4));
        new DataView(payload.buffer).setUint32(0, seq);
        link.receive(packet(OUR_CALL_ID, seq, (op & 8) !== 0 ? input.u16() : undefined, payload), now);
        break;
      }
      case 2:
        base = (base + input.u8() * (op >= 128 ? 1 : 256)) >>> 0;
        break;
      case 3: {
        now += input.u8() * 5;
        link.handleTimeout(now);
        const due = link.nextTimeout();
        check(due === undefined || due > now || timeout === 0, `a timeout at ${due} is still due at ${now}`);
        break;
      }
      case 4:
        // Ack-only, another call, or raw bytes: nothing that may be delivered as data.
        link.receive(
          op & 0x10
            ? packet(op & 0x20 ? PEER_CALL_ID : 0x9999, undefined, input.u16(), new Uint8Array(0))
            : input.chunk().slice(0, 3),
          now,
        );
        break;
      case 5: {
        const payload = input.chunk();
        const out = new Uint8Array(16 + payload.length);
        out.set(payload, 16);
        link.seal(out, 16, payload.length, now);
        break;
      }
    }
    drain();
  }
  // With time the window empties.
  now += 10_000;
  link.handleTimeout(now);
  drain();
  check(link.heldPackets === 0, "packets still held after every timeout passed");
}
