import { describe, expect, it } from "vitest";
import { mppeStartKeys } from "../../src/crypto/mppe-keys.js";
import type { AuthOutcome } from "../../src/ppp/auth/auth-phase.js";
import { ChapClient } from "../../src/ppp/auth/chap-client.js";
import { createAuthClient } from "../../src/ppp/auth/create-auth-client.js";
import { msChapV2Digest } from "../../src/ppp/auth/mschapv2-digest.js";
import { isControl } from "../../src/ppp/auth/server-text.js";
import { fromHex } from "../../src/util/bytes.js";
import { drain, scriptedRandom } from "./exchange.js";

// RFC 2759 section 9.2.
const USER = "User";
const PASSWORD = "clientPass";
const PEER_CHALLENGE = fromHex("21402324255E262A28295F2B3A337C7E");
const NT_RESPONSE = fromHex("82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF");
const AUTHENTICATOR_RESPONSE = "S=407A5589115FD0D6209F510FE9C04566932CDA56";

const ascii = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));

/** A CHAP packet written out by hand: Code, Identifier, Length, Data. */
function chap(code: number, identifier: number, data: Uint8Array): Uint8Array {
  const length = 4 + data.length;
  return Uint8Array.of(code, identifier, length >> 8, length & 0xff, ...data);
}

// Code 1, Identifier 0x2C, Length 26, Value-Size 16, AuthenticatorChallenge, Name "pptpd".
const CHALLENGE = fromHex("01 2C 001A 10 5B5D7C7D7B3F2F3E3C2C602132262628 7070747064");
// Code 2, Identifier 0x2C, Length 58, Value-Size 49, PeerChallenge, Reserved, NT-Response, Flags, Name "User".
const RESPONSE = fromHex(
  "02 2C 003A 31 21402324255E262A28295F2B3A337C7E 0000000000000000" +
    " 82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF 00 55736572",
);

function client(userName = USER, password = PASSWORD, ...peerChallenges: Uint8Array[]) {
  const random = scriptedRandom(...(peerChallenges.length > 0 ? peerChallenges : [PEER_CHALLENGE]));
  const phase = new ChapClient(msChapV2Digest({ userName, password }, random), userName);
  return { phase, random };
}

/** A client that has answered the RFC challenge at t=0. */
function answered() {
  const { phase, random } = client();
  phase.start(0);
  phase.handlePacket(CHALLENGE, 0);
  expect(drain(phase)).toEqual([RESPONSE]);
  return { phase, random };
}

function failureOf(outcome: AuthOutcome | undefined) {
  if (outcome === undefined || outcome.ok)
    throw new Error(`expected a failure, got ${JSON.stringify(outcome)}`);
  return outcome.error;
}

describe("MS-CHAPv2 client, RFC 2759 section 9.2 exchange", () => {
  it("answers the Challenge with exactly the RFC's Response bytes", () => {
    const { phase } = client();
    phase.start(0);
    expect(phase.pollPacket()).toBeUndefined();
    phase.handlePacket(CHALLENGE, 10);
    expect(phase.pollPacket()).toEqual(RESPONSE);
    expect(phase.pollPacket()).toBeUndefined();
    expect(phase.pollOutcome()).toBeUndefined();
  });

  it("accepts a Success carrying the right S= and derives the client's MPPE keys", () => {
    const { phase } = answered();
    phase.handlePacket(chap(3, 0x2c, ascii(`${AUTHENTICATOR_RESPONSE} M=Access granted`)), 20);
    const outcome = phase.pollOutcome();
    expect(outcome).toEqual({
      ok: true,
      method: "mschapv2",
      mppeKeys: mppeStartKeys(PASSWORD, NT_RESPONSE, "client"),
    });
    expect(phase.pollOutcome()).toBeUndefined();
    expect(phase.nextTimeout()).toBeUndefined();
  });

  it("accepts the S= in lowercase and without M=", () => {
    const { phase } = answered();
    phase.handlePacket(chap(3, 0x2c, ascii(AUTHENTICATOR_RESPONSE.toLowerCase().replace("s=", "S="))), 20);
    expect(phase.pollOutcome()?.ok).toBe(true);
  });

  it("refuses a Success whose S= differs by one hex digit: the server may be an impostor", () => {
    const { phase } = answered();
    const forged = AUTHENTICATOR_RESPONSE.replace("407A", "407B");
    phase.handlePacket(chap(3, 0x2c, ascii(`${forged} M=Access granted`)), 20);
    const error = failureOf(phase.pollOutcome());
    expect(error.code).toBe("AUTH_SERVER_UNVERIFIED");
    expect(error.message).toBe("The server could not prove it knows your password: it may be an impostor.");
    expect(error.detail).toEqual({ method: "mschapv2", authenticatorResponse: "mismatch" });
  });

  it.each([
    ["missing", "M=Access granted"],
    ["missing", ""],
    ["malformed", "S=407A5589 M=Access granted"],
  ])("refuses a Success with a %s S= (%s)", (reason, text) => {
    const { phase } = answered();
    phase.handlePacket(chap(3, 0x2c, ascii(text)), 20);
    const error = failureOf(phase.pollOutcome());
    expect(error.code).toBe("AUTH_SERVER_UNVERIFIED");
    expect(error.detail?.["authenticatorResponse"]).toBe(reason);
  });

  it("strips a DOMAIN\\ prefix for the hash but sends the full name", () => {
    const { phase } = client("CORP\\User");
    phase.handlePacket(CHALLENGE, 0);
    // Same value as the RFC Response (the hash uses "User"), Name "CORP\User", Length 63.
    const expected = fromHex(
      "02 2C 003F 31 21402324255E262A28295F2B3A337C7E 0000000000000000" +
        " 82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF 00 434F52505C55736572",
    );
    expect(drain(phase)).toEqual([expected]);
    phase.handlePacket(chap(3, 0x2c, ascii(AUTHENTICATOR_RESPONSE)), 1);
    expect(phase.pollOutcome()?.ok).toBe(true);
  });

  it("is what createAuthClient builds for mschapv2", () => {
    const phase = createAuthClient(
      "mschapv2",
      { userName: USER, password: PASSWORD },
      scriptedRandom(PEER_CHALLENGE),
    );
    expect(phase.protocol).toBe(0xc223);
    phase.start(0);
    phase.handlePacket(CHALLENGE, 0);
    expect(phase.pollPacket()).toEqual(RESPONSE);
  });
});

