import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  loadProfileFile,
  ProfileStore,
  type ProfileStoreOptions,
  readProfileFolders,
  userProfilesDir,
} from "../src/index.js";
import { testOrganisation } from "./signing.js";

const corp = { id: "corp", name: "Corp", server: "vpn.example.com", locked: ["/server"] };
const stores: ProfileStore[] = [];
const dirs: string[] = [];

function tempFolders() {
  const root = mkdtempSync(join(tmpdir(), "fy-profiles-"));
  dirs.push(root);
  const systemDir = join(root, "profiles.d");
  const userDir = join(root, "user");
  mkdirSync(systemDir);
  mkdirSync(userDir);
  return { root, systemDir, userDir };
}

async function open(options: ProfileStoreOptions) {
  const store = await ProfileStore.open({ debounceMs: 50, rewatchMs: 100, ...options });
  stores.push(store);
  return store;
}

/** Resolves on the first change event after which `ready` holds; the test's own timeout bounds the wait. */
function changeWhere(store: ProfileStore, ready: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const stop = store.onChange(() => {
      if (!ready()) return;
      stop();
      resolve();
    });
  });
}

/** Writes the way deployment tools do: a hidden temporary file renamed into place. */
function deploy(dir: string, name: string, content: string | Buffer) {
  const temporary = join(dir, `.${name}.tmp`);
  writeFileSync(temporary, content);
  renameSync(temporary, join(dir, name));
}

