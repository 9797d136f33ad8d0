import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decideNotice } from "../src/main/notifications.js";
import type { Health, TunnelState } from "../src/shared/service-api.js";
import { CONNECTED_DIRECT, CONNECTED_RELAY, DISCONNECTED, health } from "./support/health.js";

const context = { profileName: "Office", userDisconnected: false };
const error = (code: string) =>
  health({
    state: "error",
    profileId: "office",
    error: { code, message: `Failed: ${code}.`, hint: "Try again." },
  });

describe("decideNotice", () => {
  it("announces a connect once it is up", () => {
    const connecting = health({ state: "connecting", profileId: "office" });
    expect(decideNotice(DISCONNECTED, connecting, context)).toBeUndefined();
    expect(decideNotice(connecting, CONNECTED_DIRECT, context)).toMatchObject({
      kind: "connected",
      title: "Connected to Office",
    });
  });

  it("announces the fall back to the relay with the reason", () => {
    const notice = decideNotice(
      health({ state: "connecting", profileId: "office" }),
      CONNECTED_RELAY,
      context,
    );
    expect(notice).toMatchObject({ kind: "relay-fallback", title: "Connected to Office via relay" });
    expect(notice?.body).toContain("no GRE came back");
    expect(decideNotice(CONNECTED_DIRECT, CONNECTED_RELAY, context)?.kind).toBe("relay-fallback");
  });

  it("announces a lost connection, but not one the user ended", () => {
    expect(decideNotice(CONNECTED_DIRECT, DISCONNECTED, context)?.kind).toBe("lost");
    expect(
      decideNotice(CONNECTED_DIRECT, DISCONNECTED, { ...context, userDisconnected: true }),
    ).toBeUndefined();
  });

  it("announces an error with the service's words, and a different error again", () => {
    expect(decideNotice(CONNECTED_DIRECT, error("GRE_TIMEOUT"), context)).toEqual({
      kind: "error",
      title: "Ferry could not keep Office connected",
      body: "Failed: GRE_TIMEOUT. Try again.",
    });
    expect(decideNotice(error("GRE_TIMEOUT"), error("AUTH_FAILED"), context)?.kind).toBe("error");
  });

  it("keeps quiet about degraded links and their recovery", () => {
    const degraded = health({ ...CONNECTED_DIRECT, state: "degraded", degradedBecause: "12 % loss" });
    expect(decideNotice(CONNECTED_DIRECT, degraded, context)).toBeUndefined();
    expect(decideNotice(degraded, CONNECTED_DIRECT, context)).toBeUndefined();
  });

  const states: TunnelState[] = [
    "disconnected",
    "connecting",
    "connected-direct",
    "connected-relay",
    "degraded",
    "error",
  ];
  const arbitraryHealth: fc.Arbitrary<Health> = fc
    .record({
      state: fc.constantFrom(...states),
      code: fc.constantFrom("AUTH_FAILED", "GRE_TIMEOUT"),
      rtt: fc.integer({ min: 0, max: 900 }),
      bytes: fc.nat(),
    })
    .map(({ state, code, rtt, bytes }) =>
      state === "error" ? error(code) : health({ state, profileId: "office", rttMs: rtt, bytesIn: bytes }),
    );

  it("never says the same thing twice in a row, however the figures tick", () => {
    fc.assert(
      fc.property(fc.array(arbitraryHealth, { minLength: 1, maxLength: 40 }), (sequence) => {
        let previous: Health | undefined;
        for (const next of sequence) {
          const notice = decideNotice(previous, next, context);
          // A health with the same state and error as the last one is never news.
          if (
            previous !== undefined &&
            previous.state === next.state &&
            previous.error?.code === next.error?.code
          ) {
            expect(notice).toBeUndefined();
          }
          previous = next;
        }
      }),
    );
  });
});
