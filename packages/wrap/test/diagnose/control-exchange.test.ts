import { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import { emitControlMessage } from "@ferry/pptp-client/wire";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ControlExchange } from "../../src/diagnose/control-exchange.js";
import { sccrp } from "../relay/relay-fixtures.js";

/** Just enough of a net.Socket: the exchange listens for data/error/close and writes. */
function fakeSocket(): { socket: Socket; emitter: EventEmitter; written: Uint8Array[] } {
  const emitter = new EventEmitter();
  const written: Uint8Array[] = [];
  Object.assign(emitter, { write: (bytes: Uint8Array) => written.push(bytes) });
  return { socket: emitter as unknown as Socket, emitter, written };
}

const SCCRP = emitControlMessage(sccrp);
const ECHO = emitControlMessage({ type: "echo-request", identifier: 7 });

describe("ControlExchange", () => {
  it("finds the reply however TCP splits it, skipping other messages", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 12 }), async (cuts) => {
        const { socket, emitter } = fakeSocket();
        const exchange = new ControlExchange(socket);
        const stream = Buffer.concat([ECHO, SCCRP]);
        let at = 0;
        for (const cut of cuts) {
          emitter.emit("data", stream.subarray(at, Math.min(at + cut, stream.length)));
          at = Math.min(at + cut, stream.length);
        }
        emitter.emit("data", stream.subarray(at));
        const reply = await exchange.reply("start-control-connection-reply", 1000);
        expect(reply).toMatchObject({ outcome: "answered", message: { hostName: sccrp.hostName } });
      }),
      { numRuns: 100 },
    );
  });

  it("never throws on random bytes: the wait ends answered, garbled or timed out", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 5 }), async (chunks) => {
        const { socket, emitter } = fakeSocket();
        const exchange = new ControlExchange(socket);
        for (const chunk of chunks) emitter.emit("data", chunk);
        const reply = await exchange.reply("outgoing-call-reply", 1);
        expect(["answered", "garbled", "no-reply"]).toContain(reply.outcome);
      }),
      { numRuns: 200 },
    );
  });

  it("wakes a waiting reply on close and on error, and sends nothing afterwards", async () => {
    const { socket, emitter, written } = fakeSocket();
    const exchange = new ControlExchange(socket);
    const waiting = exchange.reply("start-control-connection-reply", 10_000);
    emitter.emit("error", Object.assign(new Error("reset"), { code: "ECONNRESET" }));
    emitter.emit("close");
    await expect(waiting).resolves.toEqual({ outcome: "closed", error: "ECONNRESET" });
    exchange.send({ type: "echo-request", identifier: 1 });
    expect(written).toHaveLength(0);
  });
});
