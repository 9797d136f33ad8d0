/**
 * Serves the built renderer over HTTP on 127.0.0.1 and stands in for Electron's main process: the page's
 * `window.ferry` (BRIDGE_CLIENT_SCRIPT, injected before the page's own scripts) posts each call to /bridge/<method>,
 * where the main process's own BridgeHandler answers it against a ServiceClient, and reads service events from an
 * event stream. Responses carry the same Content-Security-Policy header as the app's protocol handler.
 */
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, isAbsolute, relative, resolve, sep } from "node:path";
import type { BridgeHandler } from "../../src/main/bridge-handler.js";
import { HEADER_CONTENT_SECURITY_POLICY } from "../../src/main/content-security.js";
import type { ServiceClient, ServiceEvent } from "../../src/shared/service-api.js";

export interface BridgeServer {
  /** The page to open, e.g. http://127.0.0.1:PORT/renderer/index.html */
  readonly pageUrl: string;
  close(): Promise<void>;
}

const CALLS = ["listProfiles", "status", "connect", "disconnect", "diagnose"] as const;
type Call = (typeof CALLS)[number];
const MAX_BODY_BYTES = 64 * 1024;

const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

export async function startBridgeServer(options: {
  readonly rendererRoot: string;
  readonly handler: BridgeHandler;
  readonly client: ServiceClient;
}): Promise<BridgeServer> {
  const streams = new Set<ServerResponse>();
  const unsubscribe = await options.client.subscribe((event: ServiceEvent) => {
    if (event.event === "health") void options.handler.observe(event.health);
    for (const stream of streams) stream.write(`data: ${JSON.stringify(event)}\n\n`);
  });

  const server = createServer((request, response) => {
    route(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? "/", "http://127.0.0.1").pathname;
    if (request.method === "GET" && path === "/bridge/events") {
      response.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-store" });
      response.write(": open\n\n");
      streams.add(response);
      request.on("close", () => streams.delete(response));
      return;
    }
    const call = path.startsWith("/bridge/") ? path.slice("/bridge/".length) : undefined;
    if (request.method === "POST" && call !== undefined) {
      if (!isCall(call)) return send(response, 404, "text/plain", "no such call");
      const args = JSON.parse(await body(request)) as unknown[];
      const result = await invoke(options.handler, call, args);
      return send(response, 200, "application/json", JSON.stringify(result));
    }
    if (request.method !== "GET") return send(response, 405, "text/plain", "");
    const file = resolve(options.rendererRoot, `.${decodeURIComponent(path)}`);
    const inside = relative(options.rendererRoot, file);
    if (inside.startsWith(`..${sep}`) || isAbsolute(inside)) return send(response, 404, "text/plain", "");
    const content = await readFile(file).catch(() => undefined);
    if (content === undefined) return send(response, 404, "text/plain", "");
    send(response, 200, TYPES[extname(file)] ?? "application/octet-stream", content);
  }

  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  return {
    pageUrl: `http://127.0.0.1:${port}/renderer/index.html`,
    close: async () => {
      unsubscribe();
      for (const stream of streams) stream.end();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

function isCall(name: string): name is Call {
  return (CALLS as readonly string[]).includes(name);
}

function invoke(handler: BridgeHandler, call: Call, args: readonly unknown[]) {
  switch (call) {
    case "listProfiles":
      return handler.listProfiles();
    case "status":
      return handler.status();
    case "connect":
      return handler.connect(args[0], args[1]);
    case "disconnect":
      return handler.disconnect();
    case "diagnose":
      return handler.diagnose(args[0]);
  }
}

function send(response: ServerResponse, status: number, type: string, content: string | Buffer): void {
  response.writeHead(status, {
    "Content-Type": type,
    "Content-Security-Policy": HEADER_CONTENT_SECURITY_POLICY,
    "Cache-Control": "no-store",
  });
  response.end(content);
}

async function body(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error("request body too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * The page's `window.ferry` in the test: the FerryBridge over fetch and an EventSource, frozen like the preload's
 * contextBridge object. Plain JavaScript, since it is injected as a string.
 */
export const BRIDGE_CLIENT_SCRIPT = `(() => {
  const call = (name, ...args) =>
    fetch("/bridge/" + name, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(args) })
      .then((response) => response.json());
  const listeners = new Set();
  const events = new EventSource("/bridge/events");
  events.onmessage = (message) => { const event = JSON.parse(message.data); for (const listener of listeners) listener(event); };
  const ferry = {
    listProfiles: () => call("listProfiles"),
    status: () => call("status"),
    connect: (profileId, password) => (password === undefined ? call("connect", profileId) : call("connect", profileId, password)),
    disconnect: () => call("disconnect"),
    diagnose: (profileId) => call("diagnose", profileId),
    onEvent: (callback) => { listeners.add(callback); return () => listeners.delete(callback); },
  };
  Object.defineProperty(window, "ferry", { value: Object.freeze(ferry), writable: false, configurable: false });
})();`;
