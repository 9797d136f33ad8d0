import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadRelayOptions, parseHostPort, parseRelayArgs } from "../../src/relay-server/cli-options.js";
import { makeTestPki, type TestPki } from "./support/tls.js";

const MAIN = fileURLToPath(new URL("../../src/relay-server/main.ts", import.meta.url));
const TSX = fileURLToPath(new URL("../../../../node_modules/.bin/tsx", import.meta.url));

let pki: TestPki;
let files: { cert: string; key: string; tokens: string; emptyTokens: string };
const children: ChildProcess[] = [];

beforeAll(() => {
  pki = makeTestPki();
  files = {
    cert: join(pki.dir, "relay.crt"),
    key: join(pki.dir, "relay.key"),
    tokens: join(pki.dir, "tokens"),
    emptyTokens: join(pki.dir, "empty-tokens"),
  };
  writeFileSync(files.tokens, "# test\nabc123\n");
  writeFileSync(files.emptyTokens, "# nothing\n");
});

afterAll(() => pki.remove());

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});

function baseArgs(overrides: Record<string, string> = {}): string[] {
  const values: Record<string, string> = {
    "--listen": "127.0.0.1:0",
    "--cert": files.cert,
    "--key": files.key,
    "--tokens-file": files.tokens,
    "--allow": "203.0.113.7,vpn.example.com",
    ...overrides,
  };
  return Object.entries(values).flat();
}

