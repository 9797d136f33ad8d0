/**
 * keytar against a real Secret Service: a child process in its own D-Bus session with an unlocked
 * gnome-keyring, running the keychain from source, stores, reads and deletes a password.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { KEYCHAIN_SERVICE, keychainAccount, readConnectSecrets } from "../../src/keychain/keychain.js";

const missing = ["dbus-run-session", "gnome-keyring-daemon"].filter(
  (tool) => spawnSync("which", [tool]).status !== 0,
);
const script = fileURLToPath(new URL("./keychain-roundtrip.ts", import.meta.url));
const repo = fileURLToPath(new URL("../../../..", import.meta.url));

describe("readConnectSecrets", () => {
  it("reads the password and, for relay profiles, the token under the documented accounts", async () => {
    const store = new Map([
      [`ferry/${keychainAccount("work", "alice", "password")}`, "pw"],
      [`ferry/${keychainAccount("work", "alice", "relay-token")}`, "tok"],
    ]);
    const keychain = {
      get: async (service: string, account: string) => store.get(`${service}/${account}`),
      set: async () => {},
      delete: async () => false,
    };
    expect(keychainAccount("work", "alice", "password")).toBe("work:alice:password");
    expect(KEYCHAIN_SERVICE).toBe("ferry");
    expect(await readConnectSecrets(keychain, { id: "work", userName: "alice", usesRelay: true })).toEqual({
      password: "pw",
      relayToken: "tok",
    });
    expect(await readConnectSecrets(keychain, { id: "work", userName: "alice", usesRelay: false })).toEqual({
      password: "pw",
    });
    await expect(
      readConnectSecrets(keychain, { id: "home", userName: "alice", usesRelay: false }),
    ).rejects.toMatchObject({
      code: "PASSWORD_NOT_STORED",
    });
  });
});

describe.skipIf(missing.length > 0)(
  `keytarKeychain against a real Secret Service${missing.length > 0 ? ` (skipped: ${missing.join(", ")} not installed)` : ""}`,
  () => {
    it("stores, reads and deletes a password", async () => {
      // A throwaway home: gnome-keyring keeps its keyring files there, not in the real one.
      const home = await mkdtemp(join(tmpdir(), "fy-keyring-"));
      const child = spawnSync(
        "dbus-run-session",
        [
          "--",
          "bash",
          "-c",
          'echo -n pass | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec "$0" --import tsx "$1"',
          process.execPath,
          script,
        ],
        {
          cwd: repo,
          encoding: "utf8",
          timeout: 60_000,
          env: { ...process.env, HOME: home, XDG_DATA_HOME: join(home, "data"), XDG_RUNTIME_DIR: home },
        },
      );
      await rm(home, { recursive: true, force: true });
      expect(child.stdout.trim().split("\n").at(-1), child.stderr).toBe(
        JSON.stringify({
          before: null,
          stored: "s3cr3t-ü-pass",
          secrets: { password: "s3cr3t-ü-pass" },
          deleted: true,
          after: null,
        }),
      );
    });
  },
);
