import { describe, expect, it } from "vitest";
import {
  challengeHash,
  generateAuthenticatorResponse,
  generateNtResponse,
  hashNtPasswordHash,
  mschapUserName,
  ntPasswordHash,
} from "../../src/crypto/mschapv2.js";
import { fromHex, toHex } from "../../src/util/bytes.js";

// RFC 2759 section 9.2.
const USER = "User";
const PASSWORD = "clientPass";
const AUTH_CHALLENGE = fromHex("5B5D7C7D7B3F2F3E3C2C602132262628");
const PEER_CHALLENGE = fromHex("21402324255E262A28295F2B3A337C7E");
const NT_RESPONSE = "82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF";
const AUTHENTICATOR_RESPONSE = "S=407A5589115FD0D6209F510FE9C04566932CDA56";

describe("MS-CHAPv2 (RFC 2759 section 9.2 example)", () => {
  it("ChallengeHash", () => {
    expect(toHex(challengeHash(PEER_CHALLENGE, AUTH_CHALLENGE, USER))).toBe("D02E4386BCE91226");
  });

  it("NtPasswordHash and HashNtPasswordHash", () => {
    const passwordHash = ntPasswordHash(PASSWORD);
    expect(toHex(passwordHash)).toBe("44EBBA8D5312B8D611474411F56989AE");
    expect(toHex(hashNtPasswordHash(passwordHash))).toBe("41C00C584BD2D91C4017A2A12FA59F3F");
  });

  it("GenerateNTResponse", () => {
    expect(toHex(generateNtResponse(AUTH_CHALLENGE, PEER_CHALLENGE, USER, PASSWORD))).toBe(NT_RESPONSE);
  });

  it("GenerateAuthenticatorResponse", () => {
    expect(
      generateAuthenticatorResponse(PASSWORD, fromHex(NT_RESPONSE), PEER_CHALLENGE, AUTH_CHALLENGE, USER),
    ).toBe(AUTHENTICATOR_RESPONSE);
  });

  it("leaves a DOMAIN\\ prefix out of the challenge hash, as pppd and Windows do", () => {
    expect(mschapUserName("CORP\\User")).toBe("User");
    expect(mschapUserName("a\\b\\User")).toBe("User");
    expect(mschapUserName("User")).toBe("User");
    expect(mschapUserName("")).toBe("");
    expect(toHex(generateNtResponse(AUTH_CHALLENGE, PEER_CHALLENGE, "CORP\\User", PASSWORD))).toBe(
      NT_RESPONSE,
    );
    expect(
      generateAuthenticatorResponse(
        PASSWORD,
        fromHex(NT_RESPONSE),
        PEER_CHALLENGE,
        AUTH_CHALLENGE,
        "CORP\\User",
      ),
    ).toBe(AUTHENTICATOR_RESPONSE);
  });

  it("hashes the password as UTF-16LE code units", () => {
    // MD4 of the empty string: no password bytes at all.
    expect(toHex(ntPasswordHash(""))).toBe("31D6CFE0D16AE931B73C59D7E0C089C0");
    // A non-Latin-1 character must contribute both of its bytes.
    expect(toHex(ntPasswordHash("\u20ac"))).not.toBe(toHex(ntPasswordHash("\u00ac")));
  });
});
