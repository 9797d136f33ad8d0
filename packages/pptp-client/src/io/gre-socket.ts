/**
 * A raw IPv4 socket for protocol 47 carrying one PPTP call's GRE packets to and from the server. Received packets
 * come without their IPv4 header and only from the server's address; sent packets get their IPv4 header from the
 * kernel.
 */
import { ioError } from "./io-errors.js";
import { failed, type IoResult, opened } from "./io-result.js";
import { loadNativeAddon, type NativeAddon, type NativeWriteResult } from "./native.js";
import { PacketFd } from "./packet-fd.js";

export interface GreSocketOptions {
  /** The PPTP server's IPv4 address, dotted quad. */
  readonly server: string;
  /**
   * Connect the socket to the server (default true): the kernel then filters by source and reports ICMP errors
   * (counted in stats().readErrors and lastError). The addon filters by source either way.
   */
  readonly connect?: boolean;
  /** Packets read per wake-up at most (default 64). */
  readonly maxBatch?: number;
  /** SO_RCVBUF and SO_SNDBUF (default 4 MiB; root may exceed net.core.[rw]mem_max). */
  readonly bufferBytes?: number;
}

export class GreSocket extends PacketFd {
  static open(options: GreSocketOptions): IoResult<GreSocket> {
    const addon = loadNativeAddon();
    if (!addon.ok) return addon;
    const connect = options.connect ?? true;
    let fd: number | undefined;
    try {
      fd = addon.value.openGre(options.bufferBytes);
      if (connect) addon.value.connectGre(fd, options.server);
      return opened(new GreSocket(addon.value, fd, options, connect));
    } catch (cause) {
      if (fd !== undefined) addon.value.closeFd(fd);
      return failed(ioError("gre", `Opening a raw GRE socket to ${options.server}`, cause));
    }
  }

  readonly server: string;
  private readonly destination: string | undefined;

  private constructor(addon: NativeAddon, fd: number, options: GreSocketOptions, connected: boolean) {
    super(addon, fd, "gre", {
      source: options.server,
      ...(options.maxBatch === undefined ? {} : { maxBatch: options.maxBatch }),
    });
    this.server = options.server;
    this.destination = connected ? undefined : options.server;
  }

  protected override write(fd: number, packets: readonly Uint8Array[]): NativeWriteResult {
    return this.addon.sendGre(fd, packets, this.destination);
  }
}
