/**
 * Windows phonebook (rasphone.pbk) entries as profiles. The keys are those of [MS-RRASM] 2.2.2 (the phonebook
 * file format): the section name is the connection's name, PhoneNumber the server, VpnStrategy the tunnel
 * protocols tried, DataEncryption the encryption policy, IpPrioritizeRemote whether the tunnel takes the default
 * route. Windows keeps user names and passwords outside the phonebook, so neither is ever here.
 */

import { type ImportedProfile, PASSWORD_NOT_IMPORTED, slugFromName } from "./import-result.js";
import { type IniSection, iniValue, parseIni } from "./ini.js";

export type EntryImport =
  | { readonly entry: string; readonly ok: true; readonly imported: ImportedProfile }
  | { readonly entry: string; readonly ok: false; readonly reason: string };

/** VpnStrategy values that never try PPTP. */
const OTHER_PROTOCOL_ONLY: Record<string, string> = { "3": "L2TP", "5": "SSTP", "7": "IKEv2" };
/** VpnStrategy values that try PPTP, first or alone. */
const PPTP_FIRST = new Set(["1", "2"]);

/** DataEncryption: 0 none, 8 optional, 256 required, 512 maximum strength. */
const MPPE_POLICY: Record<string, "optional" | "any" | "128"> = {
  "0": "optional",
  "8": "optional",
  "256": "any",
  "512": "128",
};

export function importPhonebook(text: string): EntryImport[] {
  return parseIni(text).map((section) => importEntry(section));
}

function importEntry(section: IniSection): EntryImport {
  const entry = section.name;
  const type = iniValue(section, "Type");
  if (type !== undefined && type !== "2")
    return { entry, ok: false, reason: `is not a VPN entry (Type=${type})` };
  const strategy = iniValue(section, "VpnStrategy") ?? "0";
  const pptpDevice = section.entries.some(([k, v]) => /^(preferred)?device$/i.test(k) && /\(PPTP\)/i.test(v));
  const onlyOther = OTHER_PROTOCOL_ONLY[strategy];
  if (onlyOther !== undefined)
    return {
      entry,
      ok: false,
      reason: `uses ${onlyOther} only (VpnStrategy=${strategy}); Ferry speaks PPTP`,
    };

  const notes: string[] = [];
  const document: Record<string, unknown> = { id: slugFromName(entry), name: entry };
  if (!PPTP_FIRST.has(strategy) && !pptpDevice)
    notes.push(
      `Windows tried other tunnel protocols for this entry (VpnStrategy=${strategy}); Ferry speaks PPTP only`,
    );

  const server = section.entries.find(([k, v]) => k.toLowerCase() === "phonenumber" && v !== "")?.[1];
  if (server !== undefined) document.server = server;
  else notes.push("the entry has no server (PhoneNumber): set server");

  const encryption = iniValue(section, "DataEncryption");
  if (encryption !== undefined) {
    const policy = MPPE_POLICY[encryption];
    if (policy === undefined)
      notes.push(`DataEncryption=${encryption} is not a known value: the default mppe policy is used`);
    else document.mppe = { policy };
    if (encryption === "0")
      notes.push(
        "Windows did not ask for encryption here; Ferry still offers MPPE and accepts none (mppe policy optional)",
      );
  }

  // Windows' default, and what the "Use default gateway on remote network" box means.
  if ((iniValue(section, "IpPrioritizeRemote") ?? "1") === "1") document.routes = "default";
  else {
    document.routes = [];
    notes.push(
      "the entry did not use the default gateway on the remote network: list the networks to reach under routes",
    );
  }
  const routeCount = Number(iniValue(section, "NumRoutes") ?? "0");
  if (routeCount > 0)
    notes.push(
      `Windows keeps this entry's ${routeCount} routes in a form Ferry cannot read: list them under routes`,
    );
  if (iniValue(section, "IpNameAssign") === "2")
    notes.push(
      "the fixed DNS servers were not imported: Ferry uses the DNS servers the PPTP server hands out",
    );
  if (iniValue(section, "IpAssign") === "2")
    notes.push("the fixed tunnel address was not imported: the PPTP server assigns it");

  notes.push("the phonebook does not hold the user name: set userName, or Ferry asks on first connect");
  notes.push(PASSWORD_NOT_IMPORTED);
  return { entry, ok: true, imported: { document, notes } };
}
