/** Whatever the relay sends, in whatever order and timing, the client session answers with values, never throws. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { WrapClientSession, type WrapSessionEvent } from "../../src/client/wrap-client-session.js";
import { emitWrapFrame, RELAY_ERROR_CODE, type RelayErrorCode } from "../../src/wire/index.js";
import { drainEvents, drainFrames, relayFrame, SERVER, T0, TOKEN, welcomeFrame } from "./session-harness.js";

const u32 = fc.integer({ min: 0, max: 0xffffffff });

const validFrame = fc.oneof(
  fc.constant(welcomeFrame),
  fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => emitWrapFrame({ channel: "control", bytes })),
  fc.uint8Array({ minLength: 1, maxLength: 64 }).map((packet) => emitWrapFrame({ channel: "gre", packet })),
  fc
    .tuple(
      fc.constantFrom(...(Object.keys(RELAY_ERROR_CODE) as RelayErrorCode[])),
      fc.string({ maxLength: 40 }),
    )
    .map(([code, message]) => relayFrame({ type: "error", code, message })),
  u32.map((reconnectAfterMs) => relayFrame({ type: "goaway", reconnectAfterMs })),
  fc
    .tuple(fc.constantFrom("probe" as const, "probe-reply" as const), u32, u32)
    .map(([type, id, sentAt]) => relayFrame({ type, id, sentAt })),
);

/** Valid frames with a byte flipped, cut short or extended: the near misses a fuzzer finds first. */
const mutatedFrame = fc
  .tuple(validFrame, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom("flip", "cut", "grow"))
  .map(([frame, at, value, how]) => {
    const i = frame.length === 0 ? 0 : at % frame.length;
    if (how === "cut") return frame.subarray(0, i);
    if (how === "grow") return Uint8Array.from([...frame, value]);
    const copy = Uint8Array.from(frame);
    copy[i] = value;
    return copy;
  });

const input = fc.oneof(
  fc.record({
    kind: fc.constant("frame" as const),
    bytes: fc.oneof(validFrame, mutatedFrame, fc.uint8Array()),
  }),
  fc.record({ kind: fc.constant("text" as const) }),
  fc.record({ kind: fc.constant("timeout" as const) }),
  fc.record({ kind: fc.constant("closed" as const), status: fc.integer({ min: 0, max: 65535 }) }),
  fc.record({ kind: fc.constant("send" as const), bytes: fc.uint8Array({ maxLength: 5000 }) }),
  fc.record({ kind: fc.constant("close" as const) }),
);

describe("client session properties", () => {
  it("never throws, reports at most one closed event and nothing after it", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(input, fc.nat({ max: 20_000 })), { maxLength: 40 }), (steps) => {
        const session = new WrapClientSession(SERVER, TOKEN);
        session.start(T0);
        let now = T0;
        const events: WrapSessionEvent[] = [];
        for (const [step, elapsed] of steps) {
          now += elapsed;
          switch (step.kind) {
            case "frame":
              session.handleFrame(step.bytes, now);
              break;
            case "text":
              session.handleTextMessage(now);
              break;
            case "timeout":
              session.handleTimeout(session.nextTimeout() ?? now);
              break;
            case "closed":
              session.handleClosed(step.status, "", now);
              break;
            case "send":
              session.sendControl(step.bytes);
              session.sendGre(step.bytes);
              break;
            case "close":
              session.close();
              break;
          }
          drainFrames(session);
          session.pollClose();
          events.push(...drainEvents(session));
        }
        const closedAt = events.findIndex((event) => event.type === "closed");
        expect(events.filter((event) => event.type === "closed").length).toBeLessThanOrEqual(1);
        if (closedAt >= 0) expect(closedAt).toBe(events.length - 1);
        expect(events.filter((event) => event.type === "welcome").length).toBeLessThanOrEqual(1);
      }),
      { numRuns: 500 },
    );
  });

  it("every closed event before welcome carries an error (the open call needs a reason)", () => {
    fc.assert(
      fc.property(
        fc.oneof(mutatedFrame, fc.uint8Array()),
        fc.integer({ min: 0, max: 65535 }),
        (bytes, status) => {
          const session = new WrapClientSession(SERVER, TOKEN);
          session.start(T0);
          session.handleFrame(bytes, T0);
          session.handleClosed(status, "", T0);
          const closed = drainEvents(session).find((event) => event.type === "closed");
          if (closed?.type === "closed") expect(closed.error).toBeDefined();
        },
      ),
      { numRuns: 500 },
    );
  });
});
