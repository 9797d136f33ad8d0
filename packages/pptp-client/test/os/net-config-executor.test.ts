import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CommandOutcome, CommandRunner } from "../../src/os/command-runner.js";
import type { NetChange } from "../../src/os/net-change.js";
import { applyNetChanges } from "../../src/os/net-config-executor.js";
import { restoreLeftovers } from "../../src/os/restore-leftovers.js";
import { currentNetns, parseStateRecord, stateFilePath } from "../../src/os/state-file.js";

function change(name: string): NetChange {
  return {
    summary: name,
    apply: { kind: "run", argv: ["ip", "add", name] },
    undo: { kind: "run", argv: ["ip", "del", name] },
  };
}

/** Records every command with the changes the state file held when it ran; fails the scripted ones. */
class FakeRunner {
  readonly calls: string[] = [];
  readonly recordedAtCall: string[][] = [];
  readonly failures = new Map<string, string>();

  constructor(private readonly statePath: string) {}

  readonly run: CommandRunner = async (argv) => {
    const line = argv.join(" ");
    this.calls.push(line);
    const text = await readFile(this.statePath, "utf8").catch(() => "");
    this.recordedAtCall.push(parseStateRecord(text)?.changes.map((c) => c.summary) ?? []);
    const stderr = this.failures.get(line);
    return stderr === undefined ? { ok: true, stdout: "" } : ({ ok: false, stderr } satisfies CommandOutcome);
  };
}

let stateDir: string;
let statePath: string;
let fake: FakeRunner;

beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), "fy-os-state-"));
  statePath = stateFilePath(stateDir, "ferry0");
  fake = new FakeRunner(statePath);
});
afterEach(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

describe("applyNetChanges", () => {
  it("records each change before running it, and undoes in reverse, deleting the state file", async () => {
    const result = await applyNetChanges("ferry0", [change("a"), change("b"), change("c")], {
      stateDir,
      run: fake.run,
    });
    expect(result.ok).toBe(true);
    expect(fake.calls).toEqual(["ip add a", "ip add b", "ip add c"]);
    expect(fake.recordedAtCall).toEqual([["a"], ["a", "b"], ["a", "b", "c"]]);
    if (!result.ok) return;
    const report = await result.value.undo();
    expect(fake.calls.slice(3)).toEqual(["ip del c", "ip del b", "ip del a"]);
    expect(report).toEqual({ undone: ["c", "b", "a"], alreadyGone: [], failed: [] });
    expect(await readdir(stateDir)).toEqual([]);
    // A second undo (signal racing a disconnect) does nothing more.
    expect(await result.value.undo()).toBe(report);
    expect(fake.calls).toHaveLength(6);
  });

  it("rolls back the applied steps when one fails and names the command and its stderr", async () => {
    fake.failures.set("ip add c", "RTNETLINK answers: File exists");
    const result = await applyNetChanges("ferry0", [change("a"), change("b"), change("c"), change("d")], {
      stateDir,
      run: fake.run,
    });
    expect(fake.calls).toEqual(["ip add a", "ip add b", "ip add c", "ip del b", "ip del a"]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.message).toContain("ip add c");
    expect(result.error.detail).toMatchObject({
      command: "ip add c",
      stderr: "RTNETLINK answers: File exists",
    });
    expect(await readdir(stateDir)).toEqual([]);
  });

  it("reports a permission failure as NOT_PERMITTED", async () => {
    fake.failures.set("ip add a", "RTNETLINK answers: Operation not permitted");
    const result = await applyNetChanges("ferry0", [change("a")], { stateDir, run: fake.run });
    expect(!result.ok && result.error.code).toBe("NOT_PERMITTED");
    expect(!result.ok && result.error.hint).toMatch(/root|CAP_NET_ADMIN/);
  });

  it("refuses to start over a state file an earlier run left", async () => {
    await writeFile(statePath, "{}");
    const result = await applyNetChanges("ferry0", [change("a")], { stateDir, run: fake.run });
    expect(result.ok).toBe(false);
    expect(fake.calls).toEqual([]);
  });

  it("tolerates undo targets already gone and keeps only real failures on record", async () => {
    const result = await applyNetChanges("ferry0", [change("a"), change("b"), change("c")], {
      stateDir,
      run: fake.run,
    });
    if (!result.ok) throw new Error("apply failed");
    fake.failures.set("ip del c", 'Cannot find device "ferry0"');
    fake.failures.set("ip del b", "RTNETLINK answers: Device or resource busy");
    const report = await result.value.undo();
    expect(report.undone).toEqual(["a"]);
    expect(report.alreadyGone).toEqual(["c"]);
    expect(report.failed.map((failure) => failure.change.summary)).toEqual(["b"]);
    const left = parseStateRecord(await readFile(statePath, "utf8"));
    expect(left?.changes.map((c) => c.summary)).toEqual(["b"]);
  });

  it("writes and restores files in place", async () => {
    const path = join(stateDir, "resolv.conf");
    const original = "nameserver 192.0.2.1\n# caf\xe9 in latin1\n";
    await writeFile(path, original, "latin1");
    const bytesBefore = await readFile(path);
    const result = await applyNetChanges(
      "ferry0",
      [
        {
          summary: "dns",
          apply: { kind: "write-file", path, content: "nameserver 10.8.0.53\n" },
          undo: { kind: "write-file", path, content: original },
        },
      ],
      { stateDir, run: fake.run },
    );
    if (!result.ok) throw new Error("apply failed");
    expect(await readFile(path, "utf8")).toBe("nameserver 10.8.0.53\n");
    await result.value.undo();
    expect(await readFile(path)).toEqual(bytesBefore);
  });
});

describe("restoreLeftovers", () => {
  async function leaveState(
    pid: number,
    processStart: string | undefined,
    ifname = "ferry0",
    netns = currentNetns(),
  ) {
    const record = { version: 2, netns, ifname, pid, processStart, changes: [change("a"), change("b")] };
    await writeFile(stateFilePath(stateDir, ifname, netns), JSON.stringify(record));
  }

  it("undoes what a dead process recorded and removes its file", async () => {
    await leaveState(process.pid + 1_000_000, "12345");
    const outcomes = await restoreLeftovers(stateDir, fake.run);
    expect(fake.calls).toEqual(["ip del b", "ip del a"]);
    expect(outcomes).toMatchObject([{ kind: "restored", ifname: "ferry0", report: { undone: ["b", "a"] } }]);
    expect(await readdir(stateDir)).toEqual([]);
  });

  it("treats a reused pid (another start time) as dead", async () => {
    await leaveState(process.ppid, "not-its-start-time");
    const outcomes = await restoreLeftovers(stateDir, fake.run);
    expect(outcomes[0]?.kind).toBe("restored");
  });

  it("leaves alone the files of a tunnel whose owner still runs", async () => {
    const stat = await readFile(`/proc/${process.ppid}/stat`, "utf8");
    const { parseProcStatStart } = await import("../../src/os/state-file.js");
    await leaveState(process.ppid, parseProcStatStart(stat), "ferry1");
    const outcomes = await restoreLeftovers(stateDir, fake.run);
    expect(outcomes).toMatchObject([{ kind: "owner-running", ifname: "ferry1", pid: process.ppid }]);
    expect(fake.calls).toEqual([]);
  });

  it("never touches what a run in another network namespace recorded", async () => {
    await leaveState(process.pid + 1_000_000, "12345", "ferry0", "1");
    expect(await restoreLeftovers(stateDir, fake.run)).toEqual([]);
    expect(fake.calls).toEqual([]);
    expect(await readdir(stateDir)).toEqual(["1-ferry0.json"]);
  });

  it("moves an unreadable file aside instead of retrying it forever", async () => {
    await writeFile(stateFilePath(stateDir, "ferry0"), '{"version": 2, "chan');
    const outcomes = await restoreLeftovers(stateDir, fake.run);
    expect(outcomes).toMatchObject([{ kind: "unreadable" }]);
    expect(await readdir(stateDir)).toEqual([`${currentNetns()}-ferry0.json.unreadable`]);
    expect(await restoreLeftovers(stateDir, fake.run)).toEqual([]);
  });

  it("finds nothing in a directory that does not exist", async () => {
    expect(await restoreLeftovers(join(stateDir, "missing"), fake.run)).toEqual([]);
  });
});
