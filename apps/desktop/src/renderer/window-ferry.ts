/** The preload's bridge, the page's only way out. */
import type { FerryBridge } from "../shared/bridge.js";

declare global {
  interface Window {
    readonly ferry: FerryBridge;
  }
}

export function bridge(): FerryBridge {
  return window.ferry;
}
