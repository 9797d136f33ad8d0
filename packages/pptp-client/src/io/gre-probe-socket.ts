/**
 * A raw IPv4 protocol-47 socket for GRE reachability probes: enhanced GRE with Call ID 0, which no PPTP call uses.
 * Unlike GreSocket it is bound to no peer: it receives probes from any address, with that address, and sends to
 * the address given. A kernel filter (BPF) keeps every other GRE packet away from it, so opening one costs the
 * host's GRE traffic nothing.
 */
import { readU32 } from "../util/bytes.js";
import { formatIpv4 } from "../util/ipv4.js";
import { ioError } from "./io-errors.js";
import { failed, type IoResult, opened } from "./io-result.js";
import { loadNativeAddon, type NativeAddon, type NativeWriteResult } from "./native.js";
import { PacketFd } from "./packet-fd.js";

/** A received GRE packet and the IPv4 address it came from. */
export interface GreDatagram {
  readonly source: string;
  /** From the GRE header on. */
  readonly packet: Uint8Array;
}

export interface GreProbeSocketOptions {
  /** Packets read per wake-up at most (default 64). */
  readonly maxBatch?: number;
  /** SO_RCVBUF and SO_SNDBUF (default 4 MiB). Probes are few and small: 256 KiB is plenty. */
  readonly bufferBytes?: number;
}

export class GreProbeSocket extends PacketFd {
  static open(options: GreProbeSocketOptions = {}): IoResult<GreProbeSocket> {
    const addon = loadNativeAddon();
    if (!addon.ok) return addon;
    let fd: number | undefined;
    try {
      fd = addon.value.openGre(options.bufferBytes);
      addon.value.filterGreProbes(fd);
      return opened(new GreProbeSocket(addon.value, fd, options));
    } catch (cause) {
      if (fd !== undefined) addon.value.closeFd(fd);
      return failed(ioError("gre", "Opening a raw GRE socket for probes", cause));
    }
  }

  private constructor(addon: NativeAddon, fd: number, options: GreProbeSocketOptions) {
    super(addon, fd, "gre", {
      ipHeader: true,
      ...(options.maxBatch === undefined ? {} : { maxBatch: options.maxBatch }),
    });
  }

  /** Receives every later batch with the senders' addresses (onPackets gives the packets with their IPv4 header). */
  onDatagrams(handler: (datagrams: GreDatagram[]) => void): void {
    this.onPackets((packets) => handler(packets.map(datagramOf)));
  }

  /** Sends GRE packets (from the GRE header on) to `address`; returns how many the kernel took. Never throws. */
  sendTo(address: string, packets: readonly Uint8Array[]): number {
    return this.sendWith(packets, (fd, batch) => this.addon.sendGre(fd, batch, address));
  }

  /** The socket has no peer of its own: send() sends nothing, sendTo() names the destination. */
  protected override write(): NativeWriteResult {
    return { sent: 0, error: "EDESTADDRREQ" };
  }
}

/** The addon hands over only well-formed IPv4 carrying GRE, so the header length and source can be trusted. */
function datagramOf(ip: Uint8Array): GreDatagram {
  return { source: formatIpv4(readU32(ip, 12)), packet: ip.subarray((ip[0]! & 0x0f) * 4) };
}
