/** Debian's Chromium, headless, for the icon renderer and the renderer tests (playwright-core brings no browser). */
import { type Browser, chromium } from "playwright-core";

export const CHROMIUM_PATH = process.env.FERRY_CHROMIUM ?? "/usr/bin/chromium";

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
    ],
  });
}
