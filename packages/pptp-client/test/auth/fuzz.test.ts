import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AuthMethod, AuthPhase } from "../../src/ppp/auth/auth-phase.js";
import { createAuthClient } from "../../src/ppp/auth/create-auth-client.js";
import { fromHex } from "../../src/util/bytes.js";
import {
  parseChapPacket,
  parseMsChapV2Failure,
  parseMsChapV2ResponseValue,
  parseMsChapV2Success,
} from "../../src/wire/chap.js";
import { parsePapPacket } from "../../src/wire/pap.js";
import { createAuthServer } from "../support/peer/auth-server.js";
import { seededRandom } from "../support/seeded-random.js";
import { drain } from "./exchange.js";

const METHODS: readonly AuthMethod[] = ["mschapv2", "chap-md5", "pap"];
const ascii = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);

/** Valid packets of every kind, to mutate. */
const SEEDS = [
  fromHex("01 2C 001A 10 5B5D7C7D7B3F2F3E3C2C602132262628 7070747064"),
  fromHex(
    "02 2C 003A 31 21402324255E262A28295F2B3A337C7E 0000000000000000" +
      " 82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF 00 55736572",
  ),
  Uint8Array.of(3, 0x2c, 0, 46, ...ascii("S=407A5589115FD0D6209F510FE9C04566932CDA56 M=ok")),
  Uint8Array.of(4, 0x2c, 0, 31, ...ascii("E=691 R=1 C=0001 V=3 M=no")),
  fromHex("01 05 000E 04 75736572 04 70617373"),
  fromHex("02 05 000D 08 4C6F67696E206F6B"),
  fromHex("03 05 0004"),
];

/** A valid packet with a few bytes overwritten, truncated or extended. */
const mutated = fc
  .tuple(
    fc.constantFrom(...SEEDS),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
    fc.integer({ min: -8, max: 8 }),
  )
  .map(([seed, edits, resize]) => {
    const out = new Uint8Array(Math.max(0, seed.length + resize));
    out.set(seed.subarray(0, out.length));
    for (const [at, value] of edits) if (out.length > 0) out[at % out.length] = value;
    return out;
  });

const anyBytes = fc.oneof(fc.uint8Array({ maxLength: 80 }), mutated);

describe("parsers never throw", () => {
  it.each([
    ["parseChapPacket", parseChapPacket],
    ["parsePapPacket", parsePapPacket],
    ["parseMsChapV2ResponseValue", parseMsChapV2ResponseValue],
    ["parseMsChapV2Success", parseMsChapV2Success],
    ["parseMsChapV2Failure", parseMsChapV2Failure],
  ] as const)("%s", (_name, parse) => {
    fc.assert(
      fc.property(anyBytes, (bytes) => {
        const result = parse(bytes);
        expect(typeof result.ok).toBe("boolean");
      }),
      { numRuns: 2000 },
    );
  });

  it("parseMsChapV2Failure/Success never throw on text-like input", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), (text) => {
        parseMsChapV2Failure(ascii(text));
        parseMsChapV2Success(ascii(text));
      }),
    );
  });
});

/** Drives a phase to a given point: fresh, waiting for a verdict, or finished. */
function phaseAt(side: "client" | "server", method: AuthMethod, stage: number): AuthPhase {
  const lookup = (user: string) => (user === "alice" ? "secret" : undefined);
  const client = createAuthClient(method, { userName: "alice", password: "secret" }, seededRandom(5));
  const server = createAuthServer(method, lookup, seededRandom(6));
  client.start(0);
  server.start(0);
  for (let step = 0; step < stage; step++) {
    for (const packet of drain(server)) client.handlePacket(packet, 0);
    for (const packet of drain(client)) server.handlePacket(packet, 0);
  }
  return side === "client" ? client : server;
}

describe("handlePacket never throws", () => {
  for (const side of ["client", "server"] as const) {
    for (const method of METHODS) {
      it(`${method} ${side}, at any stage, with any bytes and any timing`, () => {
        fc.assert(
          fc.property(
            fc.integer({ min: 0, max: 2 }),
            fc.array(fc.tuple(anyBytes, fc.integer({ min: 0, max: 40_000 })), { maxLength: 8 }),
            (stage, inputs) => {
              const phase = phaseAt(side, method, stage);
              let now = 0;
              for (const [bytes, step] of inputs) {
                now += step;
                phase.handlePacket(bytes, now);
                phase.handleTimeout(now);
                drain(phase);
                const outcome = phase.pollOutcome();
                if (outcome !== undefined && !outcome.ok) expect(outcome.error.code).toMatch(/^AUTH_/);
              }
            },
          ),
          { numRuns: 300 },
        );
      });
    }
  }
});
