/** Property tests: whatever bytes arrive, the parsers answer instead of throwing; valid values survive emit/parse. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  emitWrapFrame,
  parseWrapFrame,
  WRAP_MAX_CONTROL_CHUNK,
  WRAP_MAX_GRE_PACKET,
  type WrapFrame,
  wrapFrameTooLarge,
} from "../../src/wire/frame.js";
import {
  emitRelayMessage,
  MAX_ERROR_MESSAGE_LENGTH,
  parseRelayMessage,
  RELAY_ERROR_CODE,
  type RelayErrorCode,
  type RelayMessage,
} from "../../src/wire/relay-messages.js";

const u32 = fc.integer({ min: 0, max: 0xffffffff });

const hostName = fc
  .tuple(
    fc.array(fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/), { maxLength: 4 }),
    fc.stringMatching(/^[a-zA-Z]([a-zA-Z0-9-]{0,10}[a-zA-Z0-9])?$/),
  )
  .map(([labels, last]) => [...labels, last].join("."));

/** IPv6 text in RFC 5952 form, with the WHATWG URL serializer as an independent oracle (never IPv4-mapped). */
const canonicalIpv6 = fc.ipV6().map((text) => new URL(`http://[${text}]/`).hostname.slice(1, -1));
const address = fc.oneof(
  fc.constant(""),
  fc.ipV4(),
  canonicalIpv6.filter((text) => !text.startsWith("::ffff:")),
);

const errorText = fc
  .string({ unit: "grapheme", maxLength: 300 })
  .filter((text) => Buffer.byteLength(text) <= MAX_ERROR_MESSAGE_LENGTH);

const relayMessage: fc.Arbitrary<RelayMessage> = fc.oneof(
  fc.record({
    type: fc.constant("hello" as const),
    server: fc.oneof(fc.ipV4(), hostName),
    token: fc.stringMatching(/^[!-~]{0,1024}$/),
  }),
  fc.record({
    type: fc.constant("welcome" as const),
    observedAddress: address,
    relayAddress: address,
    sessionId: fc.uint8Array({ minLength: 8, maxLength: 8 }).map((b) => Buffer.from(b).toString("hex")),
  }),
  fc.record({
    type: fc.constant("error" as const),
    code: fc.constantFrom(...(Object.keys(RELAY_ERROR_CODE) as RelayErrorCode[])),
    message: errorText,
  }),
  fc.record({ type: fc.constant("goaway" as const), reconnectAfterMs: u32 }),
  fc.record({ type: fc.constantFrom("probe" as const, "probe-reply" as const), id: u32, sentAt: u32 }),
  fc.record({
    type: fc.constant("unknown" as const),
    code: fc.oneof(fc.constant(0), fc.integer({ min: 7, max: 255 })),
    body: fc.uint8Array({ maxLength: 64 }),
  }),
);

const wrapFrame: fc.Arbitrary<WrapFrame> = fc.oneof(
  fc.record({
    channel: fc.constant("control" as const),
    bytes: fc.uint8Array({ minLength: 1, maxLength: WRAP_MAX_CONTROL_CHUNK }),
  }),
  fc.record({
    channel: fc.constant("gre" as const),
    packet: fc.uint8Array({ minLength: 1, maxLength: WRAP_MAX_GRE_PACKET }),
  }),
  fc.record({ channel: fc.constant("relay" as const), message: relayMessage }),
  fc.record({
    channel: fc.constant("unknown" as const),
    tag: fc.oneof(fc.constant(0), fc.integer({ min: 4, max: 255 })),
    payload: fc.uint8Array({ maxLength: 64 }),
  }),
);

/** A valid frame with bytes flipped, cut off or appended: what a buggy or hostile peer sends. */
const mutatedFrame = fc
  .tuple(
    wrapFrame.map(emitWrapFrame),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
    fc.nat(),
    fc.uint8Array({ maxLength: 8 }),
  )
  .map(([bytes, flips, cut, tail]) => {
    const out = Uint8Array.from([...bytes.subarray(0, Math.max(1, bytes.length - (cut % 4))), ...tail]);
    for (const [at, value] of flips) out[at % out.length] = value;
    return out;
  });

/** Parsing never throws, and anything it accepts emits and re-parses to the same value. */
function checkParses(bytes: Uint8Array): void {
  wrapFrameTooLarge(bytes);
  parseRelayMessage(bytes);
  const result = parseWrapFrame(bytes);
  if (result.ok) expect(parseWrapFrame(emitWrapFrame(result.value))).toEqual(result);
}

describe("wire properties", () => {
  it("emit then parse is the identity for valid relay messages", () => {
    fc.assert(
      fc.property(relayMessage, (message) => {
        expect(parseRelayMessage(emitRelayMessage(message))).toEqual({ ok: true, value: message });
      }),
    );
  });

  it("emit then parse is the identity for valid frames", () => {
    fc.assert(
      fc.property(wrapFrame, (frame) => {
        expect(parseWrapFrame(emitWrapFrame(frame))).toEqual({ ok: true, value: frame });
      }),
    );
  });

  it("random bytes never make a parser throw", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), checkParses), { numRuns: 2000 });
    fc.assert(
      fc.property(fc.constantFrom(0x01, 0x02, 0x03), fc.uint8Array({ maxLength: 5000 }), (tag, payload) =>
        checkParses(Uint8Array.from([tag, ...payload])),
      ),
      { numRuns: 200 },
    );
  });

  it("mutated valid frames never make a parser throw", () => {
    fc.assert(fc.property(mutatedFrame, checkParses), { numRuns: 2000 });
  });
});
