import { readU32, writeU32 } from "../../src/util/bytes.js";
import { GRE_MAX_HEADER_LENGTH, writeGreHeaderBefore } from "../../src/wire/gre.js";

/** The call id the peer puts in packets to us (ours), and the one we put in packets to it. */
export const OUR_CALL_ID = 0x1234;
export const PEER_CALL_ID = 0xbeef;

/** A data packet from the peer whose 4-byte payload is its own sequence number, so tests can see the order. */
export function peerData(seq: number, ack?: number, callId = OUR_CALL_ID): Uint8Array {
  const buf = new Uint8Array(GRE_MAX_HEADER_LENGTH + 4);
  writeU32(buf, GRE_MAX_HEADER_LENGTH, seq);
  const header =
    ack === undefined ? { callId, payloadLength: 4, seq } : { callId, payloadLength: 4, seq, ack };
  return buf.subarray(writeGreHeaderBefore(buf, GRE_MAX_HEADER_LENGTH, header));
}

export function peerAckOnly(ack: number, callId = OUR_CALL_ID): Uint8Array {
  const buf = new Uint8Array(GRE_MAX_HEADER_LENGTH);
  return buf.subarray(writeGreHeaderBefore(buf, GRE_MAX_HEADER_LENGTH, { callId, payloadLength: 0, ack }));
}

/** Drains pollPayload() into the sequence numbers that peerData() wrote into the payloads. */
export function drainSeqs(link: { pollPayload(): Uint8Array | undefined }): number[] {
  const seqs: number[] = [];
  for (let p = link.pollPayload(); p !== undefined; p = link.pollPayload()) seqs.push(readU32(p, 0));
  return seqs;
}
