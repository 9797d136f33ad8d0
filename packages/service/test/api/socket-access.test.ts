import { execFileSync, spawnSync } from "node:child_process";
import { chmod, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectFailure } from "../../src/api/client.js";
import { startApiServer } from "../../src/api/server.js";
import { type NssLookup, nssId, resolveSocketAccess } from "../../src/api/socket-access.js";
import { fakeHandlers } from "./fake-handlers.js";

const SELF = { uid: 0, gid: 0 };

function lookupOf(entries: Record<string, string>): NssLookup {
  return async (database, name) => entries[`${database}:${name}`];
}

describe("resolveSocketAccess", () => {
  it("gives a group that exists 0660", async () => {
    const access = await resolveSocketAccess(
      { group: "ferry" },
      SELF,
      lookupOf({ "group:ferry": "ferry:x:998:alice,bob" }),
    );
    expect(access).toMatchObject({ uid: 0, gid: 998, mode: 0o660 });
  });

  it("falls back to root only (0600) when the group does not exist", async () => {
    const access = await resolveSocketAccess({ group: "ferry" }, SELF, lookupOf({}));
    expect(access).toMatchObject({ uid: 0, gid: 0, mode: 0o600 });
    expect((access as { description: string }).description).toContain('no group "ferry"');
  });

  it("hands the socket to a configured user", async () => {
    const access = await resolveSocketAccess(
      { user: "alice" },
      SELF,
      lookupOf({ "passwd:alice": "alice:x:1000:1000::/home/alice:/bin/sh" }),
    );
    expect(access).toMatchObject({ uid: 1000, gid: 1000, mode: 0o600 });
  });

  it("refuses a user that does not exist", async () => {
    expect(await resolveSocketAccess({ user: "ghost" }, SELF, lookupOf({}))).toHaveProperty("error");
  });

  it("reads ids only from the entry of that name", () => {
    expect(nssId("ferry:x:998:", "ferry")).toBe(998);
    expect(nssId("ferryx:x:998:", "ferry")).toBeUndefined();
    expect(nssId("ferry:x:nope:", "ferry")).toBeUndefined();
    expect(nssId(undefined, "ferry")).toBeUndefined();
  });
});

describe("connectFailure", () => {
  it("tells a user outside the group how to get in", () => {
    const error = connectFailure("EACCES", "/run/ferry/ferryd.sock");
    expect(error.code).toBe("SERVICE_ACCESS_DENIED");
    expect(error.hint).toContain("sudo usermod -aG ferry $USER");
  });

  it("tells that the service is not running", () => {
    expect(connectFailure("ENOENT", "/x").code).toBe("SERVICE_NOT_RUNNING");
    expect(connectFailure("ECONNREFUSED", "/x").code).toBe("SERVICE_NOT_RUNNING");
  });
});

const isRoot = process.getuid?.() === 0;
const haveTools = ["useradd", "groupadd", "runuser"].every((tool) => spawnSync("which", [tool]).status === 0);

describe.skipIf(!isRoot || !haveTools)(
  "the socket's permissions, enforced by the kernel (root: throwaway user)",
  () => {
    const suffix = Math.floor(Math.random() * 1e6);
    const user = `fy-api-test-${suffix}`;
    const group = `fy-api-grp-${suffix}`;
    let dir: string;

    beforeAll(async () => {
      execFileSync("groupadd", ["--system", group]);
      execFileSync("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", user]);
      dir = await mkdtemp(join(tmpdir(), "fy-api-perm-"));
      await chmod(dir, 0o755);
    });

    afterAll(async () => {
      spawnSync("userdel", [user]);
      spawnSync("groupdel", [group]);
      await rm(dir, { recursive: true, force: true });
    });

    /** Connects to the socket as the throwaway user; "OK" or the errno. */
    function connectAs(path: string): string {
      const script = `require("node:net").createConnection(${JSON.stringify(path)})
      .on("connect", () => { console.log("OK"); process.exit(0); })
      .on("error", (e) => { console.log(e.code); process.exit(0); });`;
      return execFileSync("runuser", ["-u", user, "--", process.execPath, "-e", script], {
        encoding: "utf8",
      }).trim();
    }

    it("refuses a user outside the group with EACCES, then lets them in once they are a member", async () => {
      const path = join(dir, "group.sock");
      const access = await resolveSocketAccess({ group }, { uid: 0, gid: 0 });
      expect(access).toMatchObject({ mode: 0o660 });
      if ("error" in access) throw new Error(access.error);
      const started = await startApiServer({ path, access, handlers: fakeHandlers(), log: () => {} });
      if (!started.ok) throw new Error(started.error.message);
      try {
        const info = await stat(path);
        expect(info.mode & 0o777).toBe(0o660);
        expect(info.gid).toBe(access.gid);
        expect(connectAs(path)).toBe("EACCES");
        execFileSync("usermod", ["-aG", group, user]);
        expect(connectAs(path)).toBe("OK");
      } finally {
        await started.value.close();
      }
    });

    it("lets the owning user of a per-user socket in", async () => {
      const path = join(dir, "user.sock");
      const access = await resolveSocketAccess({ user }, { uid: 0, gid: 0 });
      if ("error" in access) throw new Error(access.error);
      const started = await startApiServer({ path, access, handlers: fakeHandlers(), log: () => {} });
      if (!started.ok) throw new Error(started.error.message);
      try {
        expect((await stat(path)).mode & 0o777).toBe(0o600);
        expect(connectAs(path)).toBe("OK");
      } finally {
        await started.value.close();
      }
    });

    it("keeps a root-only socket closed to everyone else", async () => {
      const path = join(dir, "root.sock");
      const access = await resolveSocketAccess({ group: `${group}-missing` }, { uid: 0, gid: 0 });
      if ("error" in access) throw new Error(access.error);
      const started = await startApiServer({ path, access, handlers: fakeHandlers(), log: () => {} });
      if (!started.ok) throw new Error(started.error.message);
      try {
        expect(connectAs(path)).toBe("EACCES");
      } finally {
        await started.value.close();
      }
    });
  },
);
