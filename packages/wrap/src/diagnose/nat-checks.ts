/**
 * The NAT checks: whether a NAT translates this computer's traffic (and so needs a PPTP helper for GRE), and whether
 * that NAT is carrier-grade, where PPTP rarely works.
 */
import { parseIpv4 } from "@ferry/pptp-client/wire";
import { type CgnatEvidence, cgnatEvidence, isCgnatAddress } from "../detect/cgnat.js";
import { greState } from "./call-progress.js";
import { capitalize, finding, type Rule, TITLES } from "./finding.js";
import { LOAD_HELPER, USE_RELAY } from "./fix-advice.js";
import type { Observations } from "./observations.js";

/** Addresses the internet side reports for this computer: the router's (NAT-PMP) and each relay's view. */
function externalViews(o: Observations): { source: string; address: string }[] {
  const views: { source: string; address: string }[] = [];
  const router = o.network?.routerExternalAddress;
  if (router !== undefined)
    views.push({ source: "the router's external address (NAT-PMP)", address: router });
  for (const relay of o.relays ?? []) {
    if (relay.observedAddress !== undefined && relay.observedAddress !== "") {
      views.push({ source: `the address relay ${relay.url} sees`, address: relay.observedAddress });
    }
  }
  return views;
}

/** RFC 1918 private space and RFC 6598 shared space: addresses that only exist behind a NAT. */
function isPrivateIpv4(text: string): boolean {
  const value = parseIpv4(text);
  if (value === undefined) return false;
  const first = value >>> 24;
  const second = (value >>> 16) & 0xff;
  return (
    first === 10 ||
    (first === 172 && second >= 16 && second <= 31) ||
    (first === 192 && second === 168) ||
    isCgnatAddress(text)
  );
}

export const nat: Rule = (o) => {
  const id = "nat";
  const title = TITLES[id];
  const gre = greState(o);
  if (o.network === undefined || o.relays === undefined || gre === undefined) return undefined;
  const local = o.network.localAddresses;
  const views = externalViews(o);
  const translated = views.find((view) => !local.includes(view.address));
  const privateLocal = local.find(isPrivateIpv4);
  let seen: string;
  if (translated !== undefined) {
    seen =
      `This computer's address${local.length === 1 ? " is" : "es are"} ${local.join(", ") || "unknown"}, but ` +
      `${translated.source} is ${translated.address}: a NAT translates this computer's traffic.`;
  } else if (views.length > 0) {
    return [
      finding(
        id,
        "ok",
        title,
        `${capitalize(views[0]!.source)} is ${views[0]!.address}, this computer's own: no NAT on the way.`,
      ),
    ];
  } else if (privateLocal !== undefined) {
    seen =
      `This computer's address ${privateLocal} is private, so a NAT must translate it (neither the router nor a ` +
      "relay reported the public address).";
  } else {
    return [
      finding(
        id,
        "ok",
        title,
        `This computer's address${local.length === 1 ? " is" : "es are"} ${local.join(", ") || "unknown"} and no ` +
          "external view says otherwise: no NAT is evident.",
      ),
    ];
  }
  const data = { nat: true };
  if (gre === "came-back") {
    return [
      finding(
        id,
        "ok",
        title,
        `${seen} GRE still came back, so this NAT handles PPTP (it has PPTP passthrough or a helper).`,
        undefined,
        data,
      ),
    ];
  }
  if (gre === "silent") {
    return [
      finding(
        id,
        "warn",
        title,
        `${seen} GRE did not come back: GRE has no ports, so a NAT can only map it back through a PPTP helper ` +
          "that ties it to the TCP 1723 connection, and this one most likely has none.",
        `Enable "PPTP passthrough" (or PPTP inspection) on the NAT device. ${LOAD_HELPER} Or ${USE_RELAY}`,
        data,
      ),
    ];
  }
  return [
    finding(
      id,
      "ok",
      title,
      `${seen} Whether it passes GRE was not tested; it needs PPTP passthrough or a PPTP helper to do so.`,
      undefined,
      data,
    ),
  ];
};

function cgnatFrom(o: Observations): CgnatEvidence {
  const relayObservedAddress = o.relays?.find((relay) => relay.observedAddress)?.observedAddress;
  const routerExternalAddress = o.network?.routerExternalAddress;
  return cgnatEvidence({
    localAddresses: o.network?.localAddresses ?? [],
    ...(relayObservedAddress === undefined ? {} : { relayObservedAddress }),
    ...(routerExternalAddress === undefined ? {} : { routerExternalAddress }),
  });
}

export const cgnat: Rule = (o) => {
  const id = "cgnat";
  const title = TITLES[id];
  const gre = greState(o);
  if (o.network === undefined || o.relays === undefined || gre === undefined) return undefined;
  const evidence = cgnatFrom(o);
  if (!evidence.cgnat) return [finding(id, "ok", title, evidence.why, undefined, { cgnat: false })];
  const fix =
    "Ask the ISP for a public IPv4 address (or to be taken off carrier-grade NAT), use a server outside this " +
    `NAT, or ${USE_RELAY}`;
  return gre === "came-back"
    ? [
        finding(id, "warn", title, `${evidence.why} GRE came back anyway, but such NATs change.`, fix, {
          cgnat: true,
        }),
      ]
    : [
        finding(
          id,
          "fail",
          title,
          `${evidence.why} With two NATs in a row PPTP usually fails even when each has passthrough: carrier NATs ` +
            "rarely map GRE.",
          fix,
          { cgnat: true },
        ),
      ];
};
