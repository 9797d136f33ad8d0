import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type OrganisationKey, parseOrganisationKey, verifyProfileSignature } from "../src/index.js";
import { testOrganisation } from "./signing.js";

const org = testOrganisation();
const orgKey = (parseOrganisationKey("org.pem", org.publicPem) as { ok: true; key: OrganisationKey }).key;
const bytes = Buffer.from('{"id":"corp","name":"Corp","server":"vpn.example.com"}\n');

describe("verifyProfileSignature", () => {
  it("accepts a signature by the organisation's key and says which key", () => {
    expect(verifyProfileSignature(bytes, org.sign(bytes), [orgKey], 1)).toEqual({
      ok: true,
      signedBy: "org.pem",
    });
  });

  it("accepts the signature with line breaks around it (base64 tools wrap lines)", () => {
    expect(
      verifyProfileSignature(bytes, `${org.sign(bytes).replace(/(.{40})/, "$1\n")}\n`, [orgKey], 1).ok,
    ).toBe(true);
  });

  it("refuses a file changed after signing", () => {
    const tampered = Buffer.from(bytes.toString().replace("vpn.example.com", "evil.example.net"));
    expect(verifyProfileSignature(tampered, org.sign(bytes), [orgKey], 1)).toEqual({
      ok: false,
      message: expect.stringMatching(/^the signature does not match/),
    });
  });

  it("refuses a signature by another key", () => {
    const other = testOrganisation();
    expect(verifyProfileSignature(bytes, other.sign(bytes), [orgKey], 1)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^the signature does not match/),
    });
  });

  it("refuses a missing signature once a key exists", () => {
    expect(verifyProfileSignature(bytes, undefined, [orgKey], 1)).toEqual({
      ok: false,
      message: expect.stringMatching(/^no signature/),
    });
  });

  it("refuses a signature file that is not a signature", () => {
    for (const text of ["", "not base64 !", Buffer.alloc(32).toString("base64")])
      expect(verifyProfileSignature(bytes, text, [orgKey], 1)).toEqual({
        ok: false,
        message: "the signature file does not hold a base64 Ed25519 signature",
      });
  });

  it("needs no signature when the organisation has no key", () => {
    expect(verifyProfileSignature(bytes, undefined, [], 0)).toEqual({ ok: true });
  });

  it("fails closed when key files exist but none is usable", () => {
    expect(verifyProfileSignature(bytes, org.sign(bytes), [], 1)).toEqual({
      ok: false,
      message: expect.stringMatching(/none of the organisation's key files is usable/),
    });
  });
});

describe("parseOrganisationKey", () => {
  it("takes an Ed25519 public key only", () => {
    expect(parseOrganisationKey("org.pem", org.publicPem).ok).toBe(true);
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({
      type: "spki",
      format: "pem",
    });
    expect(parseOrganisationKey("rsa.pem", rsa.toString())).toEqual({
      ok: false,
      message: "holds a rsa key, not Ed25519: profiles are signed with Ed25519",
    });
    expect(parseOrganisationKey("junk.pem", "hello")).toMatchObject({
      ok: false,
      message: /is not a PEM public key/,
    });
  });
});

const hasOpenssl = (() => {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!hasOpenssl)("signatures made with openssl, as the README tells IT to", () => {
  it("verifies a signature from `openssl pkeyutl -sign -rawin`", () => {
    const dir = mkdtempSync(join(tmpdir(), "fy-sign-"));
    const file = join(dir, "corp.json");
    writeFileSync(file, bytes);
    writeFileSync(join(dir, "org.key"), org.privatePem);
    execFileSync("openssl", [
      "pkeyutl",
      "-sign",
      "-inkey",
      join(dir, "org.key"),
      "-rawin",
      "-in",
      file,
      "-out",
      `${file}.bin`,
    ]);
    const signature = readFileSync(`${file}.bin`).toString("base64");
    execFileSync("openssl", ["pkey", "-in", join(dir, "org.key"), "-pubout", "-out", join(dir, "org.pem")]);
    const key = parseOrganisationKey("org.pem", readFileSync(join(dir, "org.pem"), "utf8"));
    expect(key.ok).toBe(true);
    if (key.ok)
      expect(verifyProfileSignature(bytes, signature, [key.key], 1)).toEqual({
        ok: true,
        signedBy: "org.pem",
      });
  });
});
