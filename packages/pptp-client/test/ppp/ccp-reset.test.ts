import { describe, expect, it } from "vitest";
import { CcpResetPolicy, RESET_ACK_TIMEOUT_MS } from "../../src/ppp/ccp-reset.js";

describe("CcpResetPolicy (pppd's RACK_PENDING / RREQ_REPEAT)", () => {
  it("sends one request, then stays quiet until the Reset-Ack", () => {
    const policy = new CcpResetPolicy();
    expect(policy.failed(0)).toBe(true);
    expect(policy.failed(5)).toBe(false);
    expect(policy.nextTimeout()).toBe(RESET_ACK_TIMEOUT_MS);
    policy.acked();
    expect(policy.nextTimeout()).toBeUndefined();
    expect(policy.handleTimeout(RESET_ACK_TIMEOUT_MS)).toBe(false);
    expect(policy.failed(2_000)).toBe(true); // a new loss of sync gets its own request
  });

  it("repeats the request at the timeout only if failures continued meanwhile", () => {
    const policy = new CcpResetPolicy();
    policy.failed(0);
    expect(policy.handleTimeout(RESET_ACK_TIMEOUT_MS - 1)).toBe(false);
    expect(policy.handleTimeout(RESET_ACK_TIMEOUT_MS)).toBe(false);
    expect(policy.nextTimeout()).toBeUndefined();

    policy.failed(5_000);
    policy.failed(5_001);
    expect(policy.handleTimeout(5_000 + RESET_ACK_TIMEOUT_MS)).toBe(true);
    expect(policy.nextTimeout()).toBe(5_000 + 2 * RESET_ACK_TIMEOUT_MS);
  });
});
