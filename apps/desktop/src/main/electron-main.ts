/**
 * The Electron main process: tray, window, notifications, and the bridge from the renderer to ferryd. Everything it
 * decides lives in the plain modules beside it; this file only wires them to Electron. It holds no tunnel: ferryd
 * does, so a crashed or quit GUI leaves the tunnel as it was.
 */
import { readFile } from "node:fs/promises";
import { dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { connectService, DEFAULT_SOCKET_PATH } from "@ferry/service";
import { keytarKeychain } from "@ferry/service/keychain";
import {
  app,
  BrowserWindow,
  ipcMain,
  Menu,
  type MenuItemConstructorOptions,
  Notification,
  nativeImage,
  protocol,
  session,
  Tray,
} from "electron";
import { BRIDGE_CHANNELS } from "../shared/bridge.js";
import type { Health, ProfileSummary, ServiceEvent } from "../shared/service-api.js";
import { createBridgeHandler } from "./bridge-handler.js";
import {
  APP_SCHEME,
  APP_START_URL,
  allowedRequest,
  appFilePath,
  HEADER_CONTENT_SECURITY_POLICY,
} from "./content-security.js";
import { type MenuAction, type MenuItemModel, trayMenu } from "./menu-model.js";
import { decideNotice } from "./notifications.js";
import { reconnectingClient } from "./reconnecting-client.js";
import { trayIconFile, trayTooltip } from "./tray-state.js";

const here = dirname(fileURLToPath(import.meta.url));
/** dist/main/main -> dist/renderer, dist/main/preload; resources/ next to the app (packaged) or the repository's. */
const RENDERER_ROOT = join(here, "..", "..", "renderer");
const PRELOAD = join(here, "..", "preload", "preload.cjs");
const ICONS = app.isPackaged
  ? join(process.resourcesPath, "icons")
  : join(here, "..", "..", "..", "..", "..", "resources", "icons");
const SOCKET_PATH = process.env.FERRY_SOCKET ?? DEFAULT_SOCKET_PATH;
/** How often the tray re-reads the status: it also notices a restarted ferryd and re-subscribes. */
const STATUS_POLL_MS = 5000;

const MIME: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true } }]);

const UNKNOWN_HEALTH: Health = {
  state: "disconnected",
  bytesIn: 0,
  bytesOut: 0,
  rateInBps: 0,
  rateOutBps: 0,
};

let window: BrowserWindow | undefined;
let tray: Tray | undefined;
let health: Health = UNKNOWN_HEALTH;
let profiles: readonly ProfileSummary[] = [];
let userDisconnected = false;

const client = reconnectingClient(() => connectService(SOCKET_PATH));
const handler = createBridgeHandler({
  client,
  keychain: keytarKeychain(),
  onUserDisconnect: () => {
    userDisconnected = true;
  },
});

if (!app.requestSingleInstanceLock()) app.quit();
else {
  app.on("second-instance", () => showWindow());
  app.on("window-all-closed", () => {
    // The tray keeps the app alive: closing the window is not quitting.
  });
  app.whenReady().then(start, (error: unknown) => {
    console.error("Ferry could not start:", error instanceof Error ? error.message : "unknown error");
    app.exit(1);
  });
}

async function start(): Promise<void> {
  lockDownSession();
  protocol.handle(APP_SCHEME, serveRendererFile);
  registerBridge();
  tray = new Tray(trayImage(health));
  tray.on("click", () => showWindow());
  render();
  await client.subscribe(onServiceEvent).catch(() => undefined);
  await refresh();
  setInterval(() => void refresh(), STATUS_POLL_MS);
  showWindow();
}

/** No remote content, no permissions, no new windows, no navigation away from the app's own pages. */
function lockDownSession(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !allowedRequest(details.url) }));
  ses.webRequest.onHeadersReceived((details, callback) =>
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        "Content-Security-Policy": [HEADER_CONTENT_SECURITY_POLICY],
      },
    }),
  );
  app.on("web-contents-created", (_event, contents) => {
    contents.setWindowOpenHandler(() => ({ action: "deny" }));
    contents.on("will-navigate", (event, url) => {
      if (!allowedRequest(url)) event.preventDefault();
    });
    contents.on("will-attach-webview", (event) => event.preventDefault());
  });
}

