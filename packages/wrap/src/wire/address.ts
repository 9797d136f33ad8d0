/**
 * IP addresses in relay messages: a family byte, then the address bytes.
 *
 *   family 0   no address (the relay does not know or will not say); no bytes follow
 *   family 4   IPv4, 4 bytes
 *   family 6   IPv6, 16 bytes
 *
 * In TypeScript an address is its text: dotted quad, RFC 5952 IPv6, or "" for none. An IPv4-mapped IPv6
 * address (::ffff:a.b.c.d, how Node reports IPv4 peers on dual-stack sockets) is the IPv4 address it maps,
 * so a NAT check compares like with like.
 */
import { formatIpv4, parseIpv4, readU32, writeU32 } from "@ferry/pptp-client/wire";
import type { FieldReader, FieldWriter } from "./fields.js";

const FAMILY_NONE = 0;
const FAMILY_IPV4 = 4;
const FAMILY_IPV6 = 6;

/** The 4 bytes of "a.b.c.d", or undefined if the text is not exactly a dotted quad. */
export function ipv4Bytes(text: string): Uint8Array | undefined {
  const value = parseIpv4(text);
  if (value === undefined) return undefined;
  const out = new Uint8Array(4);
  writeU32(out, 0, value);
  return out;
}

/** The 16 bytes of an IPv6 address in any RFC 4291 text form (with "::" and a dotted-quad tail). */
export function ipv6Bytes(text: string): Uint8Array | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const head = groupsOf(halves[0]!, halves.length === 1);
  const tail = halves.length === 2 ? groupsOf(halves[1]!, true) : [];
  if (head === undefined || tail === undefined) return undefined;
  const present = head.length + tail.length;
  if (halves.length === 1 ? present !== 8 : present > 7) return undefined;
  const groups = [...head, ...new Array<number>(8 - present).fill(0), ...tail];
  const out = new Uint8Array(16);
  groups.forEach((group, i) => {
    out[i * 2] = group >>> 8;
    out[i * 2 + 1] = group & 0xff;
  });
  return out;
}

/** The 16-bit groups of one side of "::"; a dotted quad may end the side that ends the address. */
function groupsOf(side: string, endsAddress: boolean): number[] | undefined {
  if (side === "") return [];
  const pieces = side.split(":");
  const groups: number[] = [];
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i]!;
    if (/^[0-9a-fA-F]{1,4}$/.test(piece)) {
      groups.push(Number.parseInt(piece, 16));
      continue;
    }
    const v4 = endsAddress && i === pieces.length - 1 ? ipv4Bytes(piece) : undefined;
    if (v4 === undefined) return undefined;
    groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
  }
  return groups;
}

function formatIpv4Bytes(bytes: Uint8Array): string {
  return formatIpv4(readU32(bytes, 0));
}

/** RFC 5952: lower case, no leading zeros, the first longest run of two or more zero groups as "::". */
function formatIpv6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; start++) {
    let length = 0;
    while (start + length < 8 && groups[start + length] === 0) length++;
    if (length > bestLength) {
      bestStart = start;
      bestLength = length;
    }
  }
  const hex = (from: number, to: number) =>
    groups
      .slice(from, to)
      .map((g) => g.toString(16))
      .join(":");
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
}

function isIpv4Mapped(bytes: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

/** An IPv4 address as Node writes it on a dual-stack socket ("::ffff:a.b.c.d") as a dotted quad; others unchanged. */
export function unmappedAddress(address: string): string {
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return v4 === null ? address : v4[1]!;
}

/** True when `text` is "", a dotted quad or an IPv6 address (a zone such as "%eth0" is allowed and dropped). */
export function isWireAddress(text: string): boolean {
  return text === "" || ipv4Bytes(text) !== undefined || ipv6Bytes(withoutZone(text)) !== undefined;
}

function withoutZone(text: string): string {
  const percent = text.indexOf("%");
  return percent < 0 ? text : text.slice(0, percent);
}

export function readAddress(reader: FieldReader): string | undefined {
  const family = reader.u8();
  if (family === FAMILY_NONE) return "";
  if (family === FAMILY_IPV4) {
    const bytes = reader.take(4);
    return bytes === undefined ? undefined : formatIpv4Bytes(bytes);
  }
  if (family === FAMILY_IPV6) {
    const bytes = reader.take(16);
    if (bytes === undefined) return undefined;
    return isIpv4Mapped(bytes) ? formatIpv4Bytes(bytes.subarray(12)) : formatIpv6(bytes);
  }
  return undefined;
}

/** Writes `text` as family + bytes. Throws RangeError if it is not an address (the caller's mistake). */
export function writeAddress(writer: FieldWriter, text: string): void {
  if (text === "") {
    writer.u8(FAMILY_NONE);
    return;
  }
  const v4 = ipv4Bytes(text);
  if (v4 !== undefined) {
    writer.u8(FAMILY_IPV4).bytes(v4);
    return;
  }
  const v6 = ipv6Bytes(withoutZone(text));
  if (v6 === undefined) throw new RangeError(`not an IP address: ${JSON.stringify(text)}`);
  if (isIpv4Mapped(v6)) writer.u8(FAMILY_IPV4).bytes(v6.subarray(12));
  else writer.u8(FAMILY_IPV6).bytes(v6);
}