describe("MS-CHAPv2 client, Challenge handling", () => {
  it("resends the same Response to a retransmitted Challenge, without drawing a new Peer-Challenge", () => {
    const { phase, random } = answered();
    phase.handlePacket(CHALLENGE, 1000);
    expect(drain(phase)).toEqual([RESPONSE]);
    expect(random.calls()).toBe(1);
  });

  it("answers a Challenge with a new identifier afresh, and takes the verdict for that identifier only", () => {
    const other = fromHex("000102030405060708090A0B0C0D0E0F");
    const { phase, random } = client(USER, PASSWORD, other, PEER_CHALLENGE);
    const earlier = CHALLENGE.slice();
    earlier[1] = 0x2b;
    phase.handlePacket(earlier, 0);
    expect(drain(phase)).toHaveLength(1);
    phase.handlePacket(CHALLENGE, 10);
    expect(drain(phase)).toEqual([RESPONSE]);
    expect(random.calls()).toBe(2);
    // A verdict for the earlier identifier is stale.
    phase.handlePacket(chap(3, 0x2b, ascii(AUTHENTICATOR_RESPONSE)), 20);
    expect(phase.pollOutcome()).toBeUndefined();
    phase.handlePacket(chap(3, 0x2c, ascii(AUTHENTICATOR_RESPONSE)), 30);
    expect(phase.pollOutcome()?.ok).toBe(true);
  });

  it.each([
    ["an 8-byte (MS-CHAPv1) challenge", fromHex("01 01 000D 08 0001020304050607")],
    ["a 17-byte challenge", fromHex("01 01 0016 11 000102030405060708090A0B0C0D0E0F10")],
    ["a truncated packet", fromHex("01 01 001A 10 0001")],
    ["a Response", RESPONSE],
  ])("counts and ignores %s", (_label, packet) => {
    const { phase } = client();
    phase.start(0);
    phase.handlePacket(packet, 0);
    expect(phase.pollPacket()).toBeUndefined();
    expect(phase.droppedPackets).toBe(1);
    expect(phase.nextTimeout()).toBe(30_000);
  });

  it("ignores a Success or Failure that arrives before any Response", () => {
    const { phase } = client();
    phase.start(0);
    phase.handlePacket(chap(3, 0x2c, ascii(AUTHENTICATOR_RESPONSE)), 1);
    phase.handlePacket(chap(4, 0x2c, ascii("E=691 R=0 V=3")), 1);
    expect(phase.pollOutcome()).toBeUndefined();
    expect(phase.droppedPackets).toBe(2);
  });

  it("answers a Challenge that arrives before start()", () => {
    const { phase } = client();
    phase.handlePacket(CHALLENGE, 5);
    expect(drain(phase)).toEqual([RESPONSE]);
  });

  it("ignores everything once the outcome is known", () => {
    const { phase } = answered();
    phase.handlePacket(chap(3, 0x2c, ascii(AUTHENTICATOR_RESPONSE)), 20);
    expect(phase.pollOutcome()?.ok).toBe(true);
    phase.handlePacket(CHALLENGE, 30);
    phase.handlePacket(chap(4, 0x2c, ascii("E=691 R=0 V=3")), 30);
    expect(drain(phase)).toEqual([]);
    expect(phase.pollOutcome()).toBeUndefined();
  });
});

