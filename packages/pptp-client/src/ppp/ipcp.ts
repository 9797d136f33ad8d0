/**
 * IPCP options (RFC 1332) with the DNS extension (RFC 1877), usable in both roles: a client that asks for 0.0.0.0
 * and takes the addresses the server naks back, and a server that hands them out.
 */
import { type FerryError, ferryError } from "../errors.js";
import { readU32, writeU32 } from "../util/bytes.js";
import { formatIpv4, parseIpv4 } from "../util/ipv4.js";
import type { CpOption } from "../wire/ppp-cp.js";
import type { OptionsHandler, RequestVerdict } from "./fsm.js";

export const IpcpOption = {
  IpAddresses: 1,
  IpCompressionProtocol: 2,
  IpAddress: 3,
  PrimaryDns: 129,
  PrimaryNbns: 130,
  SecondaryDns: 131,
  SecondaryNbns: 132,
} as const;

export interface IpcpConfig {
  /** The address we ask for; absent (or 0.0.0.0) asks the peer to assign one, as a client does. */
  readonly localAddress?: string;
  /** Ask the peer for its DNS servers (RFC 1877). */
  readonly requestDns: boolean;
  /** Server role: the address the peer must use; a peer asking for 0.0.0.0 or another address is naked this one. */
  readonly peerAddress?: string;
  /** Server role: the DNS servers (primary, secondary) we hand out when asked. */
  readonly peerDns?: readonly string[];
}

export interface IpcpResult {
  readonly localAddress: string;
  /** "0.0.0.0" when the peer never stated its address. */
  readonly peerAddress: string;
  readonly dns: string[];
}

const DNS_OPTIONS = [IpcpOption.PrimaryDns, IpcpOption.SecondaryDns] as const;

interface Wishes {
  /** undefined: not requested (the peer rejected our static address and we keep it anyway). */
  address: number | undefined;
  /** Per DNS_OPTIONS entry; undefined once the peer rejected it. */
  dns: (number | undefined)[];
}

export class IpcpOptions implements OptionsHandler {
  failure: FerryError | undefined;
  private want: Wishes;
  private acked: Wishes = { address: undefined, dns: [undefined, undefined] };
  private peerAddress = 0;
  private readonly assignedPeerAddress: number | undefined;
  private readonly servedDns: (number | undefined)[];

  constructor(private readonly config: IpcpConfig) {
    this.want = this.initialWishes();
    this.assignedPeerAddress = config.peerAddress === undefined ? undefined : parseIpv4(config.peerAddress);
    this.servedDns = DNS_OPTIONS.map((_, i) => {
      const text = config.peerDns?.[i];
      return text === undefined ? undefined : parseIpv4(text);
    });
  }

  /** The negotiated addresses once IPCP is up; an error when the peer left us without a usable address. */
  result(): IpcpResult | FerryError {
    const local = this.acked.address ?? parseIpv4(this.config.localAddress ?? "") ?? 0;
    if (local === 0) {
      return ferryError(
        "NEGOTIATION_FAILED",
        "IPCP finished without giving us an IPv4 address.",
        "The server must assign client addresses (pppd: remoteip in pptpd.conf); ask its administrator.",
      );
    }
    // pppd with a single ms-dns answers both DNS options with the same server: list it once.
    const dns = [...new Set(this.acked.dns.filter((d): d is number => d !== undefined && d !== 0))].map(
      formatIpv4,
    );
    return { localAddress: formatIpv4(local), peerAddress: formatIpv4(this.peerAddress), dns };
  }

  resetOptions(): void {
    this.want = this.initialWishes();
  }

  buildRequest(): CpOption[] {
    const options: CpOption[] = [];
    if (this.want.address !== undefined) options.push(addressOption(IpcpOption.IpAddress, this.want.address));
    DNS_OPTIONS.forEach((type, i) => {
      const value = this.want.dns[i];
      if (value !== undefined) options.push(addressOption(type, value));
    });
    return options;
  }

