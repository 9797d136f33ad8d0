/**
 * The seam between a PPTP session and the network: the two channels the session runs over, a control byte stream
 * and a GRE packet channel. Direct mode carries them on TCP 1723 and a raw GRE socket; the wrap transport
 * (@ferry/wrap) multiplexes both over one WebSocket to a relay. The tunnel (tunnel.ts) does not know which.
 */
import type { FerryError } from "../errors.js";

/** What a carrier reports besides bytes: facts the connect policy and the user may want. */
export type CarrierEvent =
  /** An ICMP protocol-unreachable (or port-unreachable) came back for GRE: IP protocol 47 is blocked on the path. */
  | { readonly type: "gre-unreachable"; readonly errno: string }
  /** The relay is going away: end the session and connect again after this long. */
  | { readonly type: "goaway"; readonly reconnectAfterMs: number }
  /** A round trip over the carrier itself (a relay probe), for health displays. */
  | { readonly type: "carrier-rtt"; readonly rttMs: number };

export interface CarrierHandlers {
  /** Bytes of the TCP 1723 stream from the server, in order. */
  control(bytes: Uint8Array): void;
  /** GRE packets from the server, each starting at its GRE header. */
  gre(packets: Uint8Array[]): void;
  /**
   * The control channel ended. `error` says why when the carrier knows better than the session would (a relay's
   * refusal, a lost relay); undefined for an ordinary close of TCP 1723.
   */
  closed(error?: FerryError<string>): void;
  event(event: CarrierEvent): void;
}

export interface PptpCarrier {
  /** "direct" or "wrap": how the JSON events and the tray name it. */
  readonly transport: string;
  /**
   * The IPv4 address the carrier's own packets go to (the PPTP server, the relay, or a web proxy). With a default
   * route through the tunnel it keeps a host route via the old gateway, or the tunnel would carry itself.
   */
  readonly outerAddress: string;
  /** Starts delivering to the handlers; called once. */
  start(handlers: CarrierHandlers): void;
  sendControl(bytes: Uint8Array): void;
  /** Sends without blocking; a carrier that cannot take a packet now drops it (a lossy link, never a queue). */
  sendGre(packets: readonly Uint8Array[]): void;
  /** Closes both channels; no handler is called afterwards. Idempotent. */
  close(): void;
}
