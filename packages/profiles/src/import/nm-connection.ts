/**
 * A NetworkManager pptp connection (a keyfile, `/etc/NetworkManager/system-connections/NAME.nmconnection`) as a
 * profile. The [vpn] keys are NetworkManager-pptp's (gateway, user, domain, require-mppe*, mppe-stateful,
 * refuse-*, lcp-echo-*); [ipv4] says whether the tunnel takes the default route and which routes it adds.
 */

import { type ImportedProfile, PASSWORD_NOT_IMPORTED, slugFromName } from "./import-result.js";
import { type IniSection, iniValue, parseIni } from "./ini.js";

export type ConnectionImport =
  | { readonly ok: true; readonly imported: ImportedProfile }
  | { readonly ok: false; readonly reason: string };

const PPTP_SERVICE = "org.freedesktop.NetworkManager.pptp";

/** [vpn] keys that need no note: mapped below, secrets, or about compression (Ferry negotiates none). */
const HANDLED_VPN_KEYS = new Set([
  "service-type",
  "gateway",
  "user",
  "domain",
  "password",
  "password-flags",
  "require-mppe",
  "require-mppe-40",
  "require-mppe-128",
  "mppe-stateful",
  "refuse-eap",
  "refuse-pap",
  "refuse-chap",
  "refuse-mschap",
  "refuse-mschapv2",
  "lcp-echo-interval",
  "lcp-echo-failure",
  "nobsdcomp",
  "nodeflate",
  "no-vj-comp",
]);

export function importNmConnection(text: string): ConnectionImport {
  const sections = parseIni(text);
  const section = (name: string) => sections.find((s) => s.name.toLowerCase() === name);
  const connection = section("connection");
  const vpn = section("vpn");
  const type = iniValue(connection, "type");
  if (type !== undefined && type !== "vpn")
    return { ok: false, reason: `is not a VPN connection (type=${type})` };
  const service = iniValue(vpn, "service-type");
  if (vpn === undefined || service !== PPTP_SERVICE)
    return {
      ok: false,
      reason: `is not a NetworkManager PPTP connection (service-type=${service ?? "none"})`,
    };

  const notes: string[] = [];
  const document: Record<string, unknown> = {};
  const name = iniValue(connection, "id");
  if (name !== undefined && name !== "") Object.assign(document, { id: slugFromName(name), name });
  else notes.push("the connection has no name ([connection] id): set id and name");

  const gateway = iniValue(vpn, "gateway");
  if (gateway !== undefined && gateway !== "") document.server = gateway;
  else notes.push("the connection has no gateway: set server");
  const user = iniValue(vpn, "user");
  const domain = iniValue(vpn, "domain");
  if (user !== undefined && user !== "") document.userName = domain ? `${domain}\\${user}` : user;

  document.mppe = mppe(vpn, notes);
  Object.assign(document, keepalive(vpn, notes), routing(section("ipv4"), notes));
  authenticationNotes(vpn, notes);
  const ipv6 = iniValue(section("ipv6"), "method");
  if (ipv6 !== undefined && ipv6 !== "ignore" && ipv6 !== "disabled")
    notes.push("the IPv6 settings were not imported: Ferry tunnels IPv4");
  const mtu = iniValue(section("ppp"), "mtu");
  if (mtu !== undefined && mtu !== "0") document.mtu = Number(mtu);
  for (const [key] of vpn.entries)
    if (!HANDLED_VPN_KEYS.has(key)) notes.push(`[vpn] ${key} was not imported: Ferry has no such setting`);
  notes.push(PASSWORD_NOT_IMPORTED);
  return { ok: true, imported: { document, notes } };
}

function yes(section: IniSection | undefined, key: string): boolean {
  return /^(yes|true|1)$/i.test(iniValue(section, key) ?? "");
}

