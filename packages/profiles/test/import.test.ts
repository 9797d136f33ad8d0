import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  importNmConnection,
  importPhonebook,
  importProfileFile,
  importProfileText,
  PASSWORD_NOT_IMPORTED,
  slugFromName,
  validateProfile,
} from "../src/index.js";

/** A phonebook as Windows 10 writes it: a PPTP entry, an L2TP-only entry, a "try SSTP first" entry. */
const PHONEBOOK = [
  "[Office VPN (Berlin)]",
  "Encoding=1",
  "PBVersion=6",
  "Type=2",
  "AutoLogon=0",
  "UseRasCredentials=1",
  "DialParamsUID=8841234",
  "Guid=A1B2C3D4E5F60718293A4B5C6D7E8F90",
  "VpnStrategy=1",
  "ExcludedProtocols=0",
  "LcpExtensions=1",
  "DataEncryption=512",
  "SwCompression=0",
  "PreferredPort=VPN2-0",
  "PreferredDevice=WAN Miniport (PPTP)",
  "PreviewUserPw=1",
  "CustomAuthKey=0",
  "AuthRestrictions=512",
  "IpPrioritizeRemote=0",
  "IpInterfaceMetric=0",
  "IpAddress=0.0.0.0",
  "IpDnsAddress=10.1.0.53",
  "IpDns2Address=0.0.0.0",
  "IpAssign=1",
  "IpNameAssign=2",
  "DisableClassBasedDefaultRoute=1",
  "NumRoutes=2",
  "",
  "NETCOMPONENTS=",
  "ms_server=1",
  "ms_msclient=1",
  "",
  "MEDIA=rastapi",
  "Port=VPN2-0",
  "Device=WAN Miniport (PPTP)",
  "",
  "DEVICE=vpn",
  "PhoneNumber=vpn.berlin.example.com",
  "AreaCode=",
  "CountryCode=0",
  "CountryID=0",
  "UseDialingRules=0",
  "Comment=",
  "",
  "[Lab L2TP]",
  "Type=2",
  "VpnStrategy=3",
  "DataEncryption=256",
  "MEDIA=rastapi",
  "Device=WAN Miniport (L2TP)",
  "DEVICE=vpn",
  "PhoneNumber=198.51.100.7",
  "",
  "[Road warrior]",
  "Type=2",
  "VpnStrategy=6",
  "DataEncryption=8",
  "IpPrioritizeRemote=1",
  "MEDIA=rastapi",
  "Device=WAN Miniport (SSTP)",
  "DEVICE=vpn",
  "PhoneNumber=203.0.113.10",
  "",
].join("\r\n");

/** A keyfile as nm-connection-editor saves it, password stored by NetworkManager (password-flags=0). */
const NMCONNECTION = `[connection]
id=Corp PPTP
uuid=5f0c3a7e-1b2d-4e5f-8a9b-0c1d2e3f4a5b
type=vpn
autoconnect=false
permissions=user:alice:;

[vpn]
gateway=vpn.corp.example.com
user=alice
domain=CORP
password-flags=0
refuse-eap=yes
refuse-pap=yes
refuse-chap=yes
refuse-mschap=yes
require-mppe=yes
require-mppe-128=yes
mppe-stateful=yes
nodeflate=yes
nobsdcomp=yes
lcp-echo-failure=5
lcp-echo-interval=30
unit=7
service-type=org.freedesktop.NetworkManager.pptp

[vpn-secrets]
password=Corr3ct-H0rse!

[ipv4]
dns=10.20.0.53;
dns-search=
ignore-auto-dns=true
method=auto
never-default=true
route1=10.20.0.0/16
route2=192.168.50.0/24,10.20.0.1,100
route3=172.16.5.9

[ipv6]
addr-gen-mode=stable-privacy
method=ignore

[proxy]
`;

describe("importPhonebook", () => {
  const [office, lab, road] = importPhonebook(PHONEBOOK);

  it("maps a PPTP entry to the expected profile", () => {
    expect(office).toMatchObject({ entry: "Office VPN (Berlin)", ok: true });
    if (!office?.ok) return;
    expect(office.imported.document).toEqual({
      id: "office-vpn-berlin",
      name: "Office VPN (Berlin)",
      server: "vpn.berlin.example.com",
      mppe: { policy: "128" },
      routes: [],
    });
    expect(validateProfile(office.imported.document).ok).toBe(true);
  });

  it("says what did not carry over, the password included", () => {
    if (!office?.ok) throw new Error("office entry not imported");
    expect(office.imported.notes).toEqual([
      "the entry did not use the default gateway on the remote network: list the networks to reach under routes",
      "Windows keeps this entry's 2 routes in a form Ferry cannot read: list them under routes",
      "the fixed DNS servers were not imported: Ferry uses the DNS servers the PPTP server hands out",
      "the phonebook does not hold the user name: set userName, or Ferry asks on first connect",
      PASSWORD_NOT_IMPORTED,
    ]);
  });

  it("skips an entry that never tries PPTP, saying why", () => {
    expect(lab).toEqual({
      entry: "Lab L2TP",
      ok: false,
      reason: "uses L2TP only (VpnStrategy=3); Ferry speaks PPTP",
    });
  });

  it("imports an entry that tried other protocols first, with a note", () => {
    expect(road).toMatchObject({
      ok: true,
      imported: {
        document: {
          id: "road-warrior",
          server: "203.0.113.10",
          mppe: { policy: "optional" },
          routes: "default",
        },
        notes: expect.arrayContaining([expect.stringMatching(/VpnStrategy=6.*PPTP only/)]),
      },
    });
  });

  it("skips entries that are not VPN entries", () => {
    expect(importPhonebook("[Modem]\nType=1\nPhoneNumber=5551234\n")).toEqual([
      { entry: "Modem", ok: false, reason: "is not a VPN entry (Type=1)" },
    ]);
  });
});

