/** Dotted-quad IPv4 addresses and CIDR prefixes <-> the 32-bit values IPCP and routes use. */

/** The 32-bit value of "a.b.c.d", or undefined if the text is not exactly that. */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export function formatIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff].join(".");
}

export interface Cidr {
  readonly network: number;
  readonly prefix: number;
}

/** "10.1.0.0/16" as network and prefix length (host bits cleared), or undefined if it is not that. */
export function parseCidr(text: string): Cidr | undefined {
  const match = /^([\d.]+)\/(\d{1,2})$/.exec(text);
  if (match === null) return undefined;
  const address = parseIpv4(match[1]!);
  const prefix = Number(match[2]);
  if (address === undefined || prefix > 32) return undefined;
  return { network: (address & prefixMask(prefix)) >>> 0, prefix };
}

export function prefixMask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Whether the address `address` (a 32-bit value) lies in `cidr`. */
export function cidrContains(cidr: Cidr, address: number): boolean {
  return (address & prefixMask(cidr.prefix)) >>> 0 === cidr.network;
}
