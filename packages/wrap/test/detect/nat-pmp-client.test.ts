import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import { afterEach, describe, expect, it } from "vitest";
import { queryExternalAddress } from "../../src/detect/nat-pmp-client.js";

/** A fake router on 127.0.0.1 answering each request with what `answer` returns (undefined: stay silent). */
async function fakeRouter(
  answer: (request: Buffer, count: number, from: RemoteInfo) => Uint8Array | Uint8Array[] | undefined,
): Promise<{
  socket: Socket;
  port: number;
  requests: Buffer[];
}> {
  const socket = createSocket("udp4");
  const requests: Buffer[] = [];
  socket.on("message", (message, from) => {
    requests.push(message);
    const reply = answer(message, requests.length, from);
    for (const datagram of reply === undefined ? [] : [reply].flat())
      socket.send(datagram, from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  sockets.push(socket);
  return { socket, port: socket.address().port, requests };
}

const sockets: Socket[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.close();
});

const success = (a: number, b: number, c: number, d: number): Uint8Array =>
  Uint8Array.of(0, 128, 0, 0, 0, 0, 0x0e, 0x10, a, b, c, d);

describe("queryExternalAddress", () => {
  it("sends the 2-byte request and returns the router's external address", async () => {
    const router = await fakeRouter(() => success(198, 51, 100, 20));
    await expect(queryExternalAddress("127.0.0.1", { port: router.port, timeoutMs: 2000 })).resolves.toBe(
      "198.51.100.20",
    );
    expect(router.requests.map((r) => [...r])).toEqual([[0, 0]]);
  });

  it("retransmits after a silent first try", async () => {
    const router = await fakeRouter((_request, count) => (count === 2 ? success(100, 64, 0, 9) : undefined));
    await expect(
      queryExternalAddress("127.0.0.1", { port: router.port, timeoutMs: 150, retries: 1 }),
    ).resolves.toBe("100.64.0.9");
    expect(router.requests).toHaveLength(2);
  });

  it("gives up with undefined when the router never answers", async () => {
    const router = await fakeRouter(() => undefined);
    await expect(
      queryExternalAddress("127.0.0.1", { port: router.port, timeoutMs: 20, retries: 2 }),
    ).resolves.toBeUndefined();
    expect(router.requests).toHaveLength(3);
  });

  it("treats a non-zero result code and 0.0.0.0 as no answer", async () => {
    const refusing = await fakeRouter(() => Uint8Array.of(0, 128, 0, 2, 0, 0, 0, 1, 203, 0, 113, 1));
    await expect(
      queryExternalAddress("127.0.0.1", { port: refusing.port, timeoutMs: 2000 }),
    ).resolves.toBeUndefined();
    const unnumbered = await fakeRouter(() => success(0, 0, 0, 0));
    await expect(
      queryExternalAddress("127.0.0.1", { port: unnumbered.port, timeoutMs: 2000 }),
    ).resolves.toBeUndefined();
  });

  it("skips garbage and keeps waiting for a well-formed answer", async () => {
    const router = await fakeRouter(() => [Uint8Array.of(1, 2, 3), success(203, 0, 113, 50)]);
    await expect(queryExternalAddress("127.0.0.1", { port: router.port, timeoutMs: 2000 })).resolves.toBe(
      "203.0.113.50",
    );
  });

  it("ignores an answer from anyone but the gateway's NAT-PMP port", async () => {
    const rogue = await fakeRouter(() => undefined);
    let client: RemoteInfo | undefined;
    const router = await fakeRouter((_request, _count, from) => {
      client = from;
      return undefined;
    });
    const query = queryExternalAddress("127.0.0.1", { port: router.port, timeoutMs: 300, retries: 0 });
    await waitFor(() => client !== undefined);
    rogue.socket.send(success(198, 51, 100, 66), client!.port, "127.0.0.1");
    await expect(query).resolves.toBeUndefined();
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}