async function serveRendererFile(request: Request): Promise<Response> {
  const file = appFilePath(RENDERER_ROOT, request.url);
  if (file === undefined) return new Response("Not found", { status: 404 });
  try {
    const body = await readFile(file);
    return new Response(new Uint8Array(body), {
      headers: {
        "Content-Type": MIME[extname(file)] ?? "application/octet-stream",
        "Content-Security-Policy": HEADER_CONTENT_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
      },
    });
  } catch {
    return new Response("Not found", { status: 404 });
  }
}

function registerBridge(): void {
  ipcMain.handle(BRIDGE_CHANNELS.listProfiles, () => handler.listProfiles());
  ipcMain.handle(BRIDGE_CHANNELS.status, () => handler.status());
  ipcMain.handle(BRIDGE_CHANNELS.connect, (_event, profileId: unknown, password: unknown) => {
    userDisconnected = false;
    return handler.connect(profileId, password);
  });
  ipcMain.handle(BRIDGE_CHANNELS.disconnect, () => handler.disconnect());
  ipcMain.handle(BRIDGE_CHANNELS.diagnose, (_event, profileId: unknown) => handler.diagnose(profileId));
}

function onServiceEvent(event: ServiceEvent): void {
  if (event.event === "health") updateHealth(event.health);
  else if (event.event === "profiles-changed") void refreshProfiles();
  window?.webContents.send(BRIDGE_CHANNELS.event, event);
}

async function refresh(): Promise<void> {
  const [status] = await Promise.all([handler.status(), refreshProfiles()]);
  if (status.ok) updateHealth(status.value);
  else updateHealth({ ...UNKNOWN_HEALTH, state: "error", error: status.error });
}

async function refreshProfiles(): Promise<void> {
  const listed = await handler.listProfiles();
  if (listed.ok) profiles = listed.value;
  render();
}

function updateHealth(next: Health): void {
  const notice = decideNotice(health, next, {
    userDisconnected,
    ...profileNameOf(next),
  });
  health = next;
  void handler.observe(next);
  if (notice !== undefined && Notification.isSupported()) {
    new Notification({ title: notice.title, body: notice.body, icon: iconPath(next, 64) }).show();
  }
  render();
}

function profileNameOf(h: Health): { profileName?: string } {
  const name = profiles.find((p) => p.id === h.profileId)?.name;
  return name === undefined ? {} : { profileName: name };
}

function render(): void {
  if (tray === undefined) return;
  tray.setImage(trayImage(health));
  tray.setToolTip(trayTooltip(health, profileNameOf(health).profileName));
  tray.setContextMenu(Menu.buildFromTemplate(trayMenu(health, profiles).map(menuItem)));
}

function menuItem(item: MenuItemModel): MenuItemConstructorOptions {
  switch (item.kind) {
    case "separator":
      return { type: "separator" };
    case "label":
      return { label: item.label, enabled: false };
    case "action":
      return { label: item.label, enabled: item.enabled, click: () => void perform(item.action) };
  }
}

async function perform(action: MenuAction): Promise<void> {
  switch (action.type) {
    case "open":
      showWindow();
      return;
    case "quit":
      app.quit();
      return;
    case "disconnect":
      await handler.disconnect();
      return;
    case "connect": {
      userDisconnected = false;
      const result = await handler.connect(action.profileId);
      // No stored password: the window's prompt asks for it (the renderer retries with what is typed).
      if (result.ok && result.value.needsPassword) {
        showWindow();
        window?.webContents.send(BRIDGE_CHANNELS.event, {
          event: "log",
          at: Date.now(),
          line: "A password is needed: connect from the window to type it.",
        } satisfies ServiceEvent);
      }
      return;
    }
  }
}

function iconPath(h: Health, size: 32 | 64): string {
  return join(ICONS, trayIconFile(h.state, size));
}

/** Both sizes in one image, so HiDPI panels pick the sharp one. */
function trayImage(h: Health) {
  const image = nativeImage.createFromPath(iconPath(h, 32));
  image.addRepresentation({ scaleFactor: 2, buffer: nativeImage.createFromPath(iconPath(h, 64)).toPNG() });
  return image;
}

function showWindow(): void {
  if (window !== undefined && !window.isDestroyed()) {
    window.show();
    window.focus();
    return;
  }
  window = new BrowserWindow({
    width: 960,
    height: 720,
    title: "Ferry",
    show: false,
    webPreferences: {
      preload: PRELOAD,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  window.removeMenu();
  window.once("ready-to-show", () => window?.show());
  void window.loadURL(APP_START_URL);
}
