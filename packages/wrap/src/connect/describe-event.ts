/**
 * A connect's progress in plain words, one sentence per event, for the CLI and the service's log view. Round-trip
 * measurements are figures for health displays, not sentences. No event carries a secret, so no sentence does.
 */
import { mppeLabel } from "@ferry/pptp-client/tunnel";
import type { ConnectEvent } from "./connect-tunnel.js";

const AUTH_NAMES = { mschapv2: "MS-CHAPv2 (server verified)", "chap-md5": "CHAP-MD5", pap: "PAP" } as const;

export function describeConnectEvent(event: ConnectEvent): string | undefined {
  switch (event.type) {
    case "resolved":
      return event.server === event.address ? undefined : `Resolved ${event.server} to ${event.address}`;
    case "tun-opened":
      return `Opened TUN device ${event.ifname}`;
    case "tcp-connected":
      return `TCP 1723 connected to ${event.server}`;
    case "control-established":
      return `Control connection established (server ${event.serverHostName || "unnamed"}, ${event.serverVendor || "unknown vendor"})`;
    case "call-established":
      return `Call set up (our call ID ${event.callId}, server's ${event.peerCallId})`;
    case "gre-received":
      return "GRE from the server gets through";
    case "gre-unreachable":
      return `A router answered GRE with ICMP unreachable (${event.errno})`;
    case "transport-decided": {
      const moved = event.networkChanged === true ? "This computer is on another network now. " : "";
      return event.fallbackReason === undefined
        ? `${moved}Transport: ${event.transport === "wrap" ? "through the relay" : "direct"}. ${event.why}`
        : `${moved}Switching to the relay: ${event.why}`;
    }
    case "relay-connected":
      return `Relay ${event.relay} accepted the session (it sees this computer as ${event.observedAddress || "unknown"}; session ${event.sessionId})`;
    case "goaway":
      return "The relay is restarting and asked this session to reconnect";
    case "reconnecting":
      return `Reconnecting in ${(event.afterMs / 1000).toFixed(1)} s (attempt ${event.attempt}): ${event.error.message}`;
    case "link-established":
      return `PPP link established (server MRU ${event.peerMru})`;
    case "authenticated":
      return `Authenticated with ${AUTH_NAMES[event.method]}`;
    case "encryption":
      return `Encryption: MPPE ${event.mppe.strength}-bit ${event.mppe.stateless ? "stateless" : "stateful"}`;
    case "network-configured":
      return `Addresses, routes and DNS configured on ${event.ifname}`;
    case "connected":
      return `Connected ${event.transport === "wrap" ? "via relay" : "directly"}: ${event.localAddress} -> ${event.peerAddress}, MTU ${event.mtu}, DNS ${event.dns.join(" ") || "none"}, encryption ${mppeLabel(event.mppe)}.`;
    case "network-changed":
      return `${event.summary.charAt(0).toUpperCase()}${event.summary.slice(1)}.`;
    case "rtt":
    case "carrier-rtt":
      return undefined;
  }
}
