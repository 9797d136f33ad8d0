import { describe, expect, it } from "vitest";
import { type FolderSnapshot, type ListedProfile, resolveProfiles } from "../src/index.js";
import { testOrganisation } from "./signing.js";

const SYSTEM = "/etc/ferry/profiles.d";
const USER = "/home/alice/.config/ferry/profiles";

const managedCorp = {
  id: "corp",
  name: "Corp",
  server: "vpn.example.com",
  mppe: { policy: "128" },
  routes: ["10.1.0.0/16"],
  locked: ["/server", "/mppe", "/routes"],
};

function file(dir: string, name: string, content: unknown): { file: string; bytes: Uint8Array } {
  const text = typeof content === "string" ? content : JSON.stringify(content, null, 2);
  return { file: `${dir}/${name}`, bytes: Buffer.from(text) };
}

function snapshot(parts: Partial<FolderSnapshot>): FolderSnapshot {
  return { systemFiles: [], keyFiles: [], userFiles: [], folderProblems: [], ...parts };
}

function only(listing: ReturnType<typeof resolveProfiles>, id: string): ListedProfile {
  const found = listing.profiles.filter((p) => p.id === id);
  expect(found).toHaveLength(1);
  return found[0]!;
}

describe("resolveProfiles", () => {
  it("lists system profiles as managed and user profiles as the user's", () => {
    const listing = resolveProfiles(
      snapshot({
        systemFiles: [file(SYSTEM, "corp.json", managedCorp)],
        userFiles: [file(USER, "home.json", { id: "home", name: "Home", server: "home.example.net" })],
      }),
    );
    expect(listing.profiles.map((p) => [p.id, p.managed, p.problems.length])).toEqual([
      ["corp", true, 0],
      ["home", false, 0],
    ]);
    expect(only(listing, "corp").profile?.mppe.policy).toBe("128");
  });

  it("lists a bad file as invalid with its problems, next to the good ones", () => {
    const listing = resolveProfiles(
      snapshot({
        userFiles: [
          file(USER, "broken.json", "{ not json"),
          file(USER, "half.json", { id: "half", name: "Half done" }),
          file(USER, "good.json", { id: "good", name: "Good", server: "vpn.example.com" }),
          { file: `${USER}/locked-away.json`, readError: "EACCES" },
        ],
      }),
    );
    expect(only(listing, "broken")).toMatchObject({
      name: "broken",
      problems: [{ path: "", message: expect.stringMatching(/^is not valid JSON/) }],
    });
    expect(only(listing, "half")).toMatchObject({
      name: "Half done",
      problems: [{ path: "/server", message: "is required" }],
    });
    expect(only(listing, "half").profile).toBeUndefined();
    expect(only(listing, "good").problems).toEqual([]);
    expect(only(listing, "locked-away").problems).toEqual([
      { path: "", message: "could not be read (EACCES)" },
    ]);
  });

  it("keeps ids unique: the second file with an id is listed with the problem", () => {
    const listing = resolveProfiles(
      snapshot({
        userFiles: [
          file(USER, "a.json", { id: "vpn", name: "A", server: "a.example.com" }),
          file(USER, "b.json", { id: "vpn", name: "B", server: "b.example.com" }),
        ],
      }),
    );
    expect(listing.profiles).toHaveLength(2);
    expect(listing.profiles[0]).toMatchObject({ file: `${USER}/a.json`, problems: [] });
    expect(listing.profiles[1]).toMatchObject({
      file: `${USER}/b.json`,
      problems: [{ path: "/id", message: `is also the id of ${USER}/a.json: ids must be unique` }],
    });
    expect(listing.profiles[1]?.profile).toBeUndefined();
  });

  describe("a user's override of a managed profile", () => {
    it("applies unlocked fields (the user name, the MTU)", () => {
      const listing = resolveProfiles(
        snapshot({
          systemFiles: [file(SYSTEM, "corp.json", managedCorp)],
          userFiles: [file(USER, "corp.json", { id: "corp", userName: "CORP\\alice", mtu: 1300 })],
        }),
      );
      const corp = only(listing, "corp");
      expect(corp).toMatchObject({ managed: true, override: { file: `${USER}/corp.json`, notices: [] } });
      expect(corp.profile).toMatchObject({ userName: "CORP\\alice", mtu: 1300, server: "vpn.example.com" });
    });

    it("reports a locked field the user overrides, and the organisation's value wins", () => {
      const listing = resolveProfiles(
        snapshot({
          systemFiles: [file(SYSTEM, "corp.json", managedCorp)],
          userFiles: [
            file(USER, "corp.json", {
              id: "corp",
              userName: "alice",
              server: "evil.example.net",
              mppe: { policy: "optional" },
              routes: "default",
              locked: [],
            }),
          ],
        }),
      );
      const corp = only(listing, "corp");
      expect(corp.problems).toEqual([]);
      expect(corp.profile).toMatchObject({
        userName: "alice",
        server: "vpn.example.com",
        mppe: { policy: "128" },
        routes: ["10.1.0.0/16"],
        locked: ["/server", "/mppe", "/routes"],
      });
      const locked = "is locked by your organisation: the managed value is used";
      expect(corp.override?.notices).toEqual([
        { path: "/server", message: locked },
        { path: "/mppe/policy", message: locked },
        { path: "/routes", message: locked },
        { path: "/locked", message: locked },
      ]);
    });

    it("says nothing when a locked field is repeated with the organisation's value", () => {
      const listing = resolveProfiles(
        snapshot({
          systemFiles: [file(SYSTEM, "corp.json", managedCorp)],
          userFiles: [
            file(USER, "corp.json", {
              id: "corp",
              server: "vpn.example.com",
              mppe: { policy: "128", stateful: false },
            }),
          ],
        }),
      );
      expect(only(listing, "corp").override?.notices).toEqual([]);
    });

    it("locks everything inside a locked object, and an object replacing a locked field", () => {
      const managed = {
        ...managedCorp,
        transport: { mode: "auto", relay: { url: "wss://relay.example.com" } },
        locked: ["/transport/relay"],
      };
      const listing = resolveProfiles(
        snapshot({
          systemFiles: [file(SYSTEM, "corp.json", managed)],
          userFiles: [
            file(USER, "corp.json", {
              id: "corp",
              transport: { mode: "direct", relay: { url: "wss://mine.example.com" } },
            }),
          ],
        }),
      );
      const corp = only(listing, "corp");
      expect(corp.profile?.transport).toEqual({ mode: "direct", relay: { url: "wss://relay.example.com" } });
      expect(corp.override?.notices).toEqual([
        {
          path: "/transport/relay/url",
          message: "is locked by your organisation: the managed value is used",
        },
      ]);
    });

    it("is not applied at all when it would make the profile invalid", () => {
      const listing = resolveProfiles(
        snapshot({
          systemFiles: [file(SYSTEM, "corp.json", managedCorp)],
          userFiles: [file(USER, "corp.json", { id: "corp", userName: "alice", mtu: 90000, colour: "red" })],
        }),
      );
      const corp = only(listing, "corp");
      expect(corp.problems).toEqual([]);
      expect(corp.profile?.userName).toBeUndefined();
      expect(corp.profile?.mtu).toBe(1400);
      expect(corp.override?.notices).toEqual([
        { path: "", message: "is not applied: it would make the profile invalid" },
        { path: "/colour", message: "is not a known field" },
        { path: "/mtu", message: "must be a whole number from 576 to 1500" },
      ]);
    });

    it("is noted, not applied, when the managed profile itself is unusable", () => {
      const listing = resolveProfiles(
        snapshot({
          systemFiles: [file(SYSTEM, "corp.json", { ...managedCorp, server: undefined })],
          userFiles: [file(USER, "corp.json", { id: "corp", userName: "alice" })],
        }),
      );
      expect(listing.profiles).toHaveLength(1);
      expect(only(listing, "corp")).toMatchObject({
        problems: [{ path: "/server", message: "is required" }],
        override: {
          notices: [{ path: "", message: "is not applied: the managed profile itself cannot be used" }],
        },
      });
    });

    it("takes one override per profile", () => {
      const listing = resolveProfiles(
        snapshot({
          systemFiles: [file(SYSTEM, "corp.json", managedCorp)],
          userFiles: [
            file(USER, "a.json", { id: "corp", userName: "alice" }),
            file(USER, "b.json", { id: "corp", userName: "bob" }),
          ],
        }),
      );
      expect(listing.profiles).toHaveLength(1);
      expect(only(listing, "corp")).toMatchObject({
        profile: { userName: "alice" },
        override: {
          file: `${USER}/a.json`,
          notices: [
            { path: "", message: `${USER}/b.json also overrides this profile and is ignored: keep one` },
          ],
        },
      });
    });
  });

  describe("signed system profiles", () => {
    const org = testOrganisation();
    const key = { file: `${SYSTEM}/keys/org.pem`, bytes: Buffer.from(org.publicPem) };
    const signed = (name: string, content: unknown) => {
      const f = file(SYSTEM, name, content);
      return { ...f, signature: org.sign(f.bytes) };
    };

    it("uses a profile whose signature verifies, and says which key signed it", () => {
      const listing = resolveProfiles(
        snapshot({ keyFiles: [key], systemFiles: [signed("corp.json", managedCorp)] }),
      );
      expect(only(listing, "corp")).toMatchObject({ problems: [], signedBy: "org.pem" });
    });

    it("refuses a tampered profile with the reason", () => {
      const good = signed("corp.json", managedCorp);
      const tampered = {
        ...good,
        bytes: Buffer.from(Buffer.from(good.bytes).toString().replace("vpn.example.com", "evil.example.net")),
      };
      const listing = resolveProfiles(snapshot({ keyFiles: [key], systemFiles: [tampered] }));
      const corp = only(listing, "corp");
      expect(corp.profile).toBeUndefined();
      expect(corp.problems).toEqual([
        { path: "", message: expect.stringMatching(/^the signature does not match/) },
      ]);
    });

    it("refuses an unsigned profile once the organisation has a key", () => {
      const listing = resolveProfiles(
        snapshot({ keyFiles: [key], systemFiles: [file(SYSTEM, "corp.json", managedCorp)] }),
      );
      expect(only(listing, "corp").problems).toEqual([
        { path: "", message: expect.stringMatching(/^no signature/) },
      ]);
    });

    it("reports a broken key file and still refuses what it cannot verify", () => {
      const listing = resolveProfiles(
        snapshot({
          keyFiles: [{ file: `${SYSTEM}/keys/bad.pem`, bytes: Buffer.from("junk") }],
          systemFiles: [signed("corp.json", managedCorp)],
        }),
      );
      expect(listing.folderProblems).toEqual([
        { file: `${SYSTEM}/keys/bad.pem`, message: expect.stringMatching(/is not a PEM public key/) },
      ]);
      expect(only(listing, "corp").profile).toBeUndefined();
    });

    it("does not ask user profiles for signatures", () => {
      const listing = resolveProfiles(
        snapshot({
          keyFiles: [key],
          userFiles: [file(USER, "home.json", { id: "home", name: "Home", server: "home.example.net" })],
        }),
      );
      expect(only(listing, "home").problems).toEqual([]);
    });
  });
});
