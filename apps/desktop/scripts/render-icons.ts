/**
 * Renders resources/icons/<state>.svg to <state>-32.png and <state>-64.png with Chromium, on a transparent
 * background. Run after changing an SVG: npx tsx apps/desktop/scripts/render-icons.ts (the PNGs are committed).
 */
import { readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ICON_SIZES, TRAY_STATES, trayIconFile } from "../src/main/tray-state.js";
import { launchChromium } from "./chromium.js";

export const ICONS_DIR = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "..",
  "resources",
  "icons",
);

async function renderIcons(): Promise<void> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ deviceScaleFactor: 1 });
    for (const state of TRAY_STATES) {
      const svg = await readFile(join(ICONS_DIR, `${state}.svg`), "utf8");
      for (const size of ICON_SIZES) {
        const sized = svg.replace(/width="32" height="32"/, `width="${size}" height="${size}"`);
        await page.setContent(
          `<!doctype html><style>html,body{margin:0;background:transparent}svg{display:block}</style>${sized}`,
        );
        const png = await page.locator("svg").screenshot({ omitBackground: true });
        await writeFile(join(ICONS_DIR, trayIconFile(state, size)), png);
      }
    }
  } finally {
    await browser.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await renderIcons();
