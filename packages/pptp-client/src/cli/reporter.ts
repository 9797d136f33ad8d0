import type { TunnelEvent } from "../direct/direct-tunnel.js";
import { mppeLabel } from "../direct/direct-tunnel.js";
import type { FerryError } from "../errors.js";

/** How `ferry connect` tells the user what happens: sentences for people, or one JSON object per line. */
export interface Reporter {
  event(event: TunnelEvent): void;
  error(error: FerryError): void;
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

function describe(event: TunnelEvent): string | undefined {
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
    case "link-established":
      return `PPP link established (server MRU ${event.peerMru})`;
    case "authenticated":
      return `Authenticated with ${AUTH_NAMES[event.method]}`;
    case "encryption":
      return `Encryption: MPPE ${event.mppe.strength}-bit ${event.mppe.stateless ? "stateless" : "stateful"}`;
    case "network-configured":
      return `Addresses, routes and DNS configured on ${event.ifname}`;
    case "connected":
      return `Connected: ${event.localAddress} -> ${event.peerAddress}, MTU ${event.mtu}, DNS ${event.dns.join(" ") || "none"}, encryption ${mppeLabel(event.mppe)}. Press Ctrl-C to disconnect.`;
    case "rtt":
    case "closed":
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
            transport: "direct",
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
        case "closed":
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
