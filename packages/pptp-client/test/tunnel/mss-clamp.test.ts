import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { clampTcpMss, mssForMtu } from "../../src/tunnel/mss-clamp.js";
import { fromHex, readU16 } from "../../src/util/bytes.js";
import { mssOption, recomputedTcpChecksum, tcpChecksumValid, tcpPacket } from "./tcp-segments.js";

// Captured from Linux 6.18 over a veth pair (checksum offload off): 198.51.100.2:45594 -> 198.51.100.1:8080.
// Options: MSS 1460, SACK permitted, timestamps, NOP, window scale 10.
const REAL_SYN = fromHex(`
  45 00 00 3c 0c 5a 40 00 40 06 d9 f7 c6 33 64 02 c6 33 64 01
  b2 1a 1f 90 39 12 41 67 00 00 00 00 a0 02 fa f0 1f 79 00 00
  02 04 05 b4 04 02 08 0a 1b 6d 71 97 00 00 00 00 01 03 03 0a`);
// MSS 1360 = 0x0550; the checksum rises by 0x05b4 - 0x0550 = 0x64: 0x1f79 -> 0x1fdd.
const REAL_SYN_CLAMPED = fromHex(`
  45 00 00 3c 0c 5a 40 00 40 06 d9 f7 c6 33 64 02 c6 33 64 01
  b2 1a 1f 90 39 12 41 67 00 00 00 00 a0 02 fa f0 1f dd 00 00
  02 04 05 50 04 02 08 0a 1b 6d 71 97 00 00 00 00 01 03 03 0a`);
// The SYN-ACK answering it.
const REAL_SYN_ACK = fromHex(`
  45 00 00 3c 00 00 40 00 40 06 e6 51 c6 33 64 01 c6 33 64 02
  1f 90 b2 1a 53 03 cd 82 39 12 41 68 a0 12 fe 88 12 03 00 00
  02 04 05 b4 04 02 08 0a 1b 49 cd fd 1b 6d 71 97 01 03 03 0a`);
// The final ACK of a handshake (no SYN), reusing the SYN's addressing.
const PLAIN_ACK = fromHex(`
  45 00 00 28 0c 5b 40 00 40 06 d9 f7 c6 33 64 02 c6 33 64 01
  b2 1a 1f 90 39 12 41 68 53 03 cd 83 50 10 01 f6 00 00 00 00`);

describe("mssForMtu", () => {
  it("leaves room for the IPv4 and TCP headers", () => {
    expect(mssForMtu(1400)).toBe(1360);
    expect(mssForMtu(1500)).toBe(1460);
  });
});

describe("clampTcpMss on captured packets", () => {
  it("the captures carry valid checksums", () => {
    expect(tcpChecksumValid(REAL_SYN)).toBe(true);
    expect(tcpChecksumValid(REAL_SYN_ACK)).toBe(true);
  });

  it("clamps a real SYN from 1460 to 1360 and patches the checksum", () => {
    const packet = REAL_SYN.slice();
    expect(clampTcpMss(packet, 1360)).toBe(true);
    expect(packet).toEqual(REAL_SYN_CLAMPED);
    expect(tcpChecksumValid(packet)).toBe(true);
    expect(readU16(packet, 36)).toBe(recomputedTcpChecksum(packet));
  });

  it("clamps a SYN-ACK too", () => {
    const packet = REAL_SYN_ACK.slice();
    expect(clampTcpMss(packet, 1360)).toBe(true);
    expect(mssOption(packet)).toBe(1360);
    expect(tcpChecksumValid(packet)).toBe(true);
  });

  it("leaves an MSS at or below the limit alone", () => {
    for (const limit of [1460, 1500, 65535]) {
      const packet = REAL_SYN.slice();
      expect(clampTcpMss(packet, limit)).toBe(false);
      expect(packet).toEqual(REAL_SYN);
    }
  });

  it("ignores segments without SYN", () => {
    const packet = PLAIN_ACK.slice();
    expect(clampTcpMss(packet, 536)).toBe(false);
    expect(packet).toEqual(PLAIN_ACK);
  });

  it("ignores other protocols, IPv6, later fragments and truncated packets", () => {
    const udp = REAL_SYN.slice();
    udp[9] = 17;
    const ipv6 = REAL_SYN.slice();
    ipv6[0] = 0x60;
    const laterFragment = REAL_SYN.slice();
    laterFragment[7] = 0x03;
    const truncated = REAL_SYN.slice(0, 44);
    const shortTotalLength = REAL_SYN.slice();
    shortTotalLength[3] = 0x30;
    for (const packet of [udp, ipv6, laterFragment, truncated, shortTotalLength]) {
      const before = packet.slice();
      expect(clampTcpMss(packet, 1360)).toBe(false);
      expect(packet).toEqual(before);
    }
  });

  it("clamps the first fragment of a fragmented SYN", () => {
    const packet = REAL_SYN.slice();
    packet[6] = 0x20; // MF set, offset 0
    expect(clampTcpMss(packet, 1360)).toBe(true);
    expect(mssOption(packet)).toBe(1360);
  });

  it("leaves malformed options alone", () => {
    const zeroLength = REAL_SYN.slice();
    zeroLength[41] = 0; // an option of length 0 would make a naive walk loop forever
    const overrun = REAL_SYN.slice();
    overrun[41] = 0x30; // MSS option longer than the header
    const wrongMssLength = REAL_SYN.slice();
    wrongMssLength[41] = 6;
    for (const packet of [zeroLength, overrun, wrongMssLength]) {
      const before = packet.slice();
      expect(clampTcpMss(packet, 1360)).toBe(false);
      expect(packet).toEqual(before);
    }
  });

  it("stops at End of Option List", () => {
    const packet = tcpPacket({
      ipOptions: new Uint8Array(0),
      tcpOptions: Uint8Array.of(0, 2, 4, 5, 0xb4, 0, 0, 0),
      flags: 0x02,
      payload: new Uint8Array(0),
    });
    expect(clampTcpMss(packet, 1360)).toBe(false);
  });
});

