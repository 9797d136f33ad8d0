import { describe, expect, it } from "vitest";
import { connectOptionsFor } from "../../src/tunnel/connect-options.js";
import { PROFILE } from "./fakes.js";

const ENV = {
  configureFor: () => async () => ({ ok: true as const, value: async () => {} }),
  decisionsFile: "/state/decisions.json",
  onEvent: () => {},
};

describe("a profile and one connect's secrets as connect options", () => {
  it("carries the password, the relay with its token, MPPE policy and keepalive", () => {
    const options = connectOptionsFor(
      { ...PROFILE, keepalive: { lcpEchoIntervalMs: 5000, failures: 3 }, greTimeoutMs: 2000 },
      { password: "pw", relayToken: "tok" },
      ENV,
    );
    expect(options).toMatchObject({
      server: "vpn.example",
      transport: "auto",
      greTimeoutMs: 2000,
      relay: { url: "wss://relay.example/ferry", token: "tok", trust: { kind: "system" } },
      session: {
        userName: "alice",
        password: "pw",
        mtu: 1400,
        mppe: { required: true, strengths: [128] },
        timers: { lcpEchoIntervalMs: 5000, lcpEchoFailures: 3 },
      },
    });
  });

  it("leaves the relay out without a token, so auto goes direct and wrap explains what is missing", () => {
    const options = connectOptionsFor(
      { ...PROFILE, mppe: { strength: "optional", stateful: true } },
      { password: "pw" },
      ENV,
    );
    expect(options.relay).toBeUndefined();
    expect(options.session.timers).toBeUndefined();
    expect(options.session.mppe).toEqual({
      required: false,
      strengths: [128, 56, 40],
      allowStateless: false,
      allowStateful: true,
    });
  });
});