describe("importNmConnection", () => {
  const result = importNmConnection(NMCONNECTION);

  it("maps a NetworkManager PPTP connection to the expected profile", () => {
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.imported.document).toEqual({
      id: "corp-pptp",
      name: "Corp PPTP",
      server: "vpn.corp.example.com",
      userName: "CORP\\alice",
      mppe: { policy: "128", stateful: true },
      keepalive: { lcpEchoIntervalSeconds: 30, failures: 5 },
      routes: ["10.20.0.0/16", "192.168.50.0/24", "172.16.5.9/32"],
      dns: false,
    });
    expect(validateProfile(result.imported.document).ok).toBe(true);
  });

  it("never imports the password, and says so", () => {
    expect(JSON.stringify(result)).not.toContain("Corr3ct-H0rse!");
    if (!result.ok) return;
    expect(result.imported.notes).toContain(PASSWORD_NOT_IMPORTED);
    expect(result.imported.notes).toEqual([
      "route gateways and metrics were not imported: Ferry routes through the tunnel",
      "the fixed DNS servers were not imported: Ferry uses the DNS servers the PPTP server hands out",
      "[vpn] unit was not imported: Ferry has no such setting",
      PASSWORD_NOT_IMPORTED,
    ]);
  });

  it("takes the default route unless never-default is set, and keeps MPPE optional when it was", () => {
    const minimal = importNmConnection(
      "[connection]\nid=Home\ntype=vpn\n[vpn]\nservice-type=org.freedesktop.NetworkManager.pptp\ngateway=home.example.net\n[ipv4]\nmethod=auto\n",
    );
    expect(minimal).toMatchObject({
      ok: true,
      imported: {
        document: {
          id: "home",
          server: "home.example.net",
          mppe: { policy: "optional", stateful: false },
          routes: "default",
        },
        notes: expect.arrayContaining([
          expect.stringMatching(/^MPPE was not required there/),
          "Ferry authenticates with MS-CHAPv2 only: EAP, PAP, CHAP, MS-CHAP allowed there will not be used",
        ]),
      },
    });
  });

  it("refuses a connection of another VPN type", () => {
    expect(
      importNmConnection(
        "[connection]\nid=x\ntype=vpn\n[vpn]\nservice-type=org.freedesktop.NetworkManager.openvpn\n",
      ),
    ).toEqual({
      ok: false,
      reason: "is not a NetworkManager PPTP connection (service-type=org.freedesktop.NetworkManager.openvpn)",
    });
  });
});

describe("importProfileFile", () => {
  const dir = mkdtempSync(join(tmpdir(), "fy-import-"));

  it("recognises a phonebook, also in UTF-16 as some Windows versions write it", async () => {
    const file = join(dir, "rasphone.pbk");
    writeFileSync(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(PHONEBOOK, "utf16le")]));
    const result = await importProfileFile(file);
    expect(result).toMatchObject({
      ok: true,
      format: "phonebook",
      profiles: [{ source: "Office VPN (Berlin)" }, { source: "Road warrior" }],
      skipped: [{ source: "Lab L2TP" }],
    });
  });

  it("recognises a NetworkManager connection by its content", async () => {
    const file = join(dir, "Corp PPTP.nmconnection");
    writeFileSync(file, NMCONNECTION);
    expect(await importProfileFile(file)).toMatchObject({
      ok: true,
      format: "networkmanager",
      profiles: [{ source: "connection" }],
    });
  });

  it("says what it cannot import", async () => {
    expect(importProfileText("just some text")).toEqual({
      ok: false,
      reason: "is neither a Windows phonebook (rasphone.pbk) nor a NetworkManager connection file",
    });
    expect(await importProfileFile(join(dir, "missing.pbk"))).toEqual({
      ok: false,
      reason: "could not be read (ENOENT)",
    });
  });
});

describe("slugFromName", () => {
  it("makes an id the schema accepts", () => {
    expect(slugFromName("Büro VPN — Zürich")).toBe("buro-vpn-zurich");
    expect(slugFromName("***")).toBe("imported");
    expect(slugFromName("x".repeat(80))).toHaveLength(63);
  });
});
