import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkProfileText, PROFILE_SCHEMA_PATH, schemaFieldPaths, validateProfile } from "../src/index.js";

const EXAMPLES = join(PROFILE_SCHEMA_PATH, "..", "examples");
const minimal = { id: "corp", name: "Corp", server: "vpn.example.com" };

function problemsOf(document: unknown) {
  const check = validateProfile(document);
  if (check.ok) throw new Error("expected problems, the profile was valid");
  return check.problems;
}

describe("validateProfile", () => {
  it.each(readdirSync(EXAMPLES).filter((f) => f.endsWith(".json")))(
    "accepts the shipped example %s",
    (file) => {
      const check = checkProfileText(readFileSync(join(EXAMPLES, file), "utf8"));
      expect(check).toMatchObject({ ok: true });
    },
  );

  it("fills in the schema's defaults, without touching the caller's document", () => {
    const document = structuredClone(minimal);
    expect(validateProfile(document)).toEqual({
      ok: true,
      profile: {
        ...minimal,
        transport: { mode: "auto" },
        mppe: { policy: "any", stateful: false },
        mtu: 1400,
        routes: [],
        dns: true,
        keepalive: { lcpEchoIntervalSeconds: 10, failures: 4 },
        locked: [],
      },
    });
    expect(document).toEqual(minimal);
  });

  it("drops the editor's $schema hint from the profile", () => {
    const check = validateProfile({ $schema: "../profile.schema.json", ...minimal });
    expect(check.ok && "$schema" in check.profile).toBe(false);
  });

  it("reports a missing server at its path", () => {
    const { server: _, ...withoutServer } = minimal;
    expect(problemsOf(withoutServer)).toEqual([{ path: "/server", message: "is required" }]);
  });

  it("reports a bad CIDR at the route's index, whichever way it is bad", () => {
    expect(
      problemsOf({ ...minimal, routes: ["10.1.0.0/16", "10.300.0.0/16", "10.1.0.0/33", "ten/8"] }),
    ).toEqual([
      { path: "/routes/1", message: expect.stringMatching(/^is not an IPv4 CIDR/) },
      { path: "/routes/2", message: expect.stringMatching(/^is not an IPv4 CIDR/) },
      { path: "/routes/3", message: "must be an IPv4 CIDR such as 10.1.0.0/16" },
    ]);
  });

  it('asks for the network address when host bits are set, and for "default" instead of /0', () => {
    expect(problemsOf({ ...minimal, routes: ["10.1.2.3/16", "0.0.0.0/0"] })).toEqual([
      { path: "/routes/0", message: "has host bits set: write 10.1.0.0/16" },
      { path: "/routes/1", message: 'covers everything: write "routes": "default" instead' },
    ]);
  });

  it("says what routes may be when it is neither form", () => {
    expect(problemsOf({ ...minimal, routes: "all" })).toEqual([
      { path: "/routes", message: 'must be "default" or a list of IPv4 CIDRs' },
    ]);
  });

  it("reports a repeated route at the repeat", () => {
    expect(problemsOf({ ...minimal, routes: ["10.1.0.0/16", "10.2.0.0/16", "10.1.0.0/16"] })).toEqual([
      { path: "/routes/2", message: "repeats /routes/0" },
    ]);
  });

  it("refuses an unknown field, suggesting the field meant", () => {
    expect(problemsOf({ ...minimal, usrName: "alice" })).toEqual([
      { path: "/usrName", message: "is not a known field: did you mean userName?" },
    ]);
    expect(problemsOf({ ...minimal, mppe: { policy: "128", colour: "blue" } })).toEqual([
      { path: "/mppe/colour", message: "is not a known field" },
    ]);
  });

  it("refuses a secret in the file, and never repeats its value", () => {
    const problems = problemsOf({
      ...minimal,
      password: "hunter2",
      transport: { relay: { url: "wss://r.example", token: "s3cret-token" } },
    });
    expect(problems.map((p) => p.path)).toEqual(["/password", "/transport/relay/token"]);
    expect(problems[0]!.message).toMatch(/keychain/);
    expect(JSON.stringify(problems)).not.toMatch(/hunter2|s3cret-token/);
  });

  it("says which values an enum takes and what a number must be", () => {
    expect(problemsOf({ ...minimal, transport: { mode: "fast" }, mppe: { policy: 128 }, mtu: 9000 })).toEqual(
      [
        { path: "/mppe/policy", message: 'must be "128", "any" or "optional"' },
        { path: "/mtu", message: "must be a whole number from 576 to 1500" },
        { path: "/transport/mode", message: 'must be "auto", "direct" or "wrap"' },
      ],
    );
  });

  it("requires a relay for wrap mode", () => {
    expect(problemsOf({ ...minimal, transport: { mode: "wrap" } })).toEqual([
      { path: "/transport/relay", message: "is required: mode wrap always goes through the relay" },
    ]);
  });

  it("checks the relay URL, its pinning and its CA path", () => {
    const relay = (fields: object) => ({
      ...minimal,
      transport: { relay: { url: "wss://relay.example.com", ...fields } },
    });
    expect(problemsOf(relay({ url: "https://relay.example.com" }))).toEqual([
      { path: "/transport/relay/url", message: "must be a relay URL: wss://HOST[:PORT][/PATH]" },
    ]);
    expect(problemsOf(relay({ url: "wss://ops:pw@relay.example.com/ferry" }))).toEqual([
      {
        path: "/transport/relay/url",
        message: expect.stringMatching(/must not carry a user name or password/),
      },
    ]);
    expect(problemsOf(relay({ fingerprintSha256: "abcd" }))).toEqual([
      {
        path: "/transport/relay/fingerprintSha256",
        message: "must be a SHA-256 fingerprint: 64 hex digits, colons allowed",
      },
    ]);
    expect(problemsOf(relay({ caFile: "relay-ca.pem" }))).toEqual([
      { path: "/transport/relay/caFile", message: "must be an absolute path: the service reads it" },
    ]);
    expect(problemsOf(relay({ caFile: "/etc/ferry/ca.pem", fingerprintSha256: "ab".repeat(32) }))).toEqual([
      { path: "/transport/relay", message: "caFile and fingerprintSha256 exclude each other: choose one" },
    ]);
    expect(validateProfile(relay({ caFile: "C:\\ProgramData\\Ferry\\ca.pem" })).ok).toBe(true);
  });

  it("refuses a locked path that names no field", () => {
    expect(
      problemsOf({ ...minimal, locked: ["/server", "/transport/relay/url", "/routers", "/mppe/strength"] }),
    ).toEqual([
      { path: "/locked/2", message: expect.stringMatching(/^names no field of a profile/) },
      { path: "/locked/3", message: expect.stringMatching(/^names no field of a profile/) },
    ]);
    expect(problemsOf({ ...minimal, locked: ["server"] })).toEqual([
      { path: "/locked/0", message: "must be a field path such as /transport/mode" },
    ]);
  });

  it("refuses a server of digits that is no IPv4 address", () => {
    expect(problemsOf({ ...minimal, server: "203.0.113.300" })).toEqual([
      { path: "/server", message: expect.stringMatching(/^is not an IPv4 address/) },
    ]);
  });

  it("reports every problem of a document at once", () => {
    const problems = problemsOf({ id: "Corp VPN", name: "", routes: ["10.1.0.0/33"], dns: "yes" });
    expect(problems.map((p) => p.path)).toEqual(["/dns", "/id", "/name", "/routes/0", "/server"]);
  });

  it("knows the schema's field paths", () => {
    const paths = schemaFieldPaths();
    expect(paths.has("/transport/relay/fingerprintSha256")).toBe(true);
    expect(paths.has("/keepalive/failures")).toBe(true);
    expect(paths.has("/$schema")).toBe(false);
  });
});

