import { describe, expect, it } from "vitest";
import { createAuthClient } from "../../src/ppp/auth/create-auth-client.js";
import { fromHex } from "../../src/util/bytes.js";
import { drain } from "./exchange.js";

const noRandom = () => {
  throw new Error("CHAP-MD5 needs no randomness");
};

// Code 1, Identifier 0x2A, Length 21, Value-Size 16, Challenge, no Name.
const CHALLENGE = fromHex("01 2A 0015 10 0123456789ABCDEFFEDCBA9876543210");
// MD5(0x2A || "hunter2" || Challenge), computed independently (Python hashlib), Name "alice", Length 26.
const RESPONSE = fromHex("02 2A 001A 10 221DC1F8E7EF3F8895172852FB78BC13 616C696365");

function client() {
  const phase = createAuthClient("chap-md5", { userName: "alice", password: "hunter2" }, noRandom);
  phase.start(0);
  phase.handlePacket(CHALLENGE, 0);
  return phase;
}

describe("CHAP-MD5 client (RFC 1994)", () => {
  it("answers with MD5(Identifier || secret || Challenge) and its name", () => {
    expect(drain(client())).toEqual([RESPONSE]);
  });

  it("succeeds on Success, with no MPPE keys", () => {
    const phase = client();
    phase.handlePacket(fromHex("03 2A 0004"), 10);
    expect(phase.pollOutcome()).toEqual({ ok: true, method: "chap-md5" });
  });

  it("fails on Failure with AUTH_FAILED, quoting the server's text", () => {
    const phase = client();
    phase.handlePacket(fromHex("04 2A 0012 41636365737320 64656E696564 0A"), 10); // "Access denied\n"
    const outcome = phase.pollOutcome();
    expect(outcome).toMatchObject({
      ok: false,
      error: {
        code: "AUTH_FAILED",
        message: "The server rejected the user name or password.",
        detail: { method: "chap-md5", serverMessage: "Access denied" },
      },
    });
  });

  it("refuses an empty Challenge value", () => {
    const phase = createAuthClient("chap-md5", { userName: "alice", password: "hunter2" }, noRandom);
    phase.start(0);
    phase.handlePacket(fromHex("01 2A 0005 00"), 0);
    expect(phase.pollPacket()).toBeUndefined();
  });

  it("retransmits, then says the server stopped answering", () => {
    const phase = client();
    drain(phase);
    for (const t of [3000, 6000, 9000, 12_000]) {
      phase.handleTimeout(t);
      expect(drain(phase)).toEqual([RESPONSE]);
    }
    phase.handleTimeout(15_000);
    expect(phase.pollOutcome()).toMatchObject({
      ok: false,
      error: { code: "AUTH_FAILED", detail: { method: "chap-md5", waitingFor: "reply", transmits: 5 } },
    });
  });
});
