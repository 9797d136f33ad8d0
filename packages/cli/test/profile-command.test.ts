import { generateKeyPairSync, sign } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROFILE_USAGE, runProfileCommand } from "../src/profile-command.js";

const dir = mkdtempSync(join(tmpdir(), "fy-profile-cli-"));
const corp = { id: "corp", name: "Corp", server: "vpn.example.com", routes: ["10.1.0.0/16"] };

function fileWith(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content, null, 2));
  return path;
}

async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const status = await runProfileCommand(args, { write: (l) => out.push(l), error: (l) => err.push(l) });
  return { status, out, err };
}

describe("ferry profile validate", () => {
  it("prints OK for each good file and exits 0", async () => {
    const a = fileWith("a.json", corp);
    const b = fileWith("b.json", { ...corp, id: "b", routes: "default" });
    expect(await run("validate", a, b)).toEqual({ status: 0, out: [`${a}: OK`, `${b}: OK`], err: [] });
  });

  it("prints each problem with its JSON path and exits 1 when any file is bad", async () => {
    const good = fileWith("good.json", corp);
    const noServer = fileWith("no-server.json", { id: "x", name: "X" });
    const badCidr = fileWith("bad-cidr.json", { ...corp, routes: ["10.1.0.0/16", "10.1.0.0/40"] });
    const unknown = fileWith("unknown.json", { ...corp, colour: "blue" });
    const notJson = fileWith("not-json.json", "{");
    const { status, out, err } = await run("validate", good, noServer, badCidr, unknown, notJson);
    expect(status).toBe(1);
    expect(out).toEqual([`${good}: OK`]);
    expect(err).toEqual([
      `${noServer}: /server: is required`,
      `${badCidr}: /routes/1: is not an IPv4 CIDR: an address and a prefix length from 0 to 32, such as 10.1.0.0/16`,
      `${unknown}: /colour: is not a known field`,
      `${notJson}: is not valid JSON (line 1, column 2)`,
    ]);
  });

  it("reports a file that cannot be read", async () => {
    const missing = join(dir, "missing.json");
    expect(await run("validate", missing)).toEqual({
      status: 1,
      out: [],
      err: [`${missing}: could not be read (ENOENT)`],
    });
  });

  describe("with --key", () => {
    const { publicKey, privateKey } = generateKeyPairSync("ed25519");
    const key = fileWith("org.pem", publicKey.export({ type: "spki", format: "pem" }).toString());
    const text = JSON.stringify(corp);
    const signature = sign(null, Buffer.from(text), privateKey).toString("base64");

    it("accepts a file whose signature verifies", async () => {
      const file = fileWith("signed.json", text);
      writeFileSync(`${file}.sig`, signature);
      expect(await run("validate", "--key", key, file)).toMatchObject({ status: 0, out: [`${file}: OK`] });
    });

    it("refuses a tampered file and a file without a signature", async () => {
      const tampered = fileWith("tampered.json", text.replace("vpn.example.com", "evil.example.net"));
      writeFileSync(`${tampered}.sig`, signature);
      const unsigned = fileWith("unsigned.json", text);
      const { status, err } = await run("validate", "--key", key, tampered, unsigned);
      expect(status).toBe(1);
      expect(err).toEqual([
        expect.stringMatching(new RegExp(`^${tampered}: the signature does not match`)),
        expect.stringMatching(new RegExp(`^${unsigned}: no signature`)),
      ]);
    });

    it("treats a key file that is not a key as a usage mistake", async () => {
      const file = fileWith("plain.json", text);
      const { status, err } = await run("validate", "--key", fileWith("junk.pem", "junk"), file);
      expect(status).toBe(2);
      expect(err[0]).toMatch(/^Error \[USAGE\]: The key file .*junk\.pem is not a PEM public key/);
    });
  });

  it("exits 2 for a usage mistake", async () => {
    expect((await run("validate")).status).toBe(2);
    expect((await run("validate", "--frobnicate", "x.json")).status).toBe(2);
    expect((await run()).status).toBe(2);
    expect((await run("lint", "x.json")).err[0]).toMatch(/Unknown subcommand "lint"/);
  });

  it("prints the usage for --help", async () => {
    expect(await run("validate", "--help")).toEqual({ status: 0, out: [PROFILE_USAGE], err: [] });
  });
});

