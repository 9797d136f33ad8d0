/**
 * What the relay's per-source limits count as one source: an IPv4 address, or an IPv6 /64. One host on IPv6
 * usually holds a whole /64 and may pick any address in it, so limits per IPv6 address would limit nothing.
 */
import { ipv4Bytes, ipv6Bytes } from "../wire/address.js";

export function sourceKey(address: string): string {
  if (ipv4Bytes(address) !== undefined) return address;
  const bytes = ipv6Bytes(address);
  if (bytes === undefined) return address;
  const groups: string[] = [];
  for (let i = 0; i < 8; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return `${groups.join(":")}::/64`;
}
