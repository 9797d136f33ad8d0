import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { connectControl } from "../../src/direct/tcp-control.js";

describe("connectControl (TCP 1723)", () => {
  let server: Server | undefined;
  afterEach(() => {
    server?.close();
  });

  it("connects to a listener", async () => {
    server = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    const result = await connectControl("127.0.0.1", 2_000, port);
    expect(result.ok).toBe(true);
    if (result.ok) result.value.destroy();
  });

  it("says nothing listens when the port is closed: SERVER_UNREACHABLE", async () => {
    server = createServer();
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    const result = await connectControl("127.0.0.1", 2_000, port);
    expect(result).toMatchObject({
      ok: false,
      error: { code: "SERVER_UNREACHABLE", detail: { errno: "ECONNREFUSED" } },
    });
    if (!result.ok) expect(result.error.message).toMatch(/nothing is listening on TCP/);
  });
});