/** Runs the command; resolves with its exit code and stderr once it exits (after `then` ran, if given). */
function run(args: string[], then?: (child: ChildProcess, stderr: () => string) => void) {
  const child = spawn(TSX, [MAIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let stderr = "";
  child.stderr!.on("data", (data: Buffer) => {
    stderr += data.toString();
  });
  then?.(child, () => stderr);
  return new Promise<{ code: number | null; stderr: string }>((resolve) => {
    child.on("exit", (code) => resolve({ code, stderr }));
  });
}

describe("parseRelayArgs", () => {
  it("reads every flag, with defaults", () => {
    const result = parseRelayArgs([
      ...baseArgs(),
      "--allow",
      "198.51.100.1",
      "--metrics",
      "[::1]:9723",
      "--max-sessions",
      "50",
      "--drain-seconds",
      "0",
    ]);
    if (!result.ok) throw new Error("expected ok");
    expect(result.value).toMatchObject({
      listen: { host: "127.0.0.1", port: 0 },
      allow: ["203.0.113.7", "vpn.example.com", "198.51.100.1"],
      metrics: { host: "::1", port: 9723 },
      maxSessions: 50,
      maxSessionsPerSource: 16,
      drainMs: 0,
      requireClientCert: false,
      connectionRate: { perSecond: 20, burst: 40 },
    });
  });

  it("reads the rate of new connections per source: the burst twice the rate unless given, 0 for off", () => {
    const rate = (args: string[]) => {
      const result = parseRelayArgs([...baseArgs(), ...args]);
      return result.ok ? result.value.connectionRate : undefined;
    };
    expect(rate(["--connection-rate", "5"])).toEqual({ perSecond: 5, burst: 10 });
    expect(rate(["--connection-rate", "5", "--connection-burst", "7"])).toEqual({ perSecond: 5, burst: 7 });
    expect(rate(["--connection-rate", "0"])).toEqual({ perSecond: 0, burst: 1 });
  });

  it("says what is wrong with bad arguments", () => {
    const message = (args: string[]) => {
      const result = parseRelayArgs(args);
      return result.ok || result.help ? "" : result.message;
    };
    expect(message(baseArgs({ "--listen": "443" }))).toContain("--listen 443 is not HOST:PORT");
    expect(message(baseArgs({ "--max-sessions": "0" }))).toContain("--max-sessions");
    expect(message(baseArgs({ "--connection-rate": "many" }))).toContain("--connection-rate must be");
    expect(message(baseArgs({ "--connection-rate": "2.5" }))).toContain("--connection-rate must be");
    expect(message(baseArgs({ "--connection-burst": "0" }))).toContain("--connection-burst must be");
    expect(message([...baseArgs(), "--bogus"])).toContain("--bogus");
    expect(message(["--listen", "127.0.0.1:1"])).toContain("--cert is required");
    expect(message([...baseArgs(), "--require-client-cert"])).toContain("--client-ca");
    expect(message(baseArgs({ "--gre-probe-address": "relay.example.com" }))).toContain(
      "--gre-probe-address relay.example.com is not an IPv4 address",
    );
    expect(parseRelayArgs(["--help"])).toEqual({ ok: false, help: true });
  });

  it("parses HOST:PORT", () => {
    expect(parseHostPort("0.0.0.0:443")).toEqual({ host: "0.0.0.0", port: 443 });
    expect(parseHostPort("[::]:443")).toEqual({ host: "::", port: 443 });
    expect(parseHostPort("relay.example.com:8443")).toEqual({ host: "relay.example.com", port: 8443 });
    expect(parseHostPort("::1:443")).toBeUndefined();
    expect(parseHostPort("host:70000")).toBeUndefined();
  });
});

describe("loadRelayOptions", () => {
  it("reads the files and checks tokens and allowlist", async () => {
    const args = parseRelayArgs(baseArgs({ "--gre-probe-address": "192.0.2.44" }));
    if (!args.ok) throw new Error("expected ok");
    const loaded = await loadRelayOptions(args.value);
    expect(loaded.ok).toBe(true);
    if (loaded.ok) {
      expect(loaded.value.tokens.matches("abc123")).toBe(true);
      expect(loaded.value.greProbeAddress).toBe("192.0.2.44");
      expect(loaded.value.connectionRate).toEqual({ perSecond: 20, burst: 40 });
    }
  });

  it("says which file it cannot read, and refuses a tokens file without tokens", async () => {
    const load = async (overrides: Record<string, string>) => {
      const args = parseRelayArgs(baseArgs(overrides));
      if (!args.ok) throw new Error("expected ok");
      const loaded = await loadRelayOptions(args.value);
      return loaded.ok ? "" : loaded.message;
    };
    expect(await load({ "--key": "/nonexistent/relay.key" })).toContain(
      "cannot read --key /nonexistent/relay.key: ENOENT",
    );
    expect(await load({ "--tokens-file": files.emptyTokens })).toContain("holds no token");
    expect(await load({ "--allow": "10.0.0.0/8" })).toContain("--allow");
  });
});

describe("the ferry-relay command", () => {
  it("exits 2 on bad arguments and 1 on unreadable files", async () => {
    const bad = await run(baseArgs({ "--listen": "nowhere" }));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("ferry-relay: --listen nowhere is not HOST:PORT.");
    expect(bad.stderr).toContain("Usage: ferry-relay");
    const unreadable = await run(baseArgs({ "--cert": "/nonexistent/cert.pem" }));
    expect(unreadable.code).toBe(1);
    expect(unreadable.stderr).toContain("cannot read --cert /nonexistent/cert.pem");
    const badCert = await run(baseArgs({ "--cert": files.tokens }));
    expect(badCert.code).toBe(1);
    expect(badCert.stderr).toContain("certificate or key");
  }, 60_000);

  it("starts, and exits 0 after a graceful stop on SIGTERM", async () => {
    const result = await run([...baseArgs(), "--drain-seconds", "0"], (child, stderr) => {
      const poll = setInterval(() => {
        if (stderr().includes(" listening ")) {
          clearInterval(poll);
          child.kill("SIGTERM");
        }
      }, 50);
      child.on("exit", () => clearInterval(poll));
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/ draining sessions=0 drainMs=0/);
    expect(result.stderr).toMatch(/ stopped/);
    expect(result.stderr).not.toContain("abc123");
  }, 60_000);
});
