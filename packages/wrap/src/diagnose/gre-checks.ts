/**
 * The GRE checks: whether GRE (IP protocol 47) comes back from the server for the call, and what an ICMP error on
 * the raw GRE socket says about the path.
 */
import { callState } from "./call-progress.js";
import { finding, type Rule, skip, TITLES } from "./finding.js";
import { ALLOW_GRE, LOAD_HELPER, USE_RELAY } from "./fix-advice.js";

export const greReturn: Rule = (o) => {
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

export const icmpUnreachable: Rule = (o) => {
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
