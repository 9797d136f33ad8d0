/**
 * The field guide's troubleshooting checklist as findings, pure: observations in, ordered findings out, each in
 * plain words with the fix the guide gives. A check whose precondition failed is "skip" and says why, so the
 * reader's eye lands on the first real failure.
 *
 * Rules run in order; each returns undefined while an observation it reads is still missing. `settledFindings`
 * (the runner's progress) is the prefix of rules that can already decide; `evaluate` is every rule, with what never
 * arrived reported as not measured. A rule only decides once everything it reads is final, so both always agree.
 */

import { parseIpv4 } from "@ferry/pptp-client/wire";
import { type CgnatEvidence, cgnatEvidence, isCgnatAddress } from "../detect/cgnat.js";
import type { Observations, RelayGreObservation, RelayObservation, ReplyFailure } from "./observations.js";
import { explainOverhead, SAFE_TUNNEL_MTU, TCP_IPV4_HEADERS, tunnelMtuAdvice } from "./tunnel-mtu.js";

export type FindingStatus = "ok" | "warn" | "fail" | "skip";

export type FindingId =
  | "tcp-1723"
  | "control-connection"
  | "gre-return"
  | "icmp-unreachable"
  | "nat"
  | "cgnat"
  | "path-mtu"
  | "relay"
  | "relay-gre"
  | "verdict";

export interface Finding {
  readonly id: FindingId;
  readonly status: FindingStatus;
  readonly title: string;
  /** What was seen, in plain words. */
  readonly detail: string;
  /** What to do about it. */
  readonly fix?: string;
  readonly data?: Readonly<Record<string, string | number | boolean>>;
}

type Rule = (o: Observations, earlier: readonly Finding[]) => readonly Finding[] | undefined;

/** Findings every rule can already decide, in checklist order, stopping at the first that cannot. */
export function settledFindings(o: Observations): Finding[] {
  const findings: Finding[] = [];
  for (const rule of RULES) {
    const decided = rule.evaluate(o, findings);
    if (decided === undefined) break;
    findings.push(...decided);
  }
  return findings;
}

/** The whole checklist; a check whose observation never arrived is "skip: not measured". */
export function evaluate(o: Observations): Finding[] {
  const findings: Finding[] = [];
  for (const rule of RULES) {
    findings.push(
      ...(rule.evaluate(o, findings) ?? [
        skip(rule.id, rule.title, "Not measured: the probe did not finish in time."),
      ]),
    );
  }
  return findings;
}

const LONG_TERM =
  "Long term, plan a move off PPTP: MS-CHAPv2 and MPPE are weak, and WireGuard, OpenVPN or IKEv2 run over " +
  "one UDP/TCP port that NATs map without helpers.";
/** Lower case: it ends sentences ("... or use Ferry's relay"); capitalize() it to stand alone. */
const USE_RELAY =
  "use Ferry's relay (transport wrap, or auto, which falls back by itself): it carries the PPTP session inside " +
  "TLS on port 443, which needs no GRE and also hides the weak PPTP encryption from the network.";
const ALLOW_GRE =
  "Allow IP protocol 47 (GRE) as well as TCP 1723 on every firewall on the path (iptables -A FORWARD -p gre " +
  "-m state --state ESTABLISHED,RELATED -j ACCEPT; on a Cisco ASA permit tcp/1723 and ip protocol 47 or enable " +
  'PPTP inspection), and enable "PPTP passthrough" on the home router.';
const LOAD_HELPER =
  "On a Linux NAT gateway, load the PPTP connection-tracking helpers: modprobe nf_conntrack_pptp; modprobe " +
  "nf_nat_pptp. A router without passthrough needs new firmware or replacing.";

const TITLES: Readonly<Record<Exclude<FindingId, "relay" | "relay-gre">, string>> = {
  "tcp-1723": "TCP 1723 (the PPTP control channel)",
  "control-connection": "PPTP control connection and call",
  "gre-return": "GRE (IP protocol 47) coming back",
  "icmp-unreachable": "ICMP unreachable for GRE",
  nat: "NAT between this computer and the internet",
  cgnat: "Carrier-grade NAT",
  "path-mtu": "Path MTU, tunnel MTU and TCP MSS",
  verdict: "Verdict",
};

function finding(
  id: FindingId,
  status: FindingStatus,
  title: string,
  detail: string,
  fix?: string,
  data?: Finding["data"],
): Finding {
  return {
    id,
    status,
    title,
    detail,
    ...(fix === undefined ? {} : { fix }),
    ...(data === undefined ? {} : { data }),
  };
}

