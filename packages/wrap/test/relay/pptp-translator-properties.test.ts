import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CallIdAllocator } from "../../src/relay/call-id-allocator.js";
import type { PptpTranslator } from "../../src/relay/pptp-translator.js";
import {
  cdn,
  connectCall,
  emit,
  greData,
  handMade,
  newTranslator,
  ocrp,
  ocrq,
  ok,
  SERVER,
  sccrp,
  sccrq,
} from "./relay-fixtures.js";

const bytes = fc.uint8Array({ maxLength: 400 });

/** A valid session's messages in order, then mutated: flipped octets in any of them. */
const validClient = [emit(sccrq), emit(ocrq(7)), emit({ type: "call-clear-request", callId: 7 })];
const validServer = [emit(sccrp), emit(ocrp(0x80, 1)), emit(cdn(1))];

function mutated(messages: Uint8Array[]) {
  return fc
    .tuple(
      fc.nat({ max: messages.length - 1 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }))),
    )
    .map(([which, flips]) =>
      messages.map((message, i) => {
        if (i !== which) return message;
        const copy = message.slice();
        for (const [at, value] of flips) copy[at % copy.length] = value;
        return copy;
      }),
    );
}

describe("PptpTranslator never throws", () => {
  it("on random bytes from either side and random GRE", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), bytes), { maxLength: 20 }), (inputs) => {
        const allocator = new CallIdAllocator<PptpTranslator>(SERVER);
        const t = newTranslator(allocator);
        for (const [fromClient, chunk] of inputs) {
          if (fromClient) t.fromClient(chunk);
          else t.fromServer(chunk);
          t.rewriteGreFromServer(chunk);
          t.checkGreFromClient(chunk);
        }
        t.close();
        expect(allocator.inUse).toBe(0);
      }),
    );
  });

  it("on mutated valid sessions, and never leaks a relay Call ID", () => {
    fc.assert(
      fc.property(mutated(validClient), mutated(validServer), (client, server) => {
        const allocator = new CallIdAllocator<PptpTranslator>(SERVER);
        const t = newTranslator(allocator);
        for (let i = 0; i < client.length; i++) {
          t.fromClient(client[i]!);
          t.fromServer(server[i]!);
          t.rewriteGreFromServer(greData(1));
          t.checkGreFromClient(greData(0x80));
        }
        expect(allocator.inUse).toBeLessThanOrEqual(1);
        t.close();
        expect(allocator.inUse).toBe(0);
      }),
    );
  });

  it("gives the same output, or the same error, for any chunking of the same stream", () => {
    const echo = emit({ type: "echo-request", identifier: 3 });
    const valid = new Uint8Array([...emit(sccrq), ...echo, ...echo]);
    const broken = new Uint8Array([...valid, ...emit(sccrq)]);
    const run = (stream: Uint8Array, cuts: number[]) => {
      const t = newTranslator();
      const out: number[] = [];
      let error: string | undefined;
      const points = [...new Set(cuts.map((cut) => cut % stream.length))].sort((a, b) => a - b);
      let from = 0;
      for (const to of [...points, stream.length]) {
        const result = t.fromClient(stream.subarray(from, to));
        if (result.ok) out.push(...result.toServer);
        else error = result.error.message;
        from = to;
      }
      return { out, error };
    };
    expect(run(valid, [])).toEqual({ out: [...valid], error: undefined });
    const reference = run(broken, []);
    expect(reference.error).toMatch(/second start-control/);
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 30 }), (cuts) => {
        expect(run(valid, cuts)).toEqual({ out: [...valid], error: undefined });
        // Messages before the bad one may or may not have gone out (they shared its chunk or not).
        const ended = run(broken, cuts);
        expect(ended.error).toBe(reference.error);
        expect(valid.subarray(0, ended.out.length)).toEqual(new Uint8Array(ended.out));
      }),
    );
  });

  it("forwards any body octets as sent, only the Call ID patched", () => {
    // Call-Disconnect-Notify (RFC 2637 section 2.13, 136-octet body) naming the relay's Call ID 1; then whatever.
    const anyRest = fc.uint8Array({ minLength: 134, maxLength: 134 });
    fc.assert(
      fc.property(anyRest, (rest) => {
        const t = newTranslator();
        connectCall(t, 0x4242, 0x0180);
        const notify = handMade(13, [0x00, 0x01, ...rest]);
        const want = notify.slice();
        want.set([0x42, 0x42], 12);
        expect(ok(t.fromServer(notify)).toClient).toEqual(want);
      }),
    );
  });
});