function mppe(vpn: IniSection, notes: string[]): Record<string, unknown> {
  const stateful = yes(vpn, "mppe-stateful");
  if (yes(vpn, "require-mppe-128")) return { policy: "128", stateful };
  if (yes(vpn, "require-mppe-40") && !yes(vpn, "require-mppe"))
    notes.push("40-bit-only MPPE is not a Ferry policy: mppe policy any allows 128, 56 and 40-bit");
  if (yes(vpn, "require-mppe") || yes(vpn, "require-mppe-40")) return { policy: "any", stateful };
  notes.push("MPPE was not required there, so Ferry allows none either (mppe policy optional): prefer 128");
  return { policy: "optional", stateful };
}

function keepalive(vpn: IniSection, notes: string[]): Record<string, unknown> {
  const interval = Number(iniValue(vpn, "lcp-echo-interval") ?? Number.NaN);
  const failures = Number(iniValue(vpn, "lcp-echo-failure") ?? Number.NaN);
  const settings: Record<string, number> = {};
  if (interval > 0) settings.lcpEchoIntervalSeconds = interval;
  else if (interval === 0)
    notes.push("LCP echo was off there; Ferry keeps it on, so a dead tunnel is noticed");
  if (failures > 0) settings.failures = failures;
  return Object.keys(settings).length === 0 ? {} : { keepalive: settings };
}

/** never-default=true: only the listed routes go through the tunnel; otherwise it takes the default route. */
function routing(ipv4: IniSection | undefined, notes: string[]): Record<string, unknown> {
  const routes: string[] = [];
  let droppedGateways = false;
  for (const [key, value] of ipv4?.entries ?? []) {
    if (!/^routes?\d+$/i.test(key)) continue;
    const route = routeCidr(value);
    routes.push(route.cidr);
    droppedGateways ||= route.extra;
  }
  const settings: Record<string, unknown> = {};
  if (yes(ipv4, "never-default")) settings.routes = routes;
  else {
    settings.routes = "default";
    if (routes.length > 0)
      notes.push("the connection also listed routes; with the default route they are not needed");
  }
  if (droppedGateways)
    notes.push("route gateways and metrics were not imported: Ferry routes through the tunnel");
  if (yes(ipv4, "ignore-auto-dns")) settings.dns = false;
  if ((iniValue(ipv4, "dns") ?? "").replaceAll(";", "") !== "")
    notes.push(
      "the fixed DNS servers were not imported: Ferry uses the DNS servers the PPTP server hands out",
    );
  return settings;
}

/** "10.1.0.0/16,10.0.0.1,100" (keyfile), "10.1.0.0;16;0.0.0.0;0;" (old keyfile), "10.1.2.3" (a host). */
function routeCidr(value: string): { readonly cidr: string; readonly extra: boolean } {
  if (!value.includes("/") && value.includes(";")) {
    const [address = "", prefix = "32", gateway = "0.0.0.0", metric = "0"] = value.split(";");
    return {
      cidr: `${address}/${prefix}`,
      extra: gateway !== "0.0.0.0" || (metric !== "0" && metric !== ""),
    };
  }
  const [destination = "", ...rest] = value.split(",");
  const extra = rest.some((part) => part !== "" && part !== "0.0.0.0");
  return { cidr: destination.includes("/") ? destination : `${destination}/32`, extra };
}

function authenticationNotes(vpn: IniSection, notes: string[]): void {
  if (yes(vpn, "refuse-mschapv2"))
    notes.push("MS-CHAPv2 was refused there, but it is how Ferry authenticates: the server must offer it");
  const allowed = (["eap", "pap", "chap", "mschap"] as const).filter((m) => !yes(vpn, `refuse-${m}`));
  if (allowed.length > 0)
    notes.push(
      `Ferry authenticates with MS-CHAPv2 only: ${allowed.map((m) => m.toUpperCase().replace("MSCHAP", "MS-CHAP")).join(", ")} allowed there will not be used`,
    );
}
