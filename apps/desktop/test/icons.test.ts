import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ICON_SIZES, TRAY_STATES, trayIconFile } from "../src/main/tray-state.js";

const ICONS = join(import.meta.dirname, "..", "..", "..", "resources", "icons");

/** Width, height and colour type from a PNG's IHDR chunk. */
function pngHeader(file: string): { width: number; height: number; colourType: number } {
  const bytes = readFileSync(file);
  expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(bytes.subarray(12, 16).toString("latin1")).toBe("IHDR");
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20), colourType: bytes[25]! };
}

describe("tray icons", () => {
  it.each(TRAY_STATES)("%s has an SVG source and both PNG sizes, with transparency", (state) => {
    expect(existsSync(join(ICONS, `${state}.svg`))).toBe(true);
    for (const size of ICON_SIZES) {
      // Colour type 6: RGBA, so the icon sits on any panel colour.
      expect(pngHeader(join(ICONS, trayIconFile(state, size)))).toEqual({
        width: size,
        height: size,
        colourType: 6,
      });
    }
  });
});
