/**
 * The checklist's last finding, the verdict: direct PPTP, the relay, or neither, read from the findings before it,
 * with the long-term advice every verdict ends with.
 */
import {
  capitalize,
  type Finding,
  type FindingId,
  type FindingStatus,
  finding,
  type Rule,
} from "./finding.js";
import { USE_RELAY } from "./fix-advice.js";
import { tunnelMtuAdvice } from "./tunnel-mtu.js";

const LONG_TERM =
  "Long term, plan a move off PPTP: MS-CHAPv2 and MPPE are weak, and WireGuard, OpenVPN or IKEv2 run over " +
  "one UDP/TCP port that NATs map without helpers.";

function statusOf(findings: readonly Finding[], id: FindingId): FindingStatus | undefined {
  return findings.find((f) => f.id === id)?.status;
}

export const verdict: Rule = (o, earlier) => {
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
