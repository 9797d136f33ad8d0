import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { type ApiServer, startApiServer } from "@ferry/service";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fakeHandlers } from "../../service/test/api/fake-handlers.js";
import { describeHealth, runServiceCommand, type ServiceCommand } from "../src/service-commands.js";

let dir: string;
let server: ApiServer | undefined;
let handlers: ReturnType<typeof fakeHandlers>;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "fy-cli-svc-"));
  handlers = fakeHandlers();
  const started = await startApiServer({
    path: join(dir, "ferryd.sock"),
    access: { uid: process.getuid!(), gid: process.getgid!(), mode: 0o600, description: "test" },
    handlers,
    log: () => {},
  });
  if (!started.ok) throw new Error(started.error.message);
  server = started.value;
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function run(command: ServiceCommand, args: string[], stdin = "") {
  const lines: string[] = [];
  const status = await runServiceCommand(command, ["--socket", join(dir, "ferryd.sock"), ...args], {
    write: (line) => lines.push(line),
    stdin: Readable.from([stdin]),
    env: {},
  });
  return { status, out: lines.join("\n") };
}

describe("ferry status, profiles, up and down through the service", () => {
  it("shows the state, the profiles, and connects a profile with the password from standard input", async () => {
    expect(await run("status", [])).toEqual({ status: 0, out: "disconnected" });
    const profiles = await run("profiles", []);
    expect(profiles.out).toContain("work\tWork\talice@vpn.example\tauto");
    const up = await run("up", ["work", "--password-stdin"], "s3cret\n");
    expect(up).toMatchObject({ status: 0, out: expect.stringMatching(/^connecting, profile work/) });
    expect(handlers.connects).toEqual(["work"]);
    expect(up.out).not.toContain("s3cret");
    expect((await run("down", [])).status).toBe(0);
  });

  it("says what to do when the service is not running, or the profile does not exist", async () => {
    const missing = await runServiceCommand("status", ["--socket", join(dir, "nothing.sock")], {
      write: () => {},
      stdin: Readable.from([]),
      env: {},
    });
    expect(missing).toBe(1);
    const noProfile = await run("up", ["home", "--password-stdin"], "x\n");
    expect(noProfile).toMatchObject({
      status: 2,
      out: expect.stringContaining('There is no profile "home"'),
    });
    expect((await run("up", [])).status).toBe(2);
  });

  it("describes health in one line a person can glance at", () => {
    expect(
      describeHealth({
        state: "connected-relay",
        profileId: "work",
        transport: "wrap",
        rttMs: 41.6,
        lossPercent: 0.25,
        bytesIn: 1,
        bytesOut: 1,
        rateInBps: 2_500_000,
        rateOutBps: 900,
        uptimeMs: 61_000,
      }),
    ).toBe(
      "connected-relay, profile work, via relay, RTT 42 ms, loss 0.3 %, in 2.5 Mbit/s, out 900 bit/s, up 61 s",
    );
  });
});
