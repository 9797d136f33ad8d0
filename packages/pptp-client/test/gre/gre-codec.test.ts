import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "../../src/util/bytes.js";
import {
  GRE_MAX_HEADER_LENGTH,
  GRE_PROTOCOL_PPP,
  type GreHeader,
  greHeaderLength,
  parseGreHeader,
  writeGreHeaderBefore,
} from "../../src/wire/gre.js";

// Written by hand from the RFC 2637 section 4.1 layout:
//   byte 0: C R K S s Recur (K = 0x20, S = 0x10); byte 1: A Flags Ver (A = 0x80, Ver = 1); protocol 880B;
//   payload length; call id; sequence number if S; acknowledgement number if A.
const VECTORS: { name: string; hex: string; header: GreHeader; headerLength: number }[] = [
  {
    name: "8 bytes: key only",
    hex: "20 01 880B 0000 002A",
    header: { callId: 0x2a, payloadLength: 0 },
    headerLength: 8,
  },
  {
    name: "12 bytes: data with a sequence number",
    hex: "30 01 880B 0004 1234 00000007 DEADBEEF",
    header: { callId: 0x1234, payloadLength: 4, seq: 7 },
    headerLength: 12,
  },
  {
    name: "12 bytes: ack-only (the ack sits where the sequence number would)",
    hex: "20 81 880B 0000 1234 00000005",
    header: { callId: 0x1234, payloadLength: 0, ack: 5 },
    headerLength: 12,
  },
  {
    name: "16 bytes: data with sequence and acknowledgement numbers",
    hex: "30 81 880B 0002 ABCD FFFFFFFF 80000001 0102",
    header: { callId: 0xabcd, payloadLength: 2, seq: 0xffffffff, ack: 0x80000001 },
    headerLength: 16,
  },
];

describe("enhanced GRE header codec", () => {
  it("exports the PPP protocol type and the largest header", () => {
    expect(GRE_PROTOCOL_PPP).toBe(0x880b);
    expect(GRE_MAX_HEADER_LENGTH).toBe(16);
    expect([
      greHeaderLength(false, false),
      greHeaderLength(true, false),
      greHeaderLength(false, true),
    ]).toEqual([8, 12, 12]);
    expect(greHeaderLength(true, true)).toBe(16);
  });

  for (const v of VECTORS) {
    it(`parses ${v.name}`, () => {
      const result = parseGreHeader(fromHex(v.hex));
      expect(result).toEqual({ ok: true, value: { ...v.header, headerLength: v.headerLength } });
    });

    it(`emits ${v.name} byte for byte`, () => {
      const expected = fromHex(v.hex);
      const buf = new Uint8Array(GRE_MAX_HEADER_LENGTH + v.header.payloadLength);
      buf.set(expected.subarray(v.headerLength), GRE_MAX_HEADER_LENGTH);
      const start = writeGreHeaderBefore(buf, GRE_MAX_HEADER_LENGTH, v.header);
      expect(start).toBe(GRE_MAX_HEADER_LENGTH - v.headerLength);
      expect(toHex(buf.subarray(start))).toBe(toHex(expected));
    });
  }

  it("accepts trailing bytes after the payload (payload length rules)", () => {
    const result = parseGreHeader(fromHex("30 01 880B 0001 0001 00000000 AA BBCC"));
    expect(result.ok && result.value.payloadLength).toBe(1);
  });

  const rejects: [string, string][] = [
    ["empty", ""],
    ["shorter than the base header", "30 01 880B 0000 00"],
    ["version 0 (plain GRE)", "30 00 880B 0000 0001 00000000"],
    ["version 2", "30 02 880B 0000 0001 00000000"],
    ["key flag missing", "10 01 880B 0000 0001 00000000"],
    ["checksum flag set", "B0 01 880B 0000 0001 00000000"],
    ["routing flag set", "70 01 880B 0000 0001 00000000"],
    ["strict source route set", "38 01 880B 0000 0001 00000000"],
    ["recursion control set", "31 01 880B 0000 0001 00000000"],
    ["reserved flags set", "30 09 880B 0000 0001 00000000"],
    ["protocol IPv4 instead of PPP", "30 01 0800 0000 0001 00000000"],
    ["truncated sequence number", "30 01 880B 0000 0001 0000"],
    ["truncated acknowledgement number", "30 81 880B 0000 0001 00000000 0000"],
    ["payload length past the end", "30 01 880B 0005 0001 00000000 01020304"],
  ];
  for (const [name, hex] of rejects) {
    it(`rejects ${name}`, () => {
      const result = parseGreHeader(fromHex(hex));
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.reason.length).toBeGreaterThan(0);
    });
  }

  it("refuses to write a header with no room before the payload", () => {
    expect(() =>
      writeGreHeaderBefore(new Uint8Array(20), 11, { callId: 1, payloadLength: 0, seq: 1 }),
    ).toThrow(RangeError);
    expect(() => writeGreHeaderBefore(new Uint8Array(20), 16, { callId: 1, payloadLength: 5 })).toThrow(
      RangeError,
    );
  });

  const headerArb = fc.record(
    {
      callId: fc.integer({ min: 0, max: 0xffff }),
      payloadLength: fc.integer({ min: 0, max: 64 }),
      seq: fc.integer({ min: 0, max: 0xffffffff }),
      ack: fc.integer({ min: 0, max: 0xffffffff }),
    },
    { requiredKeys: ["callId", "payloadLength"] },
  );

  it("round-trips any header (property)", () => {
    fc.assert(
      fc.property(headerArb, fc.integer({ min: 0, max: 8 }), (header, trailing) => {
        const buf = new Uint8Array(GRE_MAX_HEADER_LENGTH + header.payloadLength + trailing);
        const start = writeGreHeaderBefore(buf, GRE_MAX_HEADER_LENGTH, header);
        const result = parseGreHeader(buf.subarray(start));
        expect(result).toEqual({
          ok: true,
          value: {
            ...header,
            headerLength: greHeaderLength(header.seq !== undefined, header.ack !== undefined),
          },
        });
      }),
    );
  });

  it("never throws on random bytes (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        parseGreHeader(bytes);
      }),
    );
  });

  it("never throws on mutated valid headers, and never reads a payload past the end (property)", () => {
    fc.assert(
      fc.property(
        headerArb,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        fc.nat(),
        (header, mutations, cut) => {
          const buf = new Uint8Array(GRE_MAX_HEADER_LENGTH + header.payloadLength);
          const packet = buf.subarray(writeGreHeaderBefore(buf, GRE_MAX_HEADER_LENGTH, header));
          for (const [at, value] of mutations) packet[at % packet.length] = value;
          const sliced = packet.subarray(0, packet.length - (cut % (packet.length + 1)));
          const result = parseGreHeader(sliced);
          if (result.ok)
            expect(result.value.headerLength + result.value.payloadLength).toBeLessThanOrEqual(sliced.length);
        },
      ),
    );
  });
});
