import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConnectPlan, parseConnectArgs } from "../src/connect-command.js";
import { parseDiagnoseArgs } from "../src/diagnose-command.js";
import { readRelayToken } from "../src/relay-options.js";

const FINGERPRINT = `${"AB:".repeat(31)}CD`;
const connectArgs = (...more: string[]) =>
  parseConnectArgs(["--server", "vpn.example.com", ...more], { USER: "alice" });

describe("ferry connect's transport and relay options", () => {
  it("defaults to auto with no relay; takes a relay with its token file, CA or fingerprint", () => {
    expect(connectArgs()).toMatchObject({ transport: "auto" });
    expect(connectArgs()).not.toHaveProperty("relay");
    expect(
      connectArgs(
        "--transport",
        "wrap",
        "--relay",
        "wss://relay.example.com/ferry",
        "--relay-token-file",
        "/t",
      ),
    ).toMatchObject({
      transport: "wrap",
      relay: { url: "wss://relay.example.com/ferry", tokenFile: "/t", trust: { kind: "system" } },
    });
    const withCa = connectArgs("--relay", "wss://r", "--relay-token-file", "/t", "--relay-ca", "/ca.pem");
    expect((withCa as ConnectPlan).relay?.trust).toEqual({ kind: "ca", caFile: "/ca.pem" });
    const pinned = connectArgs(
      "--relay",
      "wss://r",
      "--relay-token-file",
      "/t",
      "--relay-fingerprint",
      FINGERPRINT,
    );
    expect((pinned as ConnectPlan).relay?.trust).toEqual({ kind: "fingerprint", sha256: FINGERPRINT });
    expect(connectArgs("--gre-timeout", "1.5")).toMatchObject({ greTimeoutMs: 1500 });
  });

  it.each([
    [["--transport", "udp"], /--transport must be auto, direct or wrap/],
    [["--transport", "wrap"], /needs --relay and --relay-token-file/],
    [["--relay", "wss://r"], /needs --relay-token-file/],
    [["--relay", "https://r", "--relay-token-file", "/t"], /must start with wss:\/\//],
    [["--relay", "not a url", "--relay-token-file", "/t"], /is not a URL/],
    [["--relay-token-file", "/t"], /need --relay/],
    [
      [
        "--relay",
        "wss://r",
        "--relay-token-file",
        "/t",
        "--relay-ca",
        "/c",
        "--relay-fingerprint",
        FINGERPRINT,
      ],
      /exclude/,
    ],
    [["--relay", "wss://r", "--relay-token-file", "/t", "--relay-fingerprint", "abc"], /64 hex digits/],
    [["--gre-timeout", "0"], /--gre-timeout/],
  ])("refuses %j with a USAGE error", (args, message) => {
    const result = connectArgs(...args);
    expect(result).toMatchObject({ code: "USAGE" });
    expect((result as { message: string }).message).toMatch(message);
  });
});

describe("ferry diagnose's options", () => {
  it("takes a server, repeated relays, a token file and JSON output", () => {
    expect(
      parseDiagnoseArgs([
        "--server",
        "s",
        "--relay",
        "wss://a",
        "--relay",
        "wss://b",
        "--relay-token-file",
        "/t",
        "--json",
      ]),
    ).toEqual({
      server: "s",
      relays: ["wss://a", "wss://b"],
      tokenFile: "/t",
      trust: { kind: "system" },
      json: true,
    });
  });

  it("needs a server", () => {
    expect(parseDiagnoseArgs([])).toMatchObject({ code: "USAGE", message: "--server is required." });
    expect(parseDiagnoseArgs(["--server"])).toMatchObject({ code: "USAGE" });
  });
});

describe("the relay token file", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ferry-token-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("holds the token on its first line, trimmed", async () => {
    await writeFile(join(dir, "ok"), "  s3cr3t-token  \n# comment\n");
    expect(await readRelayToken(join(dir, "ok"))).toEqual({ ok: true, value: "s3cr3t-token" });
  });

  it("says which file could not be read, and never shows a token", async () => {
    const missing = await readRelayToken(join(dir, "missing"));
    expect(missing).toMatchObject({ ok: false, error: { code: "USAGE", detail: { errno: "ENOENT" } } });
    await writeFile(join(dir, "spaces"), "two words\n");
    const bad = await readRelayToken(join(dir, "spaces"));
    expect(bad).toMatchObject({ ok: false, error: { code: "USAGE" } });
    expect(JSON.stringify(bad)).not.toContain("two words");
    await writeFile(join(dir, "empty"), "\n");
    expect(await readRelayToken(join(dir, "empty"))).toMatchObject({ ok: false });
  });
});
