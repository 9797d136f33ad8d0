import { describe, expect, it } from "vitest";
import { AuthThrottle } from "../../src/relay/auth-throttle.js";
import type { AuthAttempts } from "../../src/relay/hello-auth.js";
import {
  CLIENT_ADDRESS,
  drain,
  expectRefusal,
  helloFrame,
  newSession,
  TOKEN,
  welcome,
} from "./session-harness.js";

/** AuthAttempts bound to one address of a shared throttle, as the relay binds them. */
function attemptsFor(throttle: AuthThrottle, address = CLIENT_ADDRESS): AuthAttempts {
  return {
    coolingDown: (now) => throttle.coolingDown(address, now),
    failed: (now) => {
      throttle.failed(address, now);
    },
  };
}

describe("RelaySession under token guessing", () => {
  it("reports each wrong token to the throttle, and refuses unchecked while the source cools down", () => {
    const throttle = new AuthThrottle();
    let checks = 0;
    const session = (now: number) =>
      newSession(
        {
          authAttempts: attemptsFor(throttle),
          authorize: (token) => {
            checks++;
            return token === TOKEN;
          },
        },
        now,
      );
    for (let i = 0; i < 5; i++) {
      const { session: s } = session(i);
      s.handleClientMessage(helloFrame(undefined, `guess-${i}`), i);
      expectRefusal(drain(s), "RELAY_AUTH_FAILED", 4001);
    }
    expect(checks).toBe(5);
    // Even the right token is not checked now: the answer tells a guesser nothing.
    const { session: cooling, counters } = session(10);
    cooling.handleClientMessage(helloFrame(), 10);
    expectRefusal(drain(cooling), "RELAY_AUTH_FAILED", 4001);
    expect(checks).toBe(5);
    expect(counters.authThrottled).toBe(1);
    expect(cooling.outcome?.error?.message).toContain("Too many wrong tokens");
    expect(cooling.outcome?.error?.message).not.toContain(TOKEN);
    // After the cool-down the right token works again.
    const { session: later } = session(70_000);
    later.handleClientMessage(helloFrame(), 70_000);
    expect(drain(later)).toEqual([{ type: "resolve", server: "203.0.113.7" }]);
  });

  it("lets a client with a valid certificate through while its address cools down", () => {
    const throttle = new AuthThrottle();
    for (let i = 0; i < 5; i++) throttle.failed(CLIENT_ADDRESS, i);
    const { session } = newSession({ authAttempts: attemptsFor(throttle), clientCertOk: true }, 10);
    session.handleClientMessage(helloFrame(undefined, ""), 10);
    expect(drain(session)[0]?.type).toBe("resolve");
  });

  it("does not count a right token as a failure", () => {
    const throttle = new AuthThrottle();
    for (let i = 0; i < 10; i++) {
      const { session } = newSession({ authAttempts: attemptsFor(throttle) }, i);
      session.handleClientMessage(helloFrame(), i);
      expect(drain(session)[0]?.type).toBe("resolve");
    }
    expect(throttle.trackedSources).toBe(0);
  });
});

describe("RelaySession shed by the handshake gate", () => {
  it("ends a session still awaiting hello with RELAY_BUSY", () => {
    const { session } = newSession();
    expect(session.awaitingHello).toBe(true);
    session.shed(5);
    expectRefusal(drain(session), "RELAY_BUSY", 4006);
    expect(session.awaitingHello).toBe(false);
    expect(session.closed).toBe(true);
  });

  it("leaves a session past its hello alone", () => {
    const { session } = newSession();
    welcome(session);
    expect(session.awaitingHello).toBe(false);
    session.shed(5);
    expect(drain(session)).toEqual([]);
    expect(session.closed).toBe(false);
  });
});
