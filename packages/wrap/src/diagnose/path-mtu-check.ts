/** The path MTU check: how large a packet reaches the server, and the tunnel MTU and TCP MSS that follow. */
import { finding, type Rule, skip, TITLES } from "./finding.js";
import { explainOverhead, SAFE_TUNNEL_MTU, TCP_IPV4_HEADERS, tunnelMtuAdvice } from "./tunnel-mtu.js";

export const pathMtu: Rule = (o) => {
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
