import { describe, expect, it } from "vitest";
import { Allowlist, isSpecialPurposeIpv4 } from "../../src/relay/allowlist.js";
import { TokenSet } from "../../src/relay/relay-tokens.js";
import { allowlist } from "./session-harness.js";

describe("TokenSet", () => {
  it("reads one token per line, skipping comments, blank lines and surrounding white space", () => {
    const result = TokenSet.parseFile("# relay tokens\n\n  alpha-1  \r\n#beta\nGamma_2\n", "tokens");
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value.size).toBe(2);
    expect(result.value.matches("alpha-1")).toBe(true);
    expect(result.value.matches("Gamma_2")).toBe(true);
    expect(result.value.matches("beta")).toBe(false);
    expect(result.value.matches("gamma_2")).toBe(false);
    expect(result.value.matches("alpha-")).toBe(false);
    expect(result.value.matches("")).toBe(false);
  });

  it("refuses a file without tokens, and a line that is not a token, without echoing the line", () => {
    const empty = TokenSet.parseFile("# nothing here\n\n", "/etc/ferry/tokens");
    expect(empty.ok).toBe(false);
    if (!empty.ok) expect(empty.error.message).toContain("/etc/ferry/tokens holds no token");
    const spaced = TokenSet.parseFile("good\nsecret with spaces\n", "tokens");
    expect(spaced.ok).toBe(false);
    if (!spaced.ok) {
      expect(spaced.error.message).toContain("line 2");
      expect(spaced.error.message).not.toContain("secret");
    }
    expect(TokenSet.parseFile("tok\u00e9n\n", "tokens").ok).toBe(false);
    expect(TokenSet.of([]).ok).toBe(false);
  });

  it("accepts an empty token only with a valid client certificate, and checks a token even with one", () => {
    const set = TokenSet.of(["right"]);
    if (!set.ok) throw new Error(set.error.message);
    expect(set.value.authorize("", true)).toBe(true);
    expect(set.value.authorize("", false)).toBe(false);
    expect(set.value.authorize("right", false)).toBe(true);
    expect(set.value.authorize("wrong", true)).toBe(false);
  });
});

describe("Allowlist", () => {
  it("permits listed names (case-insensitively) at their resolved address, and listed addresses", () => {
    const list = allowlist(["VPN.example.com", "203.0.113.7"]);
    expect(list.lists("vpn.EXAMPLE.com")).toBe(true);
    expect(list.permits("vpn.example.com", "192.0.2.10")).toBe(true);
    expect(list.permits("203.0.113.7", "203.0.113.7")).toBe(true);
    // Any name that resolves to a listed address reaches only that address.
    expect(list.permits("alias.example.net", "203.0.113.7")).toBe(true);
    expect(list.permits("other.example.com", "192.0.2.10")).toBe(false);
    expect(list.permits("192.0.2.10", "192.0.2.10")).toBe(false);
    expect(list.permits("vpn.example.com", "not-an-address")).toBe(false);
  });

  it("never dials loopback, link-local, unspecified, multicast or reserved addresses unless listed as such", () => {
    const list = allowlist(["vpn.example.com", "127.0.0.1"]);
    for (const address of ["127.0.0.2", "0.0.0.0", "169.254.169.254", "224.0.0.1", "255.255.255.255"]) {
      expect(list.permits("vpn.example.com", address)).toBe(false);
    }
    expect(list.permits("vpn.example.com", "127.0.0.1")).toBe(true);
    expect(list.permits("localhost", "127.0.0.1")).toBe(true);
    expect(isSpecialPurposeIpv4("10.1.2.3")).toBe(false);
    expect(isSpecialPurposeIpv4("100.64.0.1")).toBe(false);
  });

  it("compares addresses in one spelling", () => {
    const list = allowlist(["010.000.000.001"]);
    expect(list.permits("10.0.0.1", "10.0.0.1")).toBe(true);
    expect(list.lists("10.0.0.1")).toBe(true);
  });

  it("refuses entries that are not servers, and an empty list", () => {
    expect(Allowlist.parse(["*.example.com"]).ok).toBe(false);
    expect(Allowlist.parse(["10.0.0.0/8"]).ok).toBe(false);
    expect(Allowlist.parse(["2001:db8::1"]).ok).toBe(false);
    expect(Allowlist.parse([" ", ""]).ok).toBe(false);
    expect(Allowlist.parse([]).ok).toBe(false);
  });
});
