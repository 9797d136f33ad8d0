/** Recognisable enhanced-GRE packets (RFC 2637 section 4.1 layout) of varying length for the raw socket tests. */
import { writeU16, writeU32 } from "../../../src/util/bytes.js";

export const TEST_CALL_ID = 0x1234;

/** Packet `index`: key and sequence present, protocol 0x880b, call ID 0x1234, payload a pattern of `index`. */
export function grePayload(index: number): Uint8Array {
  const payloadLength = 1 + ((index * 37) % 1400);
  const packet = new Uint8Array(12 + payloadLength);
  packet[0] = 0x30;
  packet[1] = 0x01;
  writeU16(packet, 2, 0x880b);
  writeU16(packet, 4, payloadLength);
  writeU16(packet, 6, TEST_CALL_ID);
  writeU32(packet, 8, index);
  for (let i = 12; i < packet.length; i++) packet[i] = (i + index * 13) & 0xff;
  return packet;
}