describe("clampTcpMss with IP options and unaligned MSS", () => {
  it("finds the TCP header past IP options", () => {
    const packet = tcpPacket({
      ipOptions: Uint8Array.of(0x94, 4, 0, 0, 1, 1, 1, 0), // Router Alert, NOP, NOP, NOP, EOL
      tcpOptions: Uint8Array.of(2, 4, 0x05, 0xb4),
      flags: 0x02,
      payload: new Uint8Array(0),
    });
    expect(clampTcpMss(packet, 1360)).toBe(true);
    expect(mssOption(packet)).toBe(1360);
    expect(tcpChecksumValid(packet)).toBe(true);
  });

  it("patches the checksum when the MSS value sits at an odd offset", () => {
    const packet = tcpPacket({
      ipOptions: new Uint8Array(0),
      tcpOptions: Uint8Array.of(1, 2, 4, 0x05, 0xb4, 1, 1, 0),
      flags: 0x02,
      payload: Uint8Array.of(1, 2, 3),
    });
    expect(clampTcpMss(packet, 1360)).toBe(true);
    expect(mssOption(packet)).toBe(1360);
    expect(tcpChecksumValid(packet)).toBe(true);
  });
});

/** TCP options bytes: NOPs, at most one MSS and other kinds in random order, padded with EOL to 4 bytes. */
const tcpOptionsArbitrary = fc
  .array(
    fc.oneof(
      fc.constant([1]),
      fc.integer({ min: 0, max: 0xffff }).map((mss) => [2, 4, mss >>> 8, mss & 0xff]),
      fc
        .tuple(fc.integer({ min: 3, max: 254 }), fc.uint8Array({ maxLength: 6 }))
        .map(([kind, data]) => [kind, data.length + 2, ...data]),
    ),
    { maxLength: 8 },
  )
  .map((options) => {
    const bytes: number[] = [];
    let sawMss = false;
    for (const option of options) {
      if (option[0] === 2 && sawMss) continue;
      if (bytes.length + option.length > 40) break;
      sawMss ||= option[0] === 2;
      bytes.push(...option);
    }
    while (bytes.length % 4 !== 0) bytes.push(0);
    return Uint8Array.from(bytes);
  });

const segmentArbitrary = fc.record({
  ipOptions: fc.integer({ min: 0, max: 10 }).map((words) => new Uint8Array(words * 4).fill(1)),
  tcpOptions: tcpOptionsArbitrary,
  flags: fc.constantFrom(0x02, 0x12, 0x10, 0x18, 0x11),
  payload: fc.uint8Array({ maxLength: 64 }),
});

/** A view that throws on any access past the end, so an out-of-bounds read cannot hide as `undefined`. */
function boundsChecked(bytes: Uint8Array): Uint8Array {
  const inBounds = (key: string | symbol): boolean => {
    if (typeof key !== "string" || !/^-?\d+$/.test(key)) return true;
    const index = Number(key);
    return index >= 0 && index < bytes.length;
  };
  return new Proxy(bytes, {
    get(target, key) {
      if (!inBounds(key)) throw new RangeError(`read at ${String(key)} of ${target.length}`);
      const value = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
    set(target, key, value) {
      if (!inBounds(key)) throw new RangeError(`write at ${String(key)} of ${target.length}`);
      return Reflect.set(target, key, value);
    },
  });
}

describe("clampTcpMss properties", () => {
  it("keeps the checksum valid and lowers only SYN MSS values above the limit", () => {
    fc.assert(
      fc.property(segmentArbitrary, fc.integer({ min: 0, max: 0xffff }), (layout, limit) => {
        const packet = tcpPacket(layout);
        const mss = mssOption(packet);
        const changed = clampTcpMss(packet, limit);
        const syn = (layout.flags & 0x02) !== 0;
        expect(changed).toBe(syn && mss !== undefined && mss > limit);
        expect(mssOption(packet)).toBe(changed ? limit : mss);
        expect(tcpChecksumValid(packet)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("never throws, never reads out of bounds, and touches at most the MSS and checksum on garbage", () => {
    const looksLikeSyn = fc.uint8Array({ minLength: 0, maxLength: 120 }).map((bytes) => {
      if (bytes.length > 0) bytes[0] = 0x40 | (bytes[0]! & 0x0f);
      if (bytes.length > 9) bytes[9] = 6;
      return bytes;
    });
    const mutatedSyn = fc
      .tuple(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.nat(60))
      .map(([edits, cut]) => {
        const bytes = REAL_SYN.slice(0, REAL_SYN.length - (cut % 20));
        for (const [at, value] of edits) bytes[at % bytes.length] = value;
        return bytes;
      });
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 120 }), looksLikeSyn, mutatedSyn),
        fc.integer({ min: 0, max: 0xffff }),
        (bytes, limit) => {
          const before = bytes.slice();
          const changed = clampTcpMss(boundsChecked(bytes), limit);
          const differing = [...before.keys()].filter((i) => before[i] !== bytes[i]);
          if (!changed) expect(differing).toEqual([]);
          expect(differing.length).toBeLessThanOrEqual(4);
        },
      ),
      { numRuns: 5000 },
    );
  });
});
