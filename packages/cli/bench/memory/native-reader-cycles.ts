/**
 * The real native PacketReader's life cycle without a device: readers opened one after another on a FIFO (the TUN
 * source reads any fd; a FIFO does not keep packet boundaries, which does not matter here), fed, stopped and
 * dropped, as every reconnect does with the TUN and GRE readers. Each reader owns a 4 MiB batch arena outside the
 * V8 heap, freed when its wrapper is collected: a reader that is never finalized shows here.
 */
import { execFileSync } from "node:child_process";
import { closeSync, constants, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { NATIVE_ADDON_URL, type NativeAddon } from "../../../pptp-client/src/io/native.js";

export interface ReaderCycles {
  /** Readers whose wrapper the GC has collected so far (a FinalizationRegistry sees it). */
  readonly finalized: () => number;
  readonly wakeUps: () => number;
  /** Opens, feeds, stops and drops one reader. */
  cycle(): Promise<void>;
  close(): void;
}

const PACKET = new Uint8Array(1400).fill(0x45);
const WRITES_PER_CYCLE = 40;
const WRITES_PER_WAKE_UP = 4;

/** A full FIFO (the reader fell behind) skips the write, as a full TUN queue drops. */
function writeOrSkip(fd: number): void {
  try {
    writeSync(fd, PACKET);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EAGAIN") throw error;
  }
}

const immediate = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Undefined when the addon is not built or this is not Linux. */
export function readerCycles(workDir: string): ReaderCycles | undefined {
  let addon: NativeAddon;
  try {
    // Loaded beside the require cache, where the bench's fake addon sits under the same path.
    const module = { exports: {} as NativeAddon };
    process.dlopen(module, fileURLToPath(NATIVE_ADDON_URL));
    addon = module.exports;
  } catch {
    return undefined;
  }
  const fifo = join(workDir, "tun.fifo");
  execFileSync("mkfifo", [fifo]);
  // Read-write, so that opening does not wait for a writer and the bench can be both ends.
  const fd = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
  let finalized = 0;
  let wakeUps = 0;
  const registry = new FinalizationRegistry<number>(() => {
    finalized++;
  });
  return {
    finalized: () => finalized,
    wakeUps: () => wakeUps,
    async cycle() {
      const reader = new addon.PacketReader(
        fd,
        "tun",
        () => {
          wakeUps++;
        },
        () => {},
      );
      registry.register(reader, 0);
      for (let i = 1; i <= WRITES_PER_CYCLE; i++) {
        writeOrSkip(fd);
        if (i % WRITES_PER_WAKE_UP === 0) await immediate();
      }
      reader.stop();
    },
    close: () => closeSync(fd),
  };
}
