/**
 * The only thing the page gets: `window.ferry`, the FerryBridge, over named IPC channels. A sandboxed preload cannot
 * load the app's own modules, so it is one CommonJS file; the channel names are checked against the shared ones.
 */
import electron = require("electron");

import type { BRIDGE_CHANNELS, FerryBridge } from "../shared/bridge.js";
import type { ServiceEvent } from "../shared/service-api.js";

const CHANNELS = {
  listProfiles: "ferry:list-profiles",
  status: "ferry:status",
  connect: "ferry:connect",
  disconnect: "ferry:disconnect",
  diagnose: "ferry:diagnose",
  event: "ferry:event",
} as const satisfies typeof BRIDGE_CHANNELS;

const { contextBridge, ipcRenderer } = electron;

const api: FerryBridge = {
  listProfiles: () => ipcRenderer.invoke(CHANNELS.listProfiles),
  status: () => ipcRenderer.invoke(CHANNELS.status),
  connect: (profileId, password) => ipcRenderer.invoke(CHANNELS.connect, profileId, password),
  disconnect: () => ipcRenderer.invoke(CHANNELS.disconnect),
  diagnose: (profileId) => ipcRenderer.invoke(CHANNELS.diagnose, profileId),
  onEvent: (callback) => {
    // The page sees the event, never Electron's IpcRendererEvent (which would reach ipcRenderer itself).
    const listener = (_event: electron.IpcRendererEvent, event: ServiceEvent) => callback(event);
    ipcRenderer.on(CHANNELS.event, listener);
    return () => {
      ipcRenderer.removeListener(CHANNELS.event, listener);
    };
  },
};

contextBridge.exposeInMainWorld("ferry", api);