function skip(id: FindingId, title: string, why: string, fix?: string): Finding {
  return finding(id, "skip", title, why, fix);
}

/* Where the PPTP probe got to: each undefined while it is still on the way. */

type CallState = { readonly up: true } | { readonly up: false; readonly why: string };

function callState(o: Observations): CallState | undefined {
  if (o.tcp === undefined) return undefined;
  if (o.tcp.outcome !== "connected") return { up: false, why: "TCP 1723 did not connect" };
  if (o.control === undefined) return undefined;
  if (o.control.outcome !== "answered" || o.control.resultCode !== 1) {
    return { up: false, why: "the server did not open a control connection" };
  }
  if (o.call === undefined) return undefined;
  if (o.call.outcome !== "answered" || o.call.resultCode !== 1) {
    return { up: false, why: "the server did not accept the call" };
  }
  return { up: true };
}

type GreState = "came-back" | "silent" | "untested";

function greState(o: Observations): GreState | undefined {
  const call = callState(o);
  if (call === undefined) return undefined;
  if (!call.up) return "untested";
  if (o.gre === undefined) return undefined;
  if (o.gre.outcome !== "listened") return "untested";
  return o.gre.received > 0 ? "came-back" : "silent";
}

/* The rules, in the order of the checklist. */

const tcp1723: Rule = (o) => {
  const tcp = o.tcp;
  if (tcp === undefined) return undefined;
  const id = "tcp-1723";
  const title = TITLES[id];
  const target = `${o.server}${o.address === undefined || o.address === o.server ? "" : ` (${o.address})`}`;
  const data = { outcome: tcp.outcome, elapsedMs: tcp.elapsedMs };
  switch (tcp.outcome) {
    case "connected":
      return [
        finding(
          id,
          "ok",
          title,
          `The TCP handshake with ${target} on port 1723 completed in ${tcp.elapsedMs} ms.`,
          undefined,
          data,
        ),
      ];
    case "unresolved":
      return [
        finding(
          id,
          "fail",
          title,
          `The name ${o.server} did not resolve to an IPv4 address (${tcp.error}).`,
          "Check the server name in the profile and that DNS works on this network; PPTP runs over IPv4 only.",
          data,
        ),
      ];
    case "refused":
      return [
        finding(
          id,
          "fail",
          title,
          `${target} refused TCP port 1723: the connection attempt was answered with a reset (${tcp.error}).`,
          "Nothing listens on TCP 1723 there, or a firewall rejects it. Check the server address and that the " +
            "PPTP server (pptpd) is running; its firewall must accept TCP 1723 (iptables -A INPUT -p tcp --dport " +
            "1723 -m state --state NEW,ESTABLISHED -j ACCEPT), and a server behind NAT needs TCP 1723 forwarded.",
          data,
        ),
      ];
    case "timeout":
      return [
        finding(
          id,
          "fail",
          title,
          `Nothing answered the connection attempt to ${target} on TCP 1723 within ${tcp.elapsedMs} ms: ` +
            "something on the way drops it silently.",
          "Allow TCP 1723 out of this network and into the server (forwarded to it if it sits behind NAT). " +
            `A network that only lets web traffic out cannot do direct PPTP: ${USE_RELAY}`,
          data,
        ),
      ];
    case "no-route":
      return [
        finding(
          id,
          "fail",
          title,
          `There is no route to ${target} (${tcp.error}).`,
          "Check this computer's network connection and the server address.",
          data,
        ),
      ];
    case "error":
      return [
        finding(
          id,
          "fail",
          title,
          `Connecting to ${target} on TCP 1723 failed (${tcp.error}).`,
          "Check this computer's network connection and the server address.",
          data,
        ),
      ];
  }
};

function replyFailure(failure: ReplyFailure, request: string): string {
  switch (failure.outcome) {
    case "no-reply":
      return `the server did not answer the ${request} within ${failure.waitedMs} ms`;
    case "closed":
      return `the server closed the connection instead of answering the ${request}${failure.error === undefined ? "" : ` (${failure.error})`}`;
    case "garbled":
      return `what came back on TCP 1723 is not PPTP (${failure.reason})`;
  }
}

const CONTROL_FIX =
  "Check that the address is the PPTP server's, and the server's logs. A firewall, IDS or deep-packet " +
  "inspection that interferes with the TCP 1723 session shows up here: review its logs for resets or drops on " +
  "TCP 1723, and bypass inspection for the PPTP flow to test.";