afterEach(() => {
  for (const store of stores.splice(0)) store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("ProfileStore", () => {
  it("lists the profiles of both folders, managed ones marked", async () => {
    const { systemDir, userDir } = tempFolders();
    writeFileSync(join(systemDir, "corp.json"), JSON.stringify(corp));
    writeFileSync(
      join(userDir, "home.json"),
      JSON.stringify({ id: "home", name: "Home", server: "home.example.net" }),
    );
    writeFileSync(join(userDir, "notes.txt"), "not a profile");
    const store = await open({ systemDir, userDir });
    expect(store.list().map((p) => [p.id, p.managed])).toEqual([
      ["corp", true],
      ["home", false],
    ]);
    expect(store.profile("corp")?.server).toBe("vpn.example.com");
    expect(store.profile("nope")).toBeUndefined();
  });

  it("shows a profile dropped into the system folder without a restart", { timeout: 30_000 }, async () => {
    const { systemDir, userDir } = tempFolders();
    const store = await open({ systemDir, userDir });
    expect(store.list()).toEqual([]);
    const appeared = changeWhere(store, () => store.find("corp") !== undefined);
    deploy(systemDir, "corp.json", JSON.stringify(corp));
    await appeared;
    expect(store.find("corp")).toMatchObject({ managed: true, problems: [] });

    const gone = changeWhere(store, () => store.find("corp") === undefined);
    rmSync(join(systemDir, "corp.json"));
    await gone;
  });

  it("lists a bad file dropped in as invalid, and keeps going", { timeout: 30_000 }, async () => {
    const { systemDir, userDir } = tempFolders();
    const store = await open({ systemDir, userDir });
    const listed = changeWhere(
      store,
      () => store.find("broken") !== undefined && store.find("good") !== undefined,
    );
    deploy(userDir, "broken.json", "{ nope");
    deploy(userDir, "good.json", JSON.stringify({ id: "good", name: "Good", server: "vpn.example.com" }));
    await listed;
    expect(store.find("broken")?.problems).toEqual([
      { path: "", message: expect.stringMatching(/^is not valid JSON/) },
    ]);
    expect(store.profile("good")).toBeDefined();
  });

  it("applies a user override and reports a locked field, from real files", async () => {
    const { systemDir, userDir } = tempFolders();
    writeFileSync(join(systemDir, "corp.json"), JSON.stringify(corp));
    writeFileSync(
      join(userDir, "corp.json"),
      JSON.stringify({ id: "corp", userName: "alice", server: "evil.example.net" }),
    );
    const store = await open({ systemDir, userDir });
    expect(store.find("corp")).toMatchObject({
      profile: { userName: "alice", server: "vpn.example.com" },
      override: {
        notices: [{ path: "/server", message: "is locked by your organisation: the managed value is used" }],
      },
    });
  });

  it("refuses system profiles without a valid signature once keys/ holds a key", async () => {
    const { systemDir, userDir } = tempFolders();
    const org = testOrganisation();
    mkdirSync(join(systemDir, "keys"));
    writeFileSync(join(systemDir, "keys", "org.pem"), org.publicPem);
    const signed = Buffer.from(JSON.stringify(corp));
    for (const name of ["signed", "tampered", "unsigned"]) {
      const bytes = Buffer.from(JSON.stringify({ ...corp, id: name }));
      writeFileSync(join(systemDir, `${name}.json`), bytes);
      if (name === "signed") writeFileSync(join(systemDir, `${name}.json.sig`), org.sign(bytes));
    }
    writeFileSync(join(systemDir, "tampered.json.sig"), org.sign(signed));
    const store = await open({ systemDir, userDir });
    expect(store.find("signed")).toMatchObject({ problems: [], signedBy: "org.pem" });
    expect(store.find("tampered")?.problems[0]?.message).toMatch(/^the signature does not match/);
    expect(store.find("unsigned")?.problems[0]?.message).toMatch(/^no signature/);
    expect(store.profile("tampered")).toBeUndefined();
  });

  it("starts watching a folder that appears later", { timeout: 30_000 }, async () => {
    const { root } = tempFolders();
    const systemDir = join(root, "not-yet");
    const store = await open({ systemDir });
    expect(store.list()).toEqual([]);
    const appeared = changeWhere(store, () => store.find("corp") !== undefined);
    mkdirSync(systemDir);
    deploy(systemDir, "corp.json", JSON.stringify(corp));
    await appeared;
  });

  it("emits nothing after close", async () => {
    const { systemDir } = tempFolders();
    const store = await open({ systemDir });
    let changes = 0;
    store.onChange(() => changes++);
    store.close();
    writeFileSync(join(systemDir, "corp.json"), JSON.stringify(corp));
    expect(await store.reload()).toBe(false);
    expect(changes).toBe(0);
  });
});

describe("readProfileFolders", () => {
  it("treats a missing folder, or a file where a folder should be, as empty", async () => {
    const { root } = tempFolders();
    const notADir = join(root, "file");
    writeFileSync(notADir, "x");
    const snapshot = await readProfileFolders({ userDir: notADir, systemDir: join(root, "missing") });
    expect(snapshot).toEqual({ systemFiles: [], keyFiles: [], userFiles: [], folderProblems: [] });
  });

  it("does not read an oversized file", async () => {
    const { userDir } = tempFolders();
    writeFileSync(join(userDir, "huge.json"), Buffer.alloc(2 * 1024 * 1024, 0x20));
    const snapshot = await readProfileFolders({ userDir });
    expect(snapshot.userFiles).toEqual([
      { file: join(userDir, "huge.json"), readError: "larger than 1048576 bytes" },
    ]);
  });
});

describe("loadProfileFile", () => {
  it("validates one file and reports one that cannot be read", async () => {
    const { userDir } = tempFolders();
    writeFileSync(join(userDir, "corp.json"), JSON.stringify(corp));
    expect(await loadProfileFile(join(userDir, "corp.json"))).toMatchObject({
      ok: true,
      profile: { id: "corp" },
    });
    expect(await loadProfileFile(join(userDir, "missing.json"))).toEqual({
      ok: false,
      problems: [{ path: "", message: "could not be read (ENOENT)" }],
    });
  });
});

describe("userProfilesDir", () => {
  it("follows XDG_CONFIG_HOME on Linux, and the platform's folder elsewhere", () => {
    expect(userProfilesDir({ XDG_CONFIG_HOME: "/cfg" }, "linux", "/home/a")).toBe("/cfg/ferry/profiles");
    expect(userProfilesDir({ XDG_CONFIG_HOME: "relative" }, "linux", "/home/a")).toBe(
      "/home/a/.config/ferry/profiles",
    );
    expect(userProfilesDir({}, "darwin", "/Users/a")).toBe(
      "/Users/a/Library/Application Support/Ferry/profiles",
    );
  });
});
