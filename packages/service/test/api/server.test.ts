import { spawn } from "node:child_process";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { createConnection, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { connectService } from "../../src/api/client.js";
import type { ServiceError } from "../../src/api/errors.js";
import type { ServiceEvent } from "../../src/api/protocol.js";
import { type ApiServer, startApiServer } from "../../src/api/server.js";
import { fakeHandlers, IDLE } from "./fake-handlers.js";

const ACCESS = { uid: process.getuid!(), gid: process.getgid!(), mode: 0o600, description: "test" } as const;

let dir: string;
let path: string;
let server: ApiServer | undefined;
const logs: string[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "fy-api-"));
  path = join(dir, "ferryd.sock");
  logs.length = 0;
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function start(handlers = fakeHandlers(), options: { maxClients?: number } = {}) {
  const started = await startApiServer({
    path,
    access: ACCESS,
    handlers,
    log: (l) => logs.push(l),
    ...options,
  });
  if (!started.ok) throw new Error(started.error.message);
  server = started.value;
  return started.value;
}

/** A raw client: what it sends, every line it gets, and when the service closed it. */
function rawClient(): Promise<{
  socket: Socket;
  lines: string[];
  closed: Promise<void>;
  next: () => Promise<string>;
}> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    const lines: string[] = [];
    let buffer = "";
    let waiter: (() => void) | undefined;
    socket.on("data", (chunk) => {
      buffer += chunk.toString();
      for (let i = buffer.indexOf("\n"); i >= 0; i = buffer.indexOf("\n")) {
        lines.push(buffer.slice(0, i));
        buffer = buffer.slice(i + 1);
      }
      waiter?.();
    });
    socket.on("error", () => {});
    const closed = new Promise<void>((r) => socket.on("close", () => r()));
    let read = 0;
    const next = async () => {
      while (lines.length <= read) await new Promise<void>((r) => (waiter = r));
      return lines[read++]!;
    };
    socket.on("connect", () => resolve({ socket, lines, closed, next }));
    socket.on("error", reject);
  });
}

