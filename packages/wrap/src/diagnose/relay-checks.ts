/**
 * The relay checks: one finding per relay given (reached over TLS and welcomed, or why not), and, where the relay
 * named an address for GRE probes, whether GRE gets to it and back.
 */
import { type GreState, greState } from "./call-progress.js";
import { type Finding, finding, type Rule, skip } from "./finding.js";
import { ALLOW_GRE, LOAD_HELPER, USE_RELAY } from "./fix-advice.js";
import type { RelayGreObservation, RelayObservation } from "./observations.js";

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

export const relays: Rule = (o) => {
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
