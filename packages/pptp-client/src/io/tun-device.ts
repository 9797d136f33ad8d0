/** A Linux TUN device (IFF_TUN | IFF_NO_PI): IPv4 packets to and from the kernel's IP stack, in batches. */
import { ioError } from "./io-errors.js";
import { failed, type IoResult, opened } from "./io-result.js";
import { loadNativeAddon, type NativeAddon, type NativeWriteResult } from "./native.js";
import { PacketFd } from "./packet-fd.js";

export interface TunDeviceOptions {
  /** Interface name (at most 15 bytes); "" or a template such as "ferry%d" lets the kernel choose. */
  readonly name: string;
  /** Packets read per wake-up at most (default 64). */
  readonly maxBatch?: number;
}

/**
 * The device exists while it is open and disappears on close(). Addresses, MTU, routes and bringing it up are the
 * OS configuration's job, not this class's. Only IPv4 packets are handed on; IPv6 the kernel routes here is ignored.
 */
export class TunDevice extends PacketFd {
  static open(options: TunDeviceOptions): IoResult<TunDevice> {
    const addon = loadNativeAddon();
    if (!addon.ok) return addon;
    let fd: number | undefined;
    try {
      const tun = addon.value.openTun(options.name);
      fd = tun.fd;
      return opened(new TunDevice(addon.value, tun.fd, tun.name, options.maxBatch));
    } catch (cause) {
      if (fd !== undefined) addon.value.closeFd(fd);
      return failed(ioError("tun", `Opening the TUN device ${JSON.stringify(options.name)}`, cause));
    }
  }

  private constructor(
    addon: NativeAddon,
    fd: number,
    /** The name the kernel gave the interface. */
    readonly name: string,
    maxBatch: number | undefined,
  ) {
    super(addon, fd, "tun", maxBatch === undefined ? {} : { maxBatch });
  }

  protected override write(fd: number, packets: readonly Uint8Array[]): NativeWriteResult {
    return this.addon.writeTun(fd, packets);
  }
}