const controlConnection: Rule = (o) => {
  const id = "control-connection";
  const title = TITLES[id];
  if (o.tcp === undefined) return undefined;
  if (o.tcp.outcome !== "connected") return [skip(id, title, "Not tried: TCP 1723 did not connect.")];
  const control = o.control;
  if (control === undefined) return undefined;
  if (control.outcome !== "answered") {
    const why = replyFailure(control, "Start-Control-Connection-Request");
    return [finding(id, "fail", title, `TCP 1723 connected, but ${why}.`, CONTROL_FIX)];
  }
  if (control.resultCode !== 1) {
    return [
      finding(
        id,
        "fail",
        title,
        `The server refused the control connection: Start-Control-Connection-Reply result code ` +
          `${control.resultCode}, error code ${control.errorCode} (RFC 2637 section 2.2).`,
        "Check the PPTP server's logs. Result code 3 means another PPTP client behind the same NAT address is " +
          "already connected; 4 means this client's address is not allowed.",
        { resultCode: control.resultCode, errorCode: control.errorCode },
      ),
    ];
  }
  const server = `the server (host "${control.hostName}", vendor "${control.vendorName}")`;
  const call = o.call;
  if (call === undefined) return undefined;
  if (call.outcome !== "answered") {
    const why = replyFailure(call, "Outgoing-Call-Request");
    return [
      finding(id, "fail", title, `The control connection to ${server} came up, but ${why}.`, CONTROL_FIX),
    ];
  }
  if (call.resultCode !== 1) {
    return [
      finding(
        id,
        "fail",
        title,
        `The control connection to ${server} came up, but the server refused the call: Outgoing-Call-Reply ` +
          `result code ${call.resultCode}, error code ${call.errorCode}, cause code ${call.causeCode}.`,
        "Check the PPTP server's logs: it may have no free calls or addresses, or refuse this client.",
        { resultCode: call.resultCode, errorCode: call.errorCode, causeCode: call.causeCode },
      ),
    ];
  }
  return [
    finding(
      id,
      "ok",
      title,
      `${capitalize(server)} answered the Start-Control-Connection-Request and accepted an Outgoing-Call-Request.`,
      undefined,
      { hostName: control.hostName, vendorName: control.vendorName, serverCallId: call.serverCallId },
    ),
  ];
};

const greReturn: Rule = (o) => {
  const id = "gre-return";
  const title = TITLES[id];
  const call = callState(o);
  if (call === undefined) return undefined;
  if (!call.up) return [skip(id, title, `Not tried: ${call.why}, and GRE only flows for a call.`)];
  const gre = o.gre;
  if (gre === undefined) return undefined;
  if (gre.outcome === "unavailable") {
    return [
      gre.needsRoot
        ? skip(
            id,
            title,
            `Not tried: listening for GRE needs a raw socket, and raw sockets need root (${gre.error}).`,
            "Run ferry diagnose as root (sudo) to test GRE.",
          )
        : skip(id, title, `Not tried: the raw GRE socket could not be opened (${gre.error}).`),
    ];
  }
  const data = { received: gre.received, waitedMs: gre.waitedMs };
  if (gre.received > 0) {
    return [
      finding(
        id,
        "ok",
        title,
        `${gre.received} GRE packet${gre.received === 1 ? "" : "s"} from the server came back within ` +
          `${gre.waitedMs} ms: IP protocol 47 gets through.`,
        undefined,
        data,
      ),
    ];
  }
  return [
    finding(
      id,
      "fail",
      title,
      `The call was set up, but no GRE packet came back from the server within ${gre.waitedMs} ms. TCP 1723 ` +
        "working while GRE does not is the classic sign of a firewall or NAT dropping IP protocol 47.",
      `${ALLOW_GRE} ${LOAD_HELPER} If you cannot change the network, ${USE_RELAY}`,
      data,
    ),
  ];
};

/** What the kernel's errno on the raw socket says came back (Linux icmp_err_convert, and a local refusal). */
function icmpMeaning(errno: string | undefined): { kind: string; fix: string } | undefined {
  switch (errno) {
    case "ENOPROTOOPT":
      return {
        kind: "an ICMP protocol-unreachable: the server, or a firewall in front of it, does not accept IP protocol 47",
        fix: `On the server, allow GRE in (iptables -A INPUT -p gre -j ACCEPT) and make sure PPTP's GRE is handled; ${ALLOW_GRE}`,
      };
    case "EHOSTUNREACH":
    case "ECONNREFUSED":
    case "ENETUNREACH":
    case "EHOSTDOWN":
      return {
        kind: "an ICMP destination-unreachable: a router or firewall on the path rejects GRE to the server",
        fix: ALLOW_GRE,
      };
    case "EPERM":
    case "EACCES":
      return {
        kind: "a refusal by this computer's own firewall to send GRE",
        fix: "Allow GRE out in the local firewall (iptables -A OUTPUT -p gre -j ACCEPT).",
      };
    default:
      return undefined;
  }
}

