import { describe, expect, it } from "vitest";
import { createAuthClient } from "../../src/ppp/auth/create-auth-client.js";
import type { PapClient } from "../../src/ppp/auth/pap-client.js";
import { fromHex } from "../../src/util/bytes.js";
import { drain, scriptedRandom } from "./exchange.js";

const CREDENTIALS = { userName: "user", password: "pass" };

// Code 1, Identifier, Length 14, Peer-ID-Length 4 "user", Passwd-Length 4 "pass".
const request = (identifier: number) =>
  fromHex(`01 ${identifier.toString(16).padStart(2, "0")} 000E 04 75736572 04 70617373`);

function client() {
  const phase = createAuthClient("pap", CREDENTIALS, scriptedRandom(Uint8Array.of(0x10)));
  phase.start(0);
  return phase;
}

describe("PAP client (RFC 1334)", () => {
  it("sends an Authenticate-Request at start", () => {
    const phase = client();
    expect(phase.protocol).toBe(0xc023);
    expect(drain(phase)).toEqual([request(0x11)]);
    expect(phase.nextTimeout()).toBe(3000);
  });

  it("succeeds on Ack, with no MPPE keys", () => {
    const phase = client();
    phase.handlePacket(fromHex("02 11 000D 08 4C6F67696E206F6B"), 10);
    expect(phase.pollOutcome()).toEqual({ ok: true, method: "pap" });
    expect(phase.nextTimeout()).toBeUndefined();
  });

  it("fails on Nak with AUTH_FAILED", () => {
    const phase = client();
    phase.handlePacket(fromHex("03 11 0014 0F 4C6F67696E20696E636F7272656374"), 10); // "Login incorrect"
    expect(phase.pollOutcome()).toMatchObject({
      ok: false,
      error: {
        code: "AUTH_FAILED",
        message: "The server rejected the user name or password.",
        detail: { method: "pap", serverMessage: "Login incorrect" },
      },
    });
  });

  it("retransmits with a new identifier and accepts a late Ack to an earlier one", () => {
    const phase = client();
    drain(phase);
    phase.handleTimeout(3000);
    expect(drain(phase)).toEqual([request(0x12)]);
    phase.handlePacket(fromHex("02 11 0005 00"), 3100);
    expect(phase.pollOutcome()).toEqual({ ok: true, method: "pap" });
  });

  it("ignores replies to identifiers it never sent, and Requests", () => {
    const phase = client() as PapClient;
    phase.handlePacket(fromHex("02 99 0005 00"), 10);
    phase.handlePacket(request(0x11), 10);
    phase.handlePacket(fromHex("02"), 10);
    expect(phase.pollOutcome()).toBeUndefined();
    expect(phase.droppedPackets).toBe(3);
  });

  it("gives up after 5 transmissions", () => {
    const phase = client();
    for (const t of [3000, 6000, 9000, 12_000]) phase.handleTimeout(t);
    expect(drain(phase)).toEqual([0x11, 0x12, 0x13, 0x14, 0x15].map(request));
    phase.handleTimeout(15_000);
    expect(phase.pollOutcome()).toMatchObject({
      ok: false,
      error: {
        code: "AUTH_FAILED",
        message:
          "The server stopped answering during authentication: our PAP request went unanswered after 5 tries.",
      },
    });
  });

  it("wraps the identifier around 255", () => {
    const phase = createAuthClient("pap", CREDENTIALS, scriptedRandom(Uint8Array.of(0xff)));
    phase.start(0);
    expect(drain(phase)).toEqual([request(0x00)]);
  });

  it("fails at once, without sending the password, if it does not fit in PAP", () => {
    const phase = createAuthClient(
      "pap",
      { userName: "u", password: "p".repeat(256) },
      scriptedRandom(Uint8Array.of(1)),
    );
    phase.start(0);
    expect(phase.pollPacket()).toBeUndefined();
    const outcome = phase.pollOutcome();
    expect(outcome).toMatchObject({
      ok: false,
      error: { code: "AUTH_FAILED", message: "The password is longer than the 255 bytes PAP can carry." },
    });
  });
});