describe("ferry profile import", () => {
  const nm = fileWith(
    "corp.nmconnection",
    [
      "[connection]",
      "id=Corp",
      "type=vpn",
      "[vpn]",
      "gateway=vpn.example.com",
      "user=alice",
      "require-mppe-128=yes",
      "refuse-eap=yes",
      "refuse-pap=yes",
      "refuse-chap=yes",
      "refuse-mschap=yes",
      "service-type=org.freedesktop.NetworkManager.pptp",
      "[vpn-secrets]",
      "password=Tr0ub4dor&3",
      "[ipv4]",
      "method=auto",
      "never-default=true",
      "route1=10.1.0.0/16",
      "",
    ].join("\n"),
  );

  it("prints the profile JSON on stdout and the notes on stderr, never the password", async () => {
    const { status, out, err } = await run("import", nm);
    expect(status).toBe(0);
    expect(JSON.parse(out.join("\n"))).toEqual({
      id: "corp",
      name: "Corp",
      server: "vpn.example.com",
      userName: "alice",
      mppe: { policy: "128", stateful: false },
      routes: ["10.1.0.0/16"],
    });
    expect(err).toEqual([`${nm}: the password was not imported; enter it on first connect`]);
    expect([...out, ...err].join("\n")).not.toContain("Tr0ub4dor");
  });

  const pbk = fileWith(
    "rasphone.pbk",
    [
      "[Office]",
      "Type=2",
      "VpnStrategy=1",
      "DataEncryption=256",
      "MEDIA=rastapi",
      "Device=WAN Miniport (PPTP)",
      "DEVICE=vpn",
      "PhoneNumber=203.0.113.10",
      "[Branch]",
      "Type=2",
      "VpnStrategy=2",
      "MEDIA=rastapi",
      "Device=WAN Miniport (PPTP)",
      "DEVICE=vpn",
      "PhoneNumber=",
      "[Lab]",
      "Type=2",
      "VpnStrategy=7",
      "",
    ].join("\r\n"),
  );

  it("asks which entry when a phonebook holds several", async () => {
    const { status, out, err } = await run("import", pbk);
    expect(status).toBe(2);
    expect(out).toEqual([]);
    expect(err.at(-1)).toMatch(/holds 2 PPTP entries \("Office", "Branch"\): choose one with --entry NAME/);
  });

  it("imports the chosen entry", async () => {
    const { status, out } = await run("import", "--entry", "office", pbk);
    expect(status).toBe(0);
    expect(JSON.parse(out.join("\n"))).toMatchObject({
      id: "office",
      server: "203.0.113.10",
      mppe: { policy: "any" },
    });
  });

  it("prints an entry that needs fixing, with its problems, and exits 1", async () => {
    const { status, out, err } = await run("import", "--entry", "Branch", pbk);
    expect(status).toBe(1);
    expect(JSON.parse(out.join("\n"))).toMatchObject({ id: "branch", name: "Branch" });
    expect(err).toContain(`${pbk}: /server: is required`);
  });

  it("says why an entry cannot be imported", async () => {
    const { status, err } = await run("import", "--entry", "Lab", pbk);
    expect(status).toBe(1);
    expect(err).toEqual([
      `${pbk}: [Lab] uses IKEv2 only (VpnStrategy=7); Ferry speaks PPTP`,
      `${pbk}: has no PPTP entry "Lab"; its PPTP entries are "Office", "Branch".`,
    ]);
  });

  it("exits 1 for a file it cannot import, 2 without exactly one file", async () => {
    const text = fileWith("notes.txt", "hello");
    expect(await run("import", text)).toEqual({
      status: 1,
      out: [],
      err: [`${text}: is neither a Windows phonebook (rasphone.pbk) nor a NetworkManager connection file`],
    });
    expect((await run("import")).status).toBe(2);
    expect((await run("import", nm, pbk)).status).toBe(2);
  });
});