  checkRequest(options: readonly CpOption[], rejectNotNak: boolean): RequestVerdict {
    const naks: CpOption[] = [];
    const unnakable: CpOption[] = [];
    const rejects: CpOption[] = [];
    let peerAddress = 0;
    for (const option of options) {
      const { type, data } = option;
      const dnsIndex = DNS_OPTIONS.indexOf(type as (typeof DNS_OPTIONS)[number]);
      if ((type !== IpcpOption.IpAddress && dnsIndex < 0) || data.length !== 4) {
        // IP-Compression-Protocol (we do no Van Jacobson), the old IP-Addresses, NBNS and anything unknown.
        rejects.push(option);
        continue;
      }
      const value = readU32(data, 0);
      const ours = type === IpcpOption.IpAddress ? this.assignedPeerAddress : this.servedDns[dnsIndex];
      if (ours !== undefined && value !== ours) {
        naks.push(addressOption(type, ours));
        unnakable.push(option);
      } else if (value === 0) {
        // The peer asks us for a value we do not have: acking 0.0.0.0 would be meaningless (pppd rejects too).
        rejects.push(option);
      } else if (type === IpcpOption.IpAddress) {
        peerAddress = value;
      }
    }
    if (rejects.length > 0) return { verdict: "reject", options: rejects };
    if (naks.length > 0)
      return rejectNotNak ? { verdict: "reject", options: unnakable } : { verdict: "nak", options: naks };
    this.peerAddress = peerAddress;
    return { verdict: "ack" };
  }

  handleAck(options: readonly CpOption[]): void {
    const acked: Wishes = { address: undefined, dns: [undefined, undefined] };
    for (const { type, data } of options) {
      if (data.length !== 4) continue;
      if (type === IpcpOption.IpAddress) acked.address = readU32(data, 0);
      const dnsIndex = DNS_OPTIONS.indexOf(type as (typeof DNS_OPTIONS)[number]);
      if (dnsIndex >= 0) acked.dns[dnsIndex] = readU32(data, 0);
    }
    this.acked = acked;
  }

  handleNak(options: readonly CpOption[]): void {
    for (const { type, data } of options) {
      if (data.length !== 4) continue;
      const value = readU32(data, 0);
      if (type === IpcpOption.IpAddress && this.want.address !== undefined && value !== 0)
        this.want.address = value;
      const dnsIndex = DNS_OPTIONS.indexOf(type as (typeof DNS_OPTIONS)[number]);
      if (dnsIndex >= 0 && this.want.dns[dnsIndex] !== undefined) this.want.dns[dnsIndex] = value;
    }
  }

  handleReject(options: readonly CpOption[]): void {
    for (const { type } of options) {
      if (type === IpcpOption.IpAddress) {
        if (this.want.address === 0) {
          this.failure ??= ferryError(
            "NEGOTIATION_FAILED",
            "The server refused to assign us an IPv4 address (it rejected the IPCP IP-Address option).",
            "The server must assign client addresses (pppd: remoteip in pptpd.conf), or give the profile a static address.",
          );
        }
        this.want.address = undefined;
      }
      const dnsIndex = DNS_OPTIONS.indexOf(type as (typeof DNS_OPTIONS)[number]);
      // No DNS from this server: the tunnel still works, the system resolvers stay as they are.
      if (dnsIndex >= 0) this.want.dns[dnsIndex] = undefined;
    }
  }

  private initialWishes(): Wishes {
    const address = parseIpv4(this.config.localAddress ?? "0.0.0.0") ?? 0;
    const dns = this.config.requestDns ? [0, 0] : [undefined, undefined];
    return { address, dns };
  }
}

function addressOption(type: number, value: number): CpOption {
  const data = new Uint8Array(4);
  writeU32(data, 0, value);
  return { type, data };
}