describe("checkProfileText", () => {
  it("says where the JSON breaks without quoting the text around it", () => {
    const check = checkProfileText('{\n  "id": "corp",\n  "note": "hunter2" oops\n}');
    expect(check).toEqual({
      ok: false,
      problems: [{ path: "", message: "is not valid JSON (line 3, column 21)" }],
    });
  });

  it("accepts a UTF-8 byte order mark (Windows editors write one)", () => {
    expect(checkProfileText(`\uFEFF${JSON.stringify(minimal)}`).ok).toBe(true);
  });

  it("refuses a document that is not an object", () => {
    expect(checkProfileText("[1, 2]")).toEqual({
      ok: false,
      problems: [{ path: "", message: "must be an object" }],
    });
  });
});

describe("validateProfile on anything", () => {
  const problemShape = (check: ReturnType<typeof validateProfile>) =>
    check.ok ||
    check.problems.every((p) => (p.path === "" || p.path.startsWith("/")) && p.message.length > 0);

  it("never throws on random JSON, and every problem has a path and a sentence", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const check = validateProfile(value);
        expect(check.ok).toBe(false);
        expect(problemShape(check)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it("never throws on near-valid profiles with random fields", () => {
    const field = fc.constantFrom(
      "id",
      "name",
      "server",
      "userName",
      "transport",
      "mppe",
      "mtu",
      "routes",
      "dns",
      "keepalive",
      "locked",
      "__proto__",
      "password",
    );
    const nested = fc.record(
      { mode: fc.jsonValue(), relay: fc.jsonValue(), policy: fc.jsonValue(), stateful: fc.jsonValue() },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.dictionary(field, fc.oneof(fc.jsonValue(), nested, fc.array(fc.string()))), (fields) => {
        const document = JSON.parse(JSON.stringify({ ...minimal, ...fields }));
        expect(problemShape(validateProfile(document))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it("never throws on text that is not JSON", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        expect(problemShape(checkProfileText(text))).toBe(true);
      }),
    );
  });

  it("turns values JSON cannot hold into a problem", () => {
    expect(validateProfile({ ...minimal, mtu: 10n })).toEqual({
      ok: false,
      problems: [{ path: "", message: "is not JSON data" }],
    });
    expect(validateProfile(undefined)).toEqual({
      ok: false,
      problems: [{ path: "", message: "is not JSON data" }],
    });
  });
});
