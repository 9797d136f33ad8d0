import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ProfileStore } from "@ferry/profiles";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { storeProfileSource } from "../../src/profiles/store-profile-source.js";

let dir: string;
let store: ProfileStore | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "fy-svc-profiles-"));
  await mkdir(join(dir, "system"));
  await mkdir(join(dir, "user"));
});

afterEach(async () => {
  store?.close();
  store = undefined;
  await rm(dir, { recursive: true, force: true });
});

const MANAGED = {
  id: "corp",
  name: "Corp",
  server: "203.0.113.10",
  transport: {
    mode: "auto",
    greTimeoutSeconds: 2,
    relay: { url: "wss://relay.example.com/ferry", caFile: "/etc/ferry/relay-ca.pem" },
  },
  mppe: { policy: "128", stateful: false },
  routes: ["10.0.0.0/8"],
  keepalive: { lcpEchoIntervalSeconds: 5, failures: 3 },
  locked: ["/server", "/transport"],
};

async function open() {
  store = await ProfileStore.open({ systemDir: join(dir, "system"), userDir: join(dir, "user") });
  return storeProfileSource(store);
}

describe("the service's view of the profile folders", () => {
  it("asks for a user name before a managed profile without one can connect", async () => {
    await writeFile(join(dir, "system", "corp.json"), JSON.stringify(MANAGED));
    const source = await open();
    expect(source.listProfiles()).toEqual([
      expect.objectContaining({
        id: "corp",
        managed: true,
        usesRelay: true,
        locked: ["/server", "/transport"],
        problems: [expect.objectContaining({ path: "/userName" })],
      }),
    ]);
    expect(source.profile("corp")).toBeUndefined();
  });

  it("turns a usable profile into connect settings: relay trust, MPPE, keepalive and GRE window", async () => {
    await writeFile(join(dir, "system", "corp.json"), JSON.stringify(MANAGED));
    await writeFile(join(dir, "user", "corp.json"), JSON.stringify({ id: "corp", userName: "alice" }));
    const source = await open();
    expect(source.listProfiles()[0]).toMatchObject({ userName: "alice", problems: [] });
    expect(source.profile("corp")).toEqual({
      id: "corp",
      server: "203.0.113.10",
      userName: "alice",
      transport: "auto",
      relay: {
        url: "wss://relay.example.com/ferry",
        trust: { kind: "ca", caFile: "/etc/ferry/relay-ca.pem" },
      },
      mppe: { strength: "128", stateful: false },
      mtu: expect.any(Number),
      routes: ["10.0.0.0/8"],
      dns: expect.any(Boolean),
      keepalive: { lcpEchoIntervalMs: 5000, failures: 3 },
      greTimeoutMs: 2000,
    });
  });

  it("lists a broken profile with its problems and never connects it", async () => {
    await writeFile(
      join(dir, "user", "home.json"),
      JSON.stringify({ id: "home", name: "Home", routes: ["10.0.0.0/33"] }),
    );
    const source = await open();
    const [home] = source.listProfiles();
    expect(home?.problems.length).toBeGreaterThan(0);
    expect(source.profile("home")).toBeUndefined();
  });
});
