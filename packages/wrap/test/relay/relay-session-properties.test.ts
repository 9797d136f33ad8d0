import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { emitWrapFrame } from "../../src/wire/frame.js";
import { emit, greData, ocrp, ocrq, SERVER, sccrp, sccrq } from "./relay-fixtures.js";
import { CLIENT_ADDRESS, drain, helloFrame, newSession, relayFrame } from "./session-harness.js";

/** Frames worth mutating: the ones a real client sends, in every phase. */
const seedFrames = [
  helloFrame(),
  ...[sccrq, ocrq(7)].map((m) => emitWrapFrame({ channel: "control", bytes: emit(m) })),
  emitWrapFrame({ channel: "gre", packet: greData(1) }),
  relayFrame({ type: "probe", id: 1, sentAt: 2 }),
];

const mutatedFrame = fc
  .tuple(
    fc.constantFrom(...seedFrames),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
  )
  .map(([seed, flips]) => {
    const out = seed.slice();
    for (const [at, value] of flips) if (out.length > 0) out[at % out.length] = value;
    return out;
  });

const anyFrame = fc.oneof(fc.uint8Array({ maxLength: 4200 }), mutatedFrame);

type Step =
  | { kind: "client"; bytes: Uint8Array; binary: boolean }
  | { kind: "server"; bytes: Uint8Array }
  | { kind: "gre"; bytes: Uint8Array; unsent: number }
  | { kind: "resolved"; address: string | undefined }
  | { kind: "connected" }
  | { kind: "failed" }
  | { kind: "ended" }
  | { kind: "pong" }
  | { kind: "goaway" }
  | { kind: "timeout" }
  | { kind: "client-closed" };

const serverBytes = fc.oneof(
  fc.uint8Array({ maxLength: 600 }),
  fc.constantFrom(emit(sccrp), emit(ocrp(3, 1)), emit({ type: "echo-request", identifier: 1 })),
);

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ kind: fc.constant("client" as const), bytes: anyFrame, binary: fc.boolean() }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("server" as const), bytes: serverBytes }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("gre" as const),
      bytes: fc.oneof(fc.uint8Array({ maxLength: 1700 }), fc.constant(greData(1))),
      unsent: fc.nat(200_000),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("resolved" as const),
      address: fc.option(fc.constantFrom(SERVER, "127.0.0.1", "192.0.2.1"), { nil: undefined }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<Step>({ kind: "connected" }, { kind: "failed" }, { kind: "ended" }),
  },
  { weight: 1, arbitrary: fc.constantFrom<Step>({ kind: "pong" }, { kind: "goaway" }, { kind: "timeout" }) },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: "client-closed" }) },
);

describe("RelaySession: properties", () => {
  it("never throws, whatever arrives in whatever order, and closes the client at most once", () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const { session } = newSession();
        let now = 0;
        let closes = 0;
        for (const s of steps) {
          now += 500;
          switch (s.kind) {
            case "client":
              session.handleClientMessage(s.bytes, now, s.binary);
              break;
            case "server":
              session.handleServerBytes(s.bytes, now);
              break;
            case "gre":
              session.handleServerGre(s.bytes, now, s.unsent);
              break;
            case "resolved":
              session.resolved(now, s.address);
              break;
            case "connected":
              session.serverConnected(now, CLIENT_ADDRESS, "");
              break;
            case "failed":
              session.serverFailed(now, "ECONNRESET");
              break;
            case "ended":
              session.serverEnded(now);
              break;
            case "pong":
              session.handlePong(now);
              break;
            case "goaway":
              session.goaway(now, 100, 2000);
              break;
            case "timeout":
              now = session.nextTimeout() ?? now;
              session.handleTimeout(now);
              break;
            case "client-closed":
              session.clientClosed(now);
              break;
          }
          closes += drain(session).filter((a) => a.type === "close-client").length;
        }
        expect(closes).toBeLessThanOrEqual(1);
        if (closes === 1) expect(session.closed).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it("answers every malformed first frame with an error and a close, never with a dial", () => {
    fc.assert(
      fc.property(anyFrame, (bytes) => {
        const { session } = newSession();
        session.handleClientMessage(bytes, 0);
        const actions = drain(session);
        expect(actions.some((a) => a.type === "dial")).toBe(false);
        if (session.closed) expect(actions.filter((a) => a.type === "close-client")).toHaveLength(1);
      }),
      { numRuns: 1000 },
    );
  });
});
