/**
 * The native addon (native/, built with node-gyp) that gives direct mode a TUN device and a raw GRE socket read in
 * batches. Loaded lazily so that wrap mode, tests and platforms without the build never need it.
 */
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { ferryError } from "../errors.js";
import { failed, type IoResult, opened } from "./io-result.js";

/** How many packets of a batch the kernel took; `error` is the first failure other than a full queue. */
export interface NativeWriteResult {
  readonly sent: number;
  readonly error?: string;
}

export interface NativeReaderStats {
  readonly wakeups: number;
  readonly packets: number;
  readonly ignored: number;
  readonly truncated: number;
  readonly errors: number;
  readonly lastError?: string;
}

export interface NativeReaderOptions {
  /** Packets read per wake-up at most (1..1024, default 64). */
  readonly maxBatch?: number;
  /** GRE only: keep packets from this IPv4 source only. */
  readonly source?: string;
  /** GRE only: hand over packets with their IPv4 header (which names the source) instead of stripping it. */
  readonly ipHeader?: boolean;
}

export interface NativePacketReader {
  stop(): void;
  stats(): NativeReaderStats;
}

/** The errors the addon throws, shaped like Node's system errors. */
export interface NativeSystemError extends Error {
  readonly code: string;
  readonly errno: number;
  readonly syscall: string;
}

export interface NativeAddon {
  openTun(name: string): { fd: number; name: string };
  writeTun(fd: number, packets: readonly Uint8Array[]): NativeWriteResult;
  openGre(bufferBytes?: number): number;
  connectGre(fd: number, address: string): void;
  /** Keeps only enhanced GRE with Call ID 0 (probes) on a raw GRE socket: a classic BPF filter. */
  filterGreProbes(fd: number): void;
  sendGre(fd: number, packets: readonly Uint8Array[], address?: string): NativeWriteResult;
  closeFd(fd: number): void;
  PacketReader: new (
    fd: number,
    kind: "tun" | "gre",
    onPackets: (packets: Uint8Array[]) => void,
    onError: (error: NativeSystemError) => void,
    options?: NativeReaderOptions,
  ) => NativePacketReader;
}

/** Where node-gyp puts the build, relative to this file in both src/io and dist/io. */
export const NATIVE_ADDON_URL = new URL("../../native/build/Release/ferry_native.node", import.meta.url);

let cached: IoResult<NativeAddon> | undefined;

export function loadNativeAddon(): IoResult<NativeAddon> {
  if (cached === undefined) cached = load();
  return cached;
}

function load(): IoResult<NativeAddon> {
  if (process.platform !== "linux") {
    return failed(
      ferryError(
        "LOCAL_IO_FAILED",
        `Direct mode's TUN and raw GRE I/O exists for Linux only, not ${process.platform}.`,
        "Use wrap mode on this platform.",
        { platform: process.platform },
      ),
    );
  }
  try {
    return opened(createRequire(import.meta.url)(fileURLToPath(NATIVE_ADDON_URL)) as NativeAddon);
  } catch (cause) {
    return failed(
      ferryError(
        "LOCAL_IO_FAILED",
        "The native I/O addon for direct mode is not built or does not load.",
        "Build it with `npm run build:native -w @ferry/pptp-client` (needs g++, make and python3).",
        { path: fileURLToPath(NATIVE_ADDON_URL) },
        cause,
      ),
    );
  }
}
