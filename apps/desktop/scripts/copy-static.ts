/** tsc compiles the renderer's scripts; its page, stylesheet and icon (the tray's "connected" one) are copied next to them. */
import { copyFile, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const APP = join(dirname(fileURLToPath(import.meta.url)), "..");
const STATIC_FILES = ["index.html", "style.css"];

export async function copyRendererStatic(): Promise<void> {
  const target = join(APP, "dist", "renderer", "renderer");
  await mkdir(target, { recursive: true });
  for (const file of STATIC_FILES) await copyFile(join(APP, "src", "renderer", file), join(target, file));
  await copyFile(
    join(APP, "..", "..", "resources", "icons", "connected-direct.svg"),
    join(target, "icon.svg"),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await copyRendererStatic();
