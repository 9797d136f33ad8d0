/**
 * The PPTP servers a relay may dial (`--allow`): it must never become an open proxy. The rule, precisely:
 *
 * 1. Each entry is a dotted-quad IPv4 address or a host name; names compare case-insensitively. No wildcards, no
 *    ranges, no IPv6 (the relay's GRE is IPv4).
 * 2. The relay resolves the hello's server itself (a dotted quad resolves to itself) and only ever dials that
 *    resolved IPv4 address, on TCP 1723 and GRE.
 * 3. It dials when the hello's server is listed as a name, or the resolved address is listed as an address.
 *    A listed name thus means "whatever this name resolves to, by the relay's own DNS"; a client cannot make the
 *    relay reach anything but a listed address or the current address of a listed name.
 * 4. Even so, a loopback (127/8), "this network" (0/8), link-local (169.254/16, cloud metadata lives there),
 *    multicast (224/4) or reserved/broadcast (240/4) address is dialled only when that address itself is listed:
 *    a listed name whose DNS turns to 127.0.0.1 or 169.254.169.254 does not open the relay's own host.
 */
import { formatIpv4, parseIpv4 } from "@ferry/pptp-client/wire";
import { type WrapError, wrapError } from "../errors.js";
import { isServerName } from "../wire/relay-messages.js";

export type AllowlistResult =
  | { readonly ok: true; readonly value: Allowlist }
  | { readonly ok: false; readonly error: WrapError };

/** Prefixes (address, mask) the relay never dials unless the address is listed itself. */
const SPECIAL_PURPOSE: readonly (readonly [number, number])[] = [
  [0x00000000, 0xff000000], // 0.0.0.0/8, "this network" (0.0.0.0 reaches the relay's own host)
  [0x7f000000, 0xff000000], // 127.0.0.0/8, loopback
  [0xa9fe0000, 0xffff0000], // 169.254.0.0/16, link-local
  [0xe0000000, 0xf0000000], // 224.0.0.0/4, multicast
  [0xf0000000, 0xf0000000], // 240.0.0.0/4, reserved, and 255.255.255.255
];

export function isSpecialPurposeIpv4(address: string): boolean {
  const value = parseIpv4(address);
  if (value === undefined) return false;
  return SPECIAL_PURPOSE.some(([prefix, mask]) => (value & mask) >>> 0 === prefix);
}

/** One spelling per address, so "010.0.0.1" and "10.0.0.1" (if the parser takes both) are the same entry. */
function canonicalIpv4(text: string): string | undefined {
  const value = parseIpv4(text);
  return value === undefined ? undefined : formatIpv4(value);
}

export class Allowlist {
  private constructor(
    private readonly names: ReadonlySet<string>,
    private readonly addresses: ReadonlySet<string>,
  ) {}

  /** The `--allow` entries; at least one. */
  static parse(entries: readonly string[]): AllowlistResult {
    const names = new Set<string>();
    const addresses = new Set<string>();
    for (const raw of entries) {
      const entry = raw.trim().toLowerCase();
      if (entry === "") continue;
      if (!isServerName(entry)) {
        return {
          ok: false,
          error: wrapError(
            "USAGE",
            `The relay cannot start: --allow entry ${JSON.stringify(raw)} is neither an IPv4 address nor a host name.`,
            "List PPTP servers as dotted-quad IPv4 addresses or host names, separated by commas.",
          ),
        };
      }
      const address = canonicalIpv4(entry);
      if (address !== undefined) addresses.add(address);
      else names.add(entry);
    }
    if (names.size + addresses.size === 0) {
      return {
        ok: false,
        error: wrapError(
          "USAGE",
          "The relay cannot start: --allow lists no PPTP server.",
          "Name the PPTP servers clients may reach, e.g. --allow vpn.example.com,203.0.113.7.",
        ),
      };
    }
    return { ok: true, value: new Allowlist(names, addresses) };
  }

  /** Whether the hello's server is itself on the list (as a name or an address). */
  lists(server: string): boolean {
    const key = server.toLowerCase();
    return this.names.has(key) || this.addresses.has(canonicalIpv4(key) ?? "");
  }

  /** Whether the relay may dial `address`, the IPv4 address it resolved the hello's `server` to (rules 3 and 4). */
  permits(server: string, address: string): boolean {
    const canonical = canonicalIpv4(address);
    if (canonical === undefined) return false;
    if (this.addresses.has(canonical)) return true;
    return this.names.has(server.toLowerCase()) && !isSpecialPurposeIpv4(address);
  }
}
