import { writeU16 } from "../../src/util/bytes.js";

/** A recognisable IPv4/UDP packet: its identification field carries `index`, its payload a pattern derived from it. */
export function ipPacket(index: number, length = 200): Uint8Array {
  const ip = new Uint8Array(length);
  ip[0] = 0x45;
  writeU16(ip, 2, length);
  writeU16(ip, 4, index & 0xffff);
  ip[8] = 64;
  ip[9] = 17;
  ip.set([10, 0, 0, 2], 12);
  ip.set([10, 0, 0, 1], 16);
  for (let i = 20; i < length; i++) ip[i] = (i * 31 + index * 7) & 0xff;
  return ip;
}
