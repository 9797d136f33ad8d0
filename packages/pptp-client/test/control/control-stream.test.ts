import { describe, expect, it } from "vitest";
import { concatBytes, fromHex } from "../../src/util/bytes.js";
import { type ControlFrame, ControlStreamReader } from "../../src/wire/control-stream.js";
import type { ParseResult } from "../../src/wire/parse-result.js";

const echoRequest = fromHex("0010 0001 1A2B3C4D 0005 0000  00000009");
const setLinkInfo = fromHex("0018 0001 1A2B3C4D 000F 0000  0000 0000 FFFFFFFF FFFFFFFF");
const outgoingCallReply = fromHex(
  "0020 0001 1A2B3C4D 0008 0000  0000 1234 01 00 0000 00989680 0040 0000 00000000",
);
/** A management message (type 2): nobody defined any, so it is skipped whole. */
const management = fromHex("0014 0002 1A2B3C4D 0001 0000  01020304 05060708");
const stream = concatBytes(echoRequest, management, outgoingCallReply, setLinkInfo);

function drain(reader: ControlStreamReader): ParseResult<ControlFrame>[] {
  const out: ParseResult<ControlFrame>[] = [];
  for (let frame = reader.next(); frame !== undefined; frame = reader.next()) {
    out.push(frame);
    if (!frame.ok) break;
  }
  return out;
}

function readInChunks(bytes: Uint8Array, cuts: readonly number[]): ParseResult<ControlFrame>[] {
  const reader = new ControlStreamReader();
  const frames: ParseResult<ControlFrame>[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    reader.push(bytes.subarray(from, cut));
    frames.push(...drain(reader));
    from = cut;
  }
  return frames;
}

describe("control stream reader", () => {
  const whole = readInChunks(stream, []);

  it("yields coalesced messages in order and skips the management message", () => {
    expect(whole.map((f) => (f.ok ? f.value.kind : "error"))).toEqual([
      "message",
      "ignored",
      "message",
      "message",
    ]);
    expect(whole.map((f) => (f.ok && f.value.kind === "message" ? f.value.message.type : ""))).toEqual([
      "echo-request",
      "",
      "outgoing-call-reply",
      "set-link-info",
    ]);
  });

  it("gives the same frames for every single split point", () => {
    for (let cut = 0; cut <= stream.length; cut++) expect(readInChunks(stream, [cut])).toEqual(whole);
  });

  it("gives the same frames for every pair of split points", () => {
    for (let a = 0; a <= stream.length; a += 3) {
      for (let b = a; b <= stream.length; b += 5) expect(readInChunks(stream, [a, b])).toEqual(whole);
    }
  });

  it("gives the same frames fed one byte at a time", () => {
    const cuts = Array.from({ length: stream.length }, (_, i) => i);
    expect(readInChunks(stream, cuts)).toEqual(whole);
  });

  it("waits for the rest of a message and holds only what is unread", () => {
    const reader = new ControlStreamReader();
    reader.push(outgoingCallReply.subarray(0, 20));
    expect(reader.next()).toBeUndefined();
    expect(reader.bufferedBytes).toBe(20);
    reader.push(outgoingCallReply.subarray(20));
    expect(reader.next()).toMatchObject({ ok: true, value: { kind: "message" } });
    expect(reader.bufferedBytes).toBe(0);
  });

  it("skips a well-framed message of unknown type or wrong length, then carries on", () => {
    const unknownType = fromHex("0010 0001 1A2B3C4D 0063 0000  00000000");
    const stretchedEcho = fromHex("0014 0001 1A2B3C4D 0005 0000  00000001 00000000");
    const frames = readInChunks(concatBytes(unknownType, stretchedEcho, echoRequest), []);
    expect(frames.map((f) => (f.ok ? f.value.kind : "error"))).toEqual(["ignored", "ignored", "message"]);
  });

  it.each([
    ["0", "0000 0001 1A2B3C4D"],
    ["11 (shorter than the header)", "000B 0001 1A2B3C4D"],
    ["221 (longer than any message)", "00DD 0001 1A2B3C4D"],
    ["65535", "FFFF 0001 1A2B3C4D"],
  ])("fails for good on a Length of %s", (_, hex) => {
    const reader = new ControlStreamReader();
    reader.push(fromHex(hex));
    const failure = reader.next();
    expect(failure).toMatchObject({ ok: false, reason: expect.stringContaining("lost sync") });
    reader.push(echoRequest);
    expect(reader.next()).toEqual(failure);
  });

  it("fails on a bad Magic Cookie as soon as its 8 octets are there", () => {
    const reader = new ControlStreamReader();
    reader.push(fromHex("0010 0001 1A2B3C"));
    expect(reader.next()).toBeUndefined();
    reader.push(fromHex("00"));
    expect(reader.next()).toMatchObject({ ok: false, reason: expect.stringContaining("Magic Cookie") });
  });

  it("fails after good messages when garbage follows them", () => {
    const frames = readInChunks(
      concatBytes(echoRequest, fromHex("0010 0001 DEADBEEF 0005 0000 00000000")),
      [],
    );
    expect(frames.map((f) => f.ok)).toEqual([true, false]);
  });

  it("caps unread data instead of growing without bound", () => {
    const reader = new ControlStreamReader(64);
    reader.push(concatBytes(echoRequest, echoRequest, echoRequest, echoRequest));
    expect(drain(reader)).toHaveLength(4);
    reader.push(new Uint8Array(65));
    expect(reader.next()).toMatchObject({ ok: false, reason: expect.stringContaining("64 octets") });
    expect(reader.bufferedBytes).toBe(0);
  });
});