const icmpUnreachable: Rule = (o) => {
  const id = "icmp-unreachable";
  const title = TITLES[id];
  const call = callState(o);
  if (call === undefined) return undefined;
  if (!call.up) return [skip(id, title, `Not tried: ${call.why}, so no GRE was sent.`)];
  const gre = o.gre;
  if (gre === undefined) return undefined;
  if (gre.outcome !== "listened")
    return [skip(id, title, "Not tried: no GRE could be sent without a raw socket.")];
  if (gre.socketErrors === 0) {
    return [finding(id, "ok", title, "No ICMP error came back for the GRE this computer sent.")];
  }
  const data = { socketErrors: gre.socketErrors, lastError: gre.lastError ?? "" };
  const meaning = icmpMeaning(gre.lastError);
  if (meaning === undefined) {
    return [
      finding(
        id,
        "warn",
        title,
        `The GRE socket reported ${gre.socketErrors} error${gre.socketErrors === 1 ? "" : "s"} (last: ` +
          `${gre.lastError ?? "unknown"}), which is not an unreachable.`,
        undefined,
        data,
      ),
    ];
  }
  const seen = `The GRE this computer sent was answered with ${meaning.kind} (${gre.lastError}).`;
  return gre.received > 0
    ? [
        finding(
          id,
          "warn",
          title,
          `${seen} GRE from the server still came back, so the call may work.`,
          meaning.fix,
          data,
        ),
      ]
    : [
        finding(
          id,
          "fail",
          title,
          seen,
          `${meaning.fix} If you cannot change the network, ${USE_RELAY}`,
          data,
        ),
      ];
};

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