describe("MS-CHAPv2 client, Failure", () => {
  const cases = [
    [691, "The server rejected the user name or password."],
    [
      646,
      "The server refused the login: the account may not log in at this time of day (restricted logon hours).",
    ],
    [647, "The server refused the login: the account is disabled."],
    [648, "The server refused the login: the password has expired."],
    [649, "The server refused the login: the account has no dial-in (remote access) permission."],
    [709, "The server reported an error while changing the password."],
    [999, 'The server refused the login with MS-CHAPv2 error 999 ("Something odd").'],
  ] as const;

  it.each(cases)("E=%i reads as: %s", (code, message) => {
    const { phase } = answered();
    phase.handlePacket(
      chap(4, 0x2c, ascii(`E=${code} R=1 C=000102030405060708090A0B0C0D0E0F V=3 M=Something odd`)),
      20,
    );
    const error = failureOf(phase.pollOutcome());
    expect(error.code).toBe("AUTH_FAILED");
    expect(error.message).toBe(message);
    expect(error.hint.length).toBeGreaterThan(0);
    expect(error.detail).toEqual({
      method: "mschapv2",
      errorCode: code,
      retry: true,
      serverMessage: "Something odd",
    });
  });

  it("never tries again on R=1: the phase ends and sends nothing more", () => {
    const { phase } = answered();
    phase.handlePacket(chap(4, 0x2c, ascii("E=691 R=1 C=000102030405060708090A0B0C0D0E0F V=3")), 20);
    expect(failureOf(phase.pollOutcome()).detail).toEqual({
      method: "mschapv2",
      errorCode: 691,
      retry: true,
    });
    expect(drain(phase)).toEqual([]);
    expect(phase.nextTimeout()).toBeUndefined();
  });

  it("quotes the server's text cleaned: control characters removed, length capped", () => {
    const { phase } = answered();
    const text = `E=999 R=0 M=Line one\r\n\x07Line\ttwo ${"x".repeat(300)}`;
    phase.handlePacket(chap(4, 0x2c, ascii(text)), 20);
    const error = failureOf(phase.pollOutcome());
    const quoted = String(error.detail?.["serverMessage"]);
    expect(quoted.startsWith("Line one Line two xxx")).toBe(true);
    expect(quoted.length).toBeLessThanOrEqual(120);
    expect([...quoted].some(isControl)).toBe(false);
    expect(error.message).toContain(quoted);
  });

  it("still fails, with the raw text quoted, when the Failure is not in the standard form", () => {
    const { phase } = answered();
    phase.handlePacket(chap(4, 0x2c, ascii("Access denied")), 20);
    const error = failureOf(phase.pollOutcome());
    expect(error.code).toBe("AUTH_FAILED");
    expect(error.detail?.["serverMessage"]).toBe("Access denied");
  });

  it("keeps the password out of the quoted text even if the server echoes it", () => {
    const { phase } = answered();
    phase.handlePacket(chap(4, 0x2c, ascii(`E=999 R=0 V=3 M=bad password ${PASSWORD}!`)), 20);
    const error = failureOf(phase.pollOutcome());
    expect(JSON.stringify(error)).not.toContain(PASSWORD);
    expect(error.detail?.["serverMessage"]).toBe("bad password ***!");
  });
});

describe("MS-CHAPv2 client, timers", () => {
  it("gives up when no Challenge comes within 30 s", () => {
    const { phase } = client();
    phase.start(1000);
    expect(phase.nextTimeout()).toBe(31_000);
    phase.handleTimeout(30_999);
    expect(phase.pollOutcome()).toBeUndefined();
    phase.handleTimeout(31_000);
    const error = failureOf(phase.pollOutcome());
    expect(error.code).toBe("AUTH_FAILED");
    expect(error.message).toBe(
      "The server stopped answering during authentication: no MS-CHAPv2 challenge arrived within 30 s.",
    );
    expect(phase.nextTimeout()).toBeUndefined();
  });

  it("retransmits the Response every 3 s, then gives up after 5 tries", () => {
    const { phase } = answered();
    for (const t of [3000, 6000, 9000, 12_000]) {
      expect(phase.nextTimeout()).toBe(t);
      phase.handleTimeout(t);
      expect(drain(phase)).toEqual([RESPONSE]);
      expect(phase.pollOutcome()).toBeUndefined();
    }
    expect(phase.nextTimeout()).toBe(15_000);
    phase.handleTimeout(15_000);
    expect(drain(phase)).toEqual([]);
    const error = failureOf(phase.pollOutcome());
    expect(error.message).toBe(
      "The server stopped answering during authentication: our MS-CHAPv2 response went unanswered after 5 tries.",
    );
    expect(error.detail).toEqual({ method: "mschapv2", waitingFor: "reply", transmits: 5 });
  });

  it("does nothing on an early or spurious timeout", () => {
    const { phase } = answered();
    phase.handleTimeout(2999);
    expect(drain(phase)).toEqual([]);
    expect(phase.nextTimeout()).toBe(3000);
  });

  it("starts counting again when the server resends its Challenge", () => {
    const { phase } = answered();
    phase.handleTimeout(3000);
    phase.handleTimeout(6000);
    phase.handlePacket(CHALLENGE, 7000);
    drain(phase);
    expect(phase.nextTimeout()).toBe(10_000);
    for (const t of [10_000, 13_000, 16_000, 19_000]) phase.handleTimeout(t);
    expect(phase.pollOutcome()).toBeUndefined();
    phase.handleTimeout(22_000);
    expect(phase.pollOutcome()?.ok).toBe(false);
  });
});
