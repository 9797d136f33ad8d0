/**
 * The TCP 1723 reader fed in chunks of random sizes (TCP splits and coalesces freely). The first byte picks the
 * chunk sizes; the rest is the stream. Whatever the split, the frames must be the same, and the reader must never
 * hold more than its cap.
 */
import { isDeepStrictEqual } from "node:util";
import { ControlStreamReader } from "../../packages/pptp-client/dist/wire/control-stream.js";
import { Rng } from "../lib/rng.js";
import { check } from "../lib/target.js";

export const maxLen = 4096;
export const packages = ["pptp-client"];
const CAP = 1024;

function frames(stream: Uint8Array, chunkSeed: number): unknown[] {
  const reader = new ControlStreamReader(CAP);
  const rng = new Rng(chunkSeed);
  const out: unknown[] = [];
  let off = 0;
  while (off < stream.length) {
    const size = chunkSeed === 0 ? stream.length : 1 + rng.below(chunkSeed < 128 ? 16 : 300);
    reader.push(stream.slice(off, off + size));
    off += size;
    check(reader.bufferedBytes <= CAP, `reader holds ${reader.bufferedBytes} bytes, over its cap of ${CAP}`);
    for (let frame = reader.next(); frame !== undefined; frame = reader.next()) {
      if (!frame.ok) {
        out.push(frame.reason);
        return out;
      }
      out.push(frame.value.kind === "message" ? frame.value.message : frame.value.reason);
    }
  }
  return out;
}

export function fuzz(data: Uint8Array): void {
  if (data.length === 0) return;
  const stream = data.subarray(1);
  const split = frames(stream, data[0]!);
  const whole = frames(stream, 0);
  // A reader that lost sync reports it at a point that may depend on the split: compare only whole frames.
  const n = Math.min(split.length, whole.length) - 1;
  check(isDeepStrictEqual(split.slice(0, n), whole.slice(0, n)), "frames depend on how TCP split the stream");
}
