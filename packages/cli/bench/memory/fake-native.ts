/**
 * A stand-in for the native addon, put where `loadNativeAddon()` finds it (the CommonJS require cache, under the
 * addon's own path), so that the real tunnel pump runs in-process without root, TUN device or raw socket. The bench
 * plays the kernel: it hands "read" packets to the TUN reader in batches shaped as the addon shapes them (one
 * ArrayBuffer per wake-up, a view per packet) and counts what the pump writes.
 */
import { createRequire, Module } from "node:module";
import { fileURLToPath } from "node:url";
import {
  NATIVE_ADDON_URL,
  type NativeAddon,
  type NativePacketReader,
  type NativeReaderOptions,
  type NativeReaderStats,
  type NativeWriteResult,
} from "../../../pptp-client/src/io/native.js";

type OnPackets = (packets: Uint8Array[]) => void;

/** The kernel side of every fake TUN device the pump opens. */
export class FakeKernel {
  /** Packets the pump wrote to its TUN device. */
  written = 0;
  private reader: FakeReader | undefined;
  private nextFd = 1000;

  /** The TUN device's reader reads these as one wake-up; false when no device is open. */
  readFromTun(packets: readonly Uint8Array[]): boolean {
    const reader = this.reader;
    if (reader === undefined || reader.stopped) return false;
    reader.deliver(oneWakeUp(packets));
    return true;
  }

  readonly addon: NativeAddon = {
    openTun: (name) => ({ fd: this.nextFd++, name: name.replace("%d", "0") }),
    writeTun: (_fd, packets) => this.write(packets),
    openGre: () => this.nextFd++,
    connectGre: () => {},
    filterGreProbes: () => {},
    sendGre: (_fd, packets) => ({ sent: packets.length }),
    closeFd: () => {},
    PacketReader: this.readerClass(),
  };

  private write(packets: readonly Uint8Array[]): NativeWriteResult {
    this.written += packets.length;
    return { sent: packets.length };
  }

  private readerClass(): NativeAddon["PacketReader"] {
    const kernel = this;
    return class implements NativePacketReader {
      constructor(
        _fd: number,
        kind: "tun" | "gre",
        onPackets: OnPackets,
        _onError: unknown,
        _options?: NativeReaderOptions,
      ) {
        const reader = new FakeReader(onPackets);
        if (kind === "tun") kernel.reader = reader;
        this.stop = () => reader.stop();
        this.stats = () => reader.stats();
      }
      stop: () => void;
      stats: () => NativeReaderStats;
    };
  }
}

class FakeReader {
  stopped = false;
  private wakeups = 0;
  private packets = 0;

  constructor(private readonly onPackets: OnPackets) {}

  deliver(packets: Uint8Array[]): void {
    this.wakeups++;
    this.packets += packets.length;
    this.onPackets(packets);
  }

  stop(): void {
    this.stopped = true;
  }

  stats(): NativeReaderStats {
    return { wakeups: this.wakeups, packets: this.packets, ignored: 0, truncated: 0, errors: 0 };
  }
}

/** Copies packets the way the addon delivers a wake-up: one ArrayBuffer, one view per packet. */
export function oneWakeUp(packets: readonly Uint8Array[]): Uint8Array[] {
  let total = 0;
  for (const p of packets) total += p.length;
  const buffer = new ArrayBuffer(total);
  const views: Uint8Array[] = [];
  let offset = 0;
  for (const p of packets) {
    const view = new Uint8Array(buffer, offset, p.length);
    view.set(p);
    views.push(view);
    offset += p.length;
  }
  return views;
}

/** Must run before anything opens a TUN device or GRE socket (the addon is loaded once and cached). */
export function installFakeNativeAddon(): FakeKernel {
  const kernel = new FakeKernel();
  const path = fileURLToPath(NATIVE_ADDON_URL);
  const module = new Module(path);
  module.filename = path;
  module.exports = kernel.addon;
  module.loaded = true;
  createRequire(import.meta.url).cache[path] = module;
  return kernel;
}