const nat: Rule = (o) => {
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

const cgnat: Rule = (o) => {
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

const pathMtu: Rule = (o) => {
  const id = "path-mtu";
  const title = TITLES[id];
  if (o.tcp?.outcome === "unresolved")
    return [skip(id, title, "Not tried: the server's name did not resolve.")];
  const probe = o.pathMtu;
  if (probe === undefined) return undefined;
  if (probe.outcome === "no-answer") {
    return [
      skip(
        id,
        title,
        "Not measured: the server did not answer even small ping packets (ping is blocked on the way).",
        `If the tunnel connects but large transfers stall (HTTPS hangs), set the tunnel MTU to ${SAFE_TUNNEL_MTU} ` +
          `and clamp TCP MSS to ${SAFE_TUNNEL_MTU - TCP_IPV4_HEADERS}.`,
      ),
    ];
  }
  if (probe.outcome === "failed")
    return [skip(id, title, `Not measured: ping could not run (${probe.error}).`)];
  const advice = tunnelMtuAdvice(probe.pathMtu);
  const reported =
    probe.reportedMtu === undefined ? "" : ` (a router reported an MTU of ${probe.reportedMtu})`;
  const blackHole =
    probe.pathMtu < 1500 && probe.reportedMtu === undefined
      ? ' Larger packets vanished without an ICMP "fragmentation needed" (a path-MTU black hole), so TCP cannot ' +
        "find the limit by itself."
      : "";
  const detail =
    `Don't-fragment pings of up to ${probe.pathMtu} bytes reach the server${reported}. ` +
    `${explainOverhead(probe.pathMtu)}. Recommended: tunnel MTU ${advice.tunnelMtu}, TCP MSS ${advice.mss} ` +
    `(the MTU minus 40 bytes of IPv4 and TCP headers).${blackHole}`;
  const data = {
    pathMtu: advice.pathMtu,
    maxTunnelMtu: advice.maxTunnelMtu,
    tunnelMtu: advice.tunnelMtu,
    mss: advice.mss,
  };
  if (!advice.narrow) return [finding(id, "ok", title, detail, undefined, data)];
  return [
    finding(
      id,
      "warn",
      title,
      detail,
      `Set the tunnel MTU to ${advice.tunnelMtu} (pppd: mtu ${advice.tunnelMtu} mru ${advice.tunnelMtu}) and clamp ` +
        "TCP MSS on the gateway (iptables -t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS " +
        `--clamp-mss-to-pmtu, or --set-mss ${advice.mss}); otherwise connections come up but large transfers stall.`,
      data,
    ),
  ];
};

function relayFinding(relay: RelayObservation): Finding {
  const title = `Relay ${relay.url}`;
  const data = {
    url: relay.url,
    ...(relay.observedAddress ? { observedAddress: relay.observedAddress } : {}),
  };
  if (relay.ok) {
    const seen = relay.observedAddress
      ? `it sees this computer as ${relay.observedAddress}`
      : "it did not say which address it sees";
    return finding(
      "relay",
      "ok",
      title,
      `Reached over TLS and welcomed this client; ${seen}.`,
      undefined,
      data,
    );
  }
  const error = relay.error;
  if (error === undefined)
    return finding("relay", "fail", title, "The relay probe failed without saying why.", undefined, data);
  return finding("relay", "fail", title, error.message, error.hint, { ...data, code: error.code });
}

/**
 * A GRE probe to the relay says whether this network passes GRE at all; next to the direct GRE test it says on
 * which side of the path GRE is lost.
 */
function relayGreFinding(relay: RelayObservation, probe: RelayGreObservation, direct: GreState): Finding {
  const address = relay.relayAddress ?? "";
  const title = `GRE to the relay (${address})`;
  if (probe.outcome === "unavailable") {
    return probe.needsRoot
      ? skip(
          "relay-gre",
          title,
          `Not tried: a GRE probe needs a raw socket, and raw sockets need root (${probe.error}).`,
          "Run ferry diagnose as root (sudo) to test GRE.",
        )
      : skip("relay-gre", title, `Not tried: the raw GRE socket could not be opened (${probe.error}).`);
  }
  const data = { relayAddress: address, sent: probe.sent };
  if (probe.outcome === "answered") {
    const seen =
      `GRE reaches the relay and comes back: a GRE probe to ${address} was answered in ${probe.roundTripMs} ms, ` +
      "so this network passes IP protocol 47 both ways.";
    if (direct !== "silent") {
      return finding("relay-gre", "ok", title, seen, undefined, { ...data, roundTripMs: probe.roundTripMs });
    }
    return finding(
      "relay-gre",
      "ok",
      title,
      `${seen} The GRE that does not come back from the PPTP server is lost on the server's side of the path: ` +
        "its firewall, or the NAT in front of it.",
      "On the server, allow GRE in and out (iptables -A INPUT -p gre -j ACCEPT) and, if it sits behind NAT, " +
        "forward IP protocol 47 to it with TCP 1723. Until then, the relay works around it.",
      { ...data, roundTripMs: probe.roundTripMs },
    );
  }
  const silence = `GRE to the relay gets no answer: ${probe.sent} GRE probe${probe.sent === 1 ? "" : "s"} to ${address} went unanswered for ${probe.waitedMs} ms.`;
  const noData = { ...data, waitedMs: probe.waitedMs };
  if (probe.sent === 0) {
    return finding(
      "relay-gre",
      "fail",
      title,
      `${silence} This computer refused to send them: its own firewall blocks GRE.`,
      "Allow GRE out in the local firewall (iptables -A OUTPUT -p gre -j ACCEPT).",
      noData,
    );
  }
  if (direct === "came-back") {
    return finding(
      "relay-gre",
      "warn",
      title,
      `${silence} GRE from the PPTP server does come back, so it is the relay's network that drops GRE: direct ` +
        "PPTP is not affected, and the relay carries PPTP over TLS anyway.",
      "Tell the relay's administrator that GRE probes to it go unanswered (its firewall drops IP protocol 47).",
      noData,
    );
  }
  const blocked =
    direct === "silent"
      ? "GRE does not come back from the PPTP server either: this network blocks GRE (IP protocol 47)"
      : "Most likely this network blocks GRE (IP protocol 47), though a firewall in front of the relay could too";
  return finding(
    "relay-gre",
    "fail",
    title,
    `${silence} ${blocked}; direct PPTP needs GRE both ways.`,
    `${ALLOW_GRE} ${LOAD_HELPER} If you cannot change the network, ${USE_RELAY}`,
    noData,
  );
}

const relays: Rule = (o) => {
  if (o.relays === undefined) return undefined;
  if (o.relays.length === 0) {
    return [
      skip(
        "relay",
        "Relay",
        "No relay given, so the fallback was not tested.",
        "Name the relay to test it (the profile's relay URL, or --relay URL on the command line).",
      ),
    ];
  }
  // A GRE probe's finding reads the direct GRE test too: it decides once that has.
  const direct = greState(o);
  const probed = o.relays.some((relay) => relay.gre !== undefined);
  if (probed && direct === undefined) return undefined;
  return o.relays.flatMap((relay) =>
    relay.gre === undefined
      ? [relayFinding(relay)]
      : [relayFinding(relay), relayGreFinding(relay, relay.gre, direct ?? "untested")],
  );
};

function statusOf(findings: readonly Finding[], id: FindingId): FindingStatus | undefined {
  return findings.find((f) => f.id === id)?.status;
}

const verdict: Rule = (o, earlier) => {
  const id = "verdict";
  const relayTested = o.relays !== undefined && o.relays.length > 0;
  const relayOk = earlier.some((f) => f.id === "relay" && f.status === "ok");
  const decide = (
    status: FindingStatus,
    title: string,
    detail: string,
    fix: string,
    choice: string,
  ): Finding[] => [
    finding(id, status, `Verdict: ${title}`, detail, `${fix} ${LONG_TERM}`, { verdict: choice }),
  ];
  const viaRelay = (problem: string, detail: string): Finding[] =>
    relayOk
      ? decide(
          "warn",
          `use the relay: ${problem}`,
          `${detail} The relay works from here.`,
          capitalize(USE_RELAY),
          "relay",
        )
      : decide(
          "fail",
          `direct cannot work: ${problem}`,
          `${detail} ${relayTested ? "No relay given could be used either." : "No relay was tested."}`,
          relayTested
            ? "Fix the relay problems above, or the network."
            : `Fix the network as above, or ${USE_RELAY}`,
          "none",
        );
  if (o.tcp?.outcome === "unresolved") {
    return decide(
      "fail",
      "the server's name does not resolve",
      "Nothing else could be tried.",
      "Fix the name first.",
      "none",
    );
  }
  if (statusOf(earlier, "tcp-1723") === "fail")
    return viaRelay("TCP 1723 is blocked", "TCP 1723 to the server fails from here.");
  if (statusOf(earlier, "control-connection") === "fail") {
    return viaRelay(
      "the PPTP control connection fails",
      "The server does not complete the PPTP control exchange from here.",
    );
  }
  if (statusOf(earlier, "cgnat") === "fail")
    return viaRelay(
      "carrier-grade NAT",
      "This network sits behind carrier-grade NAT, which rarely passes GRE.",
    );
  if (statusOf(earlier, "gre-return") === "fail" || statusOf(earlier, "icmp-unreachable") === "fail") {
    return viaRelay("GRE is blocked", "TCP 1723 works but GRE (IP protocol 47) does not get through.");
  }
  const mtu = o.pathMtu?.outcome === "measured" ? tunnelMtuAdvice(o.pathMtu.pathMtu) : undefined;
  const mtuNote = mtu === undefined ? "" : ` Use a tunnel MTU of ${mtu.tunnelMtu} and TCP MSS of ${mtu.mss}.`;
  if (statusOf(earlier, "gre-return") === "skip") {
    return decide(
      "warn",
      "direct may work; GRE was not tested",
      "TCP 1723 and the PPTP control connection work, but whether GRE comes back was not tested.",
      `Run ferry diagnose as root to test GRE, or connect with transport auto, which falls back to a relay by itself.${mtuNote}`,
      "untested",
    );
  }
  return decide(
    "ok",
    "direct should work",
    "TCP 1723, the PPTP control connection and GRE all get through.",
    `Connect directly.${mtuNote}`,
    "direct",
  );
};

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const RULES: readonly { readonly id: FindingId; readonly title: string; readonly evaluate: Rule }[] = [
  { id: "tcp-1723", title: TITLES["tcp-1723"], evaluate: tcp1723 },
  { id: "control-connection", title: TITLES["control-connection"], evaluate: controlConnection },
  { id: "gre-return", title: TITLES["gre-return"], evaluate: greReturn },
  { id: "icmp-unreachable", title: TITLES["icmp-unreachable"], evaluate: icmpUnreachable },
  { id: "nat", title: TITLES.nat, evaluate: nat },
  { id: "cgnat", title: TITLES.cgnat, evaluate: cgnat },
  { id: "path-mtu", title: TITLES["path-mtu"], evaluate: pathMtu },
  { id: "relay", title: "Relay", evaluate: relays },
  { id: "verdict", title: TITLES.verdict, evaluate: verdict },
];
