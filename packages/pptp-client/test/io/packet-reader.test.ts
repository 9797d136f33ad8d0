/**
 * The native PacketReader's hold on its owner: while it watches its fd it keeps itself and its callbacks alive (the
 * poll holds it), and once stopped it lets go of them, so that the owner (a TUN device or GRE socket, and through
 * its callbacks a whole tunnel) can be collected. Before, every reconnect left its tunnel behind. The fixture runs
 * in its own process with --expose-gc; a FIFO stands in for the device.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { loadNativeAddon } from "../../src/io/native.js";

const FIXTURE = fileURLToPath(new URL("./fixtures/reader-owner.ts", import.meta.url));

it.skipIf(!loadNativeAddon().ok)("keeps a watching reader's owner alive, and lets it go once stopped", () => {
  const output = execFileSync(process.execPath, ["--expose-gc", "--import", "tsx", FIXTURE], {
    encoding: "utf8",
    timeout: 30_000,
  });
  expect(JSON.parse(output)).toEqual({
    afterOneStopped: ["stopped"],
    afterBothStopped: ["stopped", "watching"],
  });
});
