import { describe, expect, it } from "vitest";
import {
  emitControlFrames,
  emitWrapFrame,
  parseWrapFrame,
  WRAP_MAX_CONTROL_CHUNK,
  WRAP_MAX_FRAME_LENGTH,
  WRAP_MAX_GRE_PACKET,
  WRAP_MAX_RELAY_MESSAGE,
  wrapFrameTooLarge,
} from "../../src/wire/frame.js";
import { hex } from "./hex.js";

function frameOf(tag: number, payloadLength: number): Uint8Array {
  const bytes = new Uint8Array(1 + payloadLength).fill(0x20);
  bytes[0] = tag;
  return bytes;
}

describe("wrap frame limits", () => {
  it("are the numbers PROTOCOL.md states", () => {
    expect([
      WRAP_MAX_CONTROL_CHUNK,
      WRAP_MAX_GRE_PACKET,
      WRAP_MAX_RELAY_MESSAGE,
      WRAP_MAX_FRAME_LENGTH,
    ]).toEqual([4096, 1600, 2048, 4097]);
  });

  it("accept a control chunk of exactly 4096 bytes and refuse 4097 as too large", () => {
    expect(parseWrapFrame(frameOf(0x01, 4096)).ok).toBe(true);
    expect(wrapFrameTooLarge(frameOf(0x01, 4096))).toBe(false);
    expect(parseWrapFrame(frameOf(0x01, 4097)).ok).toBe(false);
    expect(wrapFrameTooLarge(frameOf(0x01, 4097))).toBe(true);
  });

  it("accept a GRE packet of 1600 bytes and refuse 1601 as too large", () => {
    expect(parseWrapFrame(frameOf(0x02, 1600)).ok).toBe(true);
    expect(wrapFrameTooLarge(frameOf(0x02, 1601))).toBe(true);
    expect(parseWrapFrame(frameOf(0x02, 1601)).ok).toBe(false);
  });

  it("refuse a relay message over 2048 bytes as too large, even one that would parse", () => {
    const frame = frameOf(0x03, 2049);
    frame[1] = 0x7f; // an unknown message type: fine by itself, but too long
    expect(wrapFrameTooLarge(frame)).toBe(true);
    expect(parseWrapFrame(frame).ok).toBe(false);
  });

  it("let unknown channels use the whole frame, and no more", () => {
    expect(parseWrapFrame(frameOf(0x09, 4096))).toMatchObject({
      ok: true,
      value: { channel: "unknown", tag: 9 },
    });
    expect(wrapFrameTooLarge(frameOf(0x09, 4097))).toBe(true);
  });

  it("do not call short malformed frames too large", () => {
    expect(wrapFrameTooLarge(new Uint8Array(0))).toBe(false);
    expect(wrapFrameTooLarge(hex("01"))).toBe(false);
    expect(wrapFrameTooLarge(hex("03 01"))).toBe(false);
  });
});

describe("parseWrapFrame", () => {
  it("refuses an empty message, an empty control chunk and an empty GRE packet", () => {
    expect(parseWrapFrame(new Uint8Array(0))).toEqual({ ok: false, reason: "wrap frame is empty" });
    expect(parseWrapFrame(hex("01"))).toEqual({ ok: false, reason: "control frame carries no bytes" });
    expect(parseWrapFrame(hex("02"))).toEqual({ ok: false, reason: "GRE frame carries no packet" });
  });

  it("refuses a relay frame whose message does not parse, with the message's reason", () => {
    expect(parseWrapFrame(hex("03"))).toEqual({ ok: false, reason: "relay message is empty" });
    expect(parseWrapFrame(hex("03 04 00 00 75"))).toEqual({
      ok: false,
      reason: "goaway shorter than its 4-byte delay",
    });
  });

  it("accepts an empty frame on an unknown channel (tag 0x00 included)", () => {
    expect(parseWrapFrame(hex("00"))).toEqual({
      ok: true,
      value: { channel: "unknown", tag: 0, payload: new Uint8Array(0) },
    });
  });

  it("returns views of the input rather than copies", () => {
    const bytes = hex("02 20 81 88 0B 00 00 00 2A 00 00 00 05");
    const result = parseWrapFrame(bytes);
    if (!result.ok || result.value.channel !== "gre") throw new Error("expected a GRE frame");
    expect(result.value.packet.buffer).toBe(bytes.buffer);
    expect(result.value.packet.byteOffset).toBe(1);
  });
});

describe("emitWrapFrame", () => {
  it("refuses payloads the receiver would refuse", () => {
    expect(() => emitWrapFrame({ channel: "control", bytes: new Uint8Array(0) })).toThrow(RangeError);
    expect(() => emitWrapFrame({ channel: "control", bytes: new Uint8Array(4097) })).toThrow(RangeError);
    expect(() => emitWrapFrame({ channel: "gre", packet: new Uint8Array(1601) })).toThrow(RangeError);
    expect(() => emitWrapFrame({ channel: "unknown", tag: 9, payload: new Uint8Array(4097) })).toThrow(
      RangeError,
    );
  });

  it("refuses to emit an 'unknown' frame on an assigned or impossible tag", () => {
    for (const tag of [1, 2, 3, -1, 256, 1.5])
      expect(() => emitWrapFrame({ channel: "unknown", tag, payload: hex("00") })).toThrow(RangeError);
  });
});

describe("emitControlFrames", () => {
  it("emits nothing for no bytes and one frame for a short run", () => {
    expect(emitControlFrames(new Uint8Array(0))).toEqual([]);
    expect(emitControlFrames(hex("00 9C"))).toEqual([hex("01 00 9C")]);
  });

  it("splits a long run into chunks whose concatenation is the run", () => {
    const run = Uint8Array.from({ length: 2 * 4096 + 5 }, (_, i) => i & 0xff);
    const frames = emitControlFrames(run);
    expect(frames.map((f) => f.length)).toEqual([4097, 4097, 6]);
    const rejoined = frames.flatMap((f) => {
      const parsed = parseWrapFrame(f);
      if (!parsed.ok || parsed.value.channel !== "control") throw new Error("expected control frames");
      return [...parsed.value.bytes];
    });
    expect(Uint8Array.from(rejoined)).toEqual(run);
  });
});