describe("the API server", () => {
  it("creates the socket with the configured mode", async () => {
    await start();
    const info = await stat(path);
    expect(info.isSocket()).toBe(true);
    expect(info.mode & 0o777).toBe(0o600);
  });

  it("answers many clients at once through the client library", async () => {
    await start();
    const clients = await Promise.all(Array.from({ length: 20 }, () => connectService(path)));
    const answers = await Promise.all(clients.map((c) => c.listProfiles()));
    for (const profiles of answers) expect(profiles.map((p) => p.id)).toEqual(["work"]);
    expect(await clients[0]!.status()).toEqual(IDLE);
    for (const c of clients) c.close();
  });

  it("rejects a failed call with the service's code and hint", async () => {
    await start();
    const client = await connectService(path);
    await expect(client.connect("nope", { password: "pw" })).rejects.toMatchObject({
      code: "PROFILE_UNKNOWN",
      hint: "pick one",
    });
    expect(await client.connect("work", { password: "pw" })).toMatchObject({ state: "connecting" });
    client.close();
  });

  it("sends events to subscribers only, after the backlog", async () => {
    const backlog: ServiceEvent[] = [{ event: "log", at: 1, line: "earlier" }];
    const api = await start(fakeHandlers(backlog));
    const subscriber = await connectService(path);
    const bystander = await rawClient();
    const seen: ServiceEvent[] = [];
    let arrived!: () => void;
    const changed = new Promise<void>((resolve) => (arrived = resolve));
    await subscriber.subscribe((e) => {
      seen.push(e);
      if (e.event === "profiles-changed") arrived();
    });
    api.publish({ event: "profiles-changed" });
    await changed;
    bystander.socket.write('{"id":1,"method":"status"}\n');
    // Anything pushed to the bystander would have come before this answer.
    expect(JSON.parse(await bystander.next())).toMatchObject({ id: 1, ok: true });
    expect(seen).toEqual([{ event: "log", at: 1, line: "earlier" }, { event: "profiles-changed" }]);
    subscriber.close();
    bystander.socket.destroy();
  });

  it("answers garbage with an error and closes that client; others go on", async () => {
    await start();
    const good = await connectService(path);
    const hostile = await rawClient();
    hostile.socket.write("\x00\xff garbage {{{\n");
    expect(JSON.parse(await hostile.next())).toMatchObject({
      id: -1,
      ok: false,
      error: { code: "API_BAD_REQUEST" },
    });
    await hostile.closed;
    expect(await good.status()).toEqual(IDLE);
    good.close();
  });

  it("keeps a client that sends a well-formed request for an unknown method", async () => {
    await start();
    const client = await rawClient();
    client.socket.write('{"id":4,"method":"reboot"}\n{"id":5,"method":"status"}\n');
    expect(JSON.parse(await client.next())).toMatchObject({
      id: 4,
      ok: false,
      error: { code: "API_BAD_REQUEST" },
    });
    expect(JSON.parse(await client.next())).toMatchObject({ id: 5, ok: true });
    client.socket.destroy();
  });

  it("cuts off a client whose line grows past 64 KiB without buffering it", async () => {
    await start();
    const hostile = await rawClient();
    const junk = Buffer.alloc(16 * 1024, 0x61);
    for (let i = 0; i < 8 && !hostile.socket.destroyed; i++) hostile.socket.write(junk);
    await hostile.closed;
    expect(JSON.parse(hostile.lines[0]!)).toMatchObject({ error: { code: "API_REQUEST_TOO_LARGE" } });
    const good = await connectService(path);
    expect(await good.status()).toEqual(IDLE);
    good.close();
  });

  it("refuses clients over the limit with a coded error", async () => {
    await start(fakeHandlers(), { maxClients: 1 });
    const first = await connectService(path);
    await expect(connectService(path)).rejects.toMatchObject({ code: "API_TOO_MANY_CLIENTS" });
    first.close();
  });

  it("removes a stale socket left by a killed process", async () => {
    const child = spawn(process.execPath, [
      "-e",
      `require("node:net").createServer().listen(${JSON.stringify(path)}, () => console.log("up"))`,
    ]);
    await new Promise((resolve) => child.stdout.once("data", resolve));
    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));
    expect((await stat(path)).isSocket()).toBe(true);
    await start();
    expect(logs.some((l) => l.includes("stale socket"))).toBe(true);
    const client = await connectService(path);
    expect(await client.status()).toEqual(IDLE);
    client.close();
  });

  it("refuses to start while another ferryd answers on the socket, and leaves it running", async () => {
    await start();
    const second = await startApiServer({ path, access: ACCESS, handlers: fakeHandlers(), log: () => {} });
    expect(second).toMatchObject({ ok: false, error: { code: "SERVICE_ALREADY_RUNNING" } });
    const client = await connectService(path);
    expect(await client.status()).toEqual(IDLE);
    client.close();
  });

  it("refuses a path that is not a socket, leaving the file alone", async () => {
    await writeFile(path, "precious");
    const started = await startApiServer({ path, access: ACCESS, handlers: fakeHandlers(), log: () => {} });
    expect(started).toMatchObject({ ok: false, error: { code: "SERVICE_SOCKET_FAILED" } });
    expect((await stat(path)).isFile()).toBe(true);
  });

  it("removes its socket on close; a client then hears the service is not running", async () => {
    const api = await start();
    const client = await connectService(path);
    const pending = client.diagnose("work").catch(() => {}); // answered or lost: either way it settles
    await api.close();
    server = undefined;
    await pending;
    await expect(client.status()).rejects.toMatchObject({ code: "SERVICE_CONNECTION_LOST" });
    await expect(stat(path)).rejects.toThrow();
    const error = await connectService(path).catch((e: ServiceError) => e);
    expect(error).toMatchObject({ code: "SERVICE_NOT_RUNNING" });
  });

  it("survives a handler that throws, answering API_INTERNAL", async () => {
    const handlers = fakeHandlers();
    handlers.diagnose = async () => {
      throw new Error("boom");
    };
    await start(handlers);
    const client = await connectService(path);
    await expect(client.diagnose("work")).rejects.toMatchObject({ code: "API_INTERNAL" });
    expect(await client.status()).toEqual(IDLE);
    client.close();
  });
});
