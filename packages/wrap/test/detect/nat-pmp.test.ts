import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { emitExternalAddressRequest, parseExternalAddressResponse } from "../../src/detect/nat-pmp.js";

/** Byte vectors written from RFC 6886 section 3.2's diagrams. */
describe("NAT-PMP external address codec", () => {
  it("emits the 2-byte request: version 0, opcode 0", () => {
    expect([...emitExternalAddressRequest()]).toEqual([0x00, 0x00]);
  });

  it("parses a success response: version 0, opcode 128, result 0, epoch, 203.0.113.7", () => {
    const bytes = Uint8Array.of(0x00, 0x80, 0x00, 0x00, 0x00, 0x01, 0x51, 0x80, 0xcb, 0x00, 0x71, 0x07);
    expect(parseExternalAddressResponse(bytes)).toEqual({
      ok: true,
      value: { resultCode: 0, epochSeconds: 86_400, externalAddress: "203.0.113.7" },
    });
  });

  it("parses a failure result code (3: network failure) with its 0.0.0.0 address", () => {
    const bytes = Uint8Array.of(0x00, 0x80, 0x00, 0x03, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0);
    expect(parseExternalAddressResponse(bytes)).toEqual({
      ok: true,
      value: { resultCode: 3, epochSeconds: 0xffffffff, externalAddress: "0.0.0.0" },
    });
  });

  it("ignores padding after the 12 bytes", () => {
    const bytes = Uint8Array.of(0, 128, 0, 0, 0, 0, 0, 5, 100, 64, 1, 2, 0, 0, 0, 0);
    const result = parseExternalAddressResponse(bytes);
    expect(result.ok && result.value.externalAddress).toBe("100.64.1.2");
  });

  it("refuses short datagrams, other versions and other opcodes", () => {
    const good = [0, 128, 0, 0, 0, 0, 0, 5, 10, 0, 0, 1];
    expect(parseExternalAddressResponse(Uint8Array.from(good.slice(0, 11))).ok).toBe(false);
    expect(parseExternalAddressResponse(new Uint8Array(0)).ok).toBe(false);
    expect(parseExternalAddressResponse(Uint8Array.from([2, ...good.slice(1)])).ok).toBe(false); // PCP version 2
    expect(parseExternalAddressResponse(Uint8Array.from([0, 0, ...good.slice(2)])).ok).toBe(false); // a request
    expect(parseExternalAddressResponse(Uint8Array.from([0, 129, ...good.slice(2)])).ok).toBe(false); // UDP map reply
  });

  it("never throws on random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const result = parseExternalAddressResponse(bytes);
        if (result.ok) expect(result.value.externalAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      }),
    );
  });
});
