/** ferryd as a process: starts, serves, refuses a second instance, and on SIGTERM removes its socket and exits 0. */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectService } from "../src/api/client.js";
import { parseFerrydArgs } from "../src/ferryd-args.js";

const entry = fileURLToPath(new URL("../src/ferryd.ts", import.meta.url));
const repo = fileURLToPath(new URL("../../..", import.meta.url));
const isRoot = process.getuid?.() === 0;

describe("parseFerrydArgs", () => {
  it("defaults to the ferry group on /run/ferry/ferryd.sock", () => {
    expect(parseFerrydArgs([])).toEqual({
      socket: "/run/ferry/ferryd.sock",
      group: "ferry",
      systemProfilesDir: "/etc/ferry/profiles.d",
    });
  });

  it("gives a per-user service no group unless one is named", () => {
    expect(
      parseFerrydArgs(["--user", "alice", "--profiles-dir", "/home/alice/.config/ferry/profiles"]),
    ).toEqual({
      socket: "/run/ferry/ferryd.sock",
      user: "alice",
      profilesDir: "/home/alice/.config/ferry/profiles",
      systemProfilesDir: "/etc/ferry/profiles.d",
    });
    expect(parseFerrydArgs(["--user", "alice", "--group", "staff"])).toMatchObject({
      user: "alice",
      group: "staff",
    });
  });

  it("reports usage mistakes", () => {
    expect(parseFerrydArgs(["--bogus"])).toHaveProperty("error");
    expect(parseFerrydArgs(["--socket", ""])).toHaveProperty("error");
    expect(parseFerrydArgs(["--help"])).toBe("help");
  });
});

describe("the ferryd process", () => {
  let dir: string;
  let socket: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "fy-ferryd-"));
    socket = join(dir, "ferryd.sock");
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** ferryd from source; as root in a network namespace of its own, so its start-up clean-up touches nothing here. */
  function ferryd(): { child: ChildProcess; stderr: () => string; exited: Promise<number | null> } {
    const args = ["--import", "tsx", entry, "--socket", socket, "--group", "fy-no-such-group"];
    const child = isRoot
      ? spawn("unshare", ["--net", "--", process.execPath, ...args], {
          cwd: repo,
          env: { ...process.env, FERRY_STATE_DIR: dir },
        })
      : spawn(process.execPath, args, { cwd: repo, env: { ...process.env, FERRY_STATE_DIR: dir } });
    let text = "";
    child.stderr!.on("data", (chunk) => {
      text += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    return { child, stderr: () => text, exited };
  }

  function listening(stderr: () => string, child: ChildProcess): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => (stderr().includes("Listening on") ? resolve() : undefined);
      child.stderr!.on("data", check);
      child.on("exit", () => reject(new Error(`ferryd exited: ${stderr()}`)));
      check();
    });
  }

  it("serves the API, refuses a second instance, and cleans up on SIGTERM", async () => {
    const first = ferryd();
    await listening(first.stderr, first.child);
    expect(first.stderr()).toContain("root only (there is no group");
    expect((await stat(socket)).mode & 0o777).toBe(0o600);
    const client = await connectService(socket);
    expect(await client.status()).toMatchObject({ state: "disconnected" });
    expect(await client.listProfiles()).toEqual([]);

    const second = ferryd();
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toContain("SERVICE_ALREADY_RUNNING");
    expect(await client.status()).toMatchObject({ state: "disconnected" });

    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    await expect(stat(socket)).rejects.toThrow();
    client.close();
  }, 60_000);
});
