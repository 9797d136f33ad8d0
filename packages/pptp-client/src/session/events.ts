import type { FerryError } from "../errors.js";
import type { MppeMode } from "../mppe/mppe-mode.js";
import type { AuthMethod } from "../ppp/auth/auth-phase.js";

/** Everything a session reports, in the order it happens: progress a person can follow, then the outcome. */
export type SessionEvent =
  | { readonly type: "control-established"; readonly serverHostName: string; readonly serverVendor: string }
  | { readonly type: "call-established"; readonly callId: number; readonly peerCallId: number }
  /** The first GRE packet of our call came back from the server: GRE gets through the path. */
  | { readonly type: "gre-received" }
  | { readonly type: "link-established"; readonly peerMru: number }
  | { readonly type: "authenticated"; readonly method: AuthMethod }
  | { readonly type: "encryption"; readonly mppe: MppeMode }
  | {
      readonly type: "connected";
      readonly localAddress: string;
      readonly peerAddress: string;
      readonly dns: readonly string[];
      readonly mtu: number;
      readonly mppe: MppeMode | undefined;
      readonly authMethod: AuthMethod;
    }
  | { readonly type: "rtt"; readonly rttMs: number; readonly via: "lcp-echo" | "pptp-echo" }
  /**
   * LCP echoes over GRE went unanswered, `unanswered` in a row so far: the session probes faster and asks TCP 1723
   * too; the I/O layer may check the route to the server. PEER_DEAD follows if it goes on.
   */
  | { readonly type: "echo-unanswered"; readonly unanswered: number }
  | { readonly type: "closed"; readonly error?: FerryError };

export type SessionState = "idle" | "connecting" | "connected" | "disconnecting" | "closed";

/** Live figures for health displays; all counts since the session started. */
export interface SessionStats {
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly packetsIn: number;
  readonly packetsOut: number;
  /** Packets the GRE sequence numbers say never arrived. */
  readonly lost: number;
  readonly reordered: number;
  readonly duplicates: number;
  /** Frames dropped as malformed, unencrypted, undecryptable or for another call. */
  readonly dropped: number;
  /**
   * IP packets from the TUN side that could not be sent: not connected, over the MTU, or (counted by the tunnel) the
   * carrier's own packets routed into the tunnel while the route to the server was gone.
   */
  readonly txDropped: number;
  readonly lastRttMs: number | undefined;
}
