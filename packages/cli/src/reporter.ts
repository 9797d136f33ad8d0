import type { FerryError } from "@ferry/pptp-client";
import { mppeLabel } from "@ferry/pptp-client/tunnel";
import type { ConnectEvent } from "@ferry/wrap";

/** How `ferry connect` tells the user what happens: sentences for people, or one JSON object per line. */
export interface Reporter {
  event(event: ConnectEvent): void;
  error(error: FerryError<string>): void;
  disconnected(reason: "user" | "error"): void;
}

const AUTH_NAMES = { mschapv2: "MS-CHAPv2 (server verified)", "chap-md5": "CHAP-MD5", pap: "PAP" } as const;

export function humanReporter(write: (line: string) => void): Reporter {
  return {
    event(event) {
      const line = describe(event);
      if (line !== undefined) write(line);
    },
    error(error) {
      write(`Error [${error.code}]: ${error.message}`);
      write(`  Try: ${error.hint}`);
    },
    disconnected(reason) {
      write(reason === "user" ? "Disconnected." : "Disconnected after the error above.");
    },
  };
}

function describe(event: ConnectEvent): string | undefined {
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
    case "transport-decided":
      return event.fallbackReason === undefined
        ? `Transport: ${event.transport === "wrap" ? "through the relay" : "direct"}. ${event.why}`
        : `Switching to the relay: ${event.why}`;
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
      return `Connected ${event.transport === "wrap" ? "via relay" : "directly"}: ${event.localAddress} -> ${event.peerAddress}, MTU ${event.mtu}, DNS ${event.dns.join(" ") || "none"}, encryption ${mppeLabel(event.mppe)}. Press Ctrl-C to disconnect.`;
    case "rtt":
    case "carrier-rtt":
      return undefined;
  }
}

export function jsonReporter(write: (line: string) => void, ifname: () => string | undefined): Reporter {
  const emit = (object: Record<string, unknown>) => write(JSON.stringify(object));
  return {
    event(event) {
      switch (event.type) {
        case "connected":
          emit({
            event: "connected",
            transport: event.transport,
            ...(event.fallbackReason === undefined ? {} : { fallbackReason: event.fallbackReason }),
            interface: ifname(),
            localAddress: event.localAddress,
            peerAddress: event.peerAddress,
            dns: event.dns,
            mtu: event.mtu,
            mppe: mppeLabel(event.mppe),
            auth: event.authMethod,
          });
          return;
        case "encryption":
          emit({ event: "encryption", mppe: mppeLabel(event.mppe) });
          return;
        case "reconnecting":
          emit({
            event: "reconnecting",
            afterMs: event.afterMs,
            attempt: event.attempt,
            code: event.error.code,
            message: event.error.message,
          });
          return;
        default: {
          const { type, ...rest } = event;
          emit({ event: type, ...rest });
        }
      }
    },
    error(error) {
      emit({
        event: "error",
        code: error.code,
        message: error.message,
        hint: error.hint,
        ...(error.detail ?? {}),
      });
    },
    disconnected(reason) {
      emit({ event: "disconnected", reason });
    },
  };
}
