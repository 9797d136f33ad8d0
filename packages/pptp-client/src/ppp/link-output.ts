/** What a PPP link puts out: events for the session, and control packets for it to send. */
import type { FerryError } from "../errors.js";
import type { MppeMode } from "../mppe/mppe-mode.js";
import type { AuthMethod, MppeKeys } from "./auth/auth-phase.js";

export type PppEvent =
  /** peerMru: the largest frame we may send; txPfc/txAcfc: header compression the peer agreed to receive. */
  | { type: "lcp-up"; peerMru: number; txPfc: boolean; txAcfc: boolean }
  /** One authentication exchange succeeded; userName is who the peer is (server role). */
  | { type: "authenticated"; method: AuthMethod; mppeKeys?: MppeKeys; userName?: string }
  /** The network is usable. When CCP runs, this comes after ccp-up (or after CCP settled without MPPE). */
  | { type: "ipcp-up"; localAddress: string; peerAddress: string; dns: string[] }
  | { type: "ccp-up"; mppe: MppeMode }
  /** The peer asks us to flush our encrypter (stateful MPPE). */
  | { type: "ccp-reset-request" }
  | { type: "echo-rtt"; rttMs: number }
  /** An LCP Echo-Request went unanswered: `unanswered` in a row so far (the keepalive now probes faster). */
  | { type: "echo-missed"; unanswered: number }
  /** The link is down; no error means we, or the peer cleanly, terminated it. */
  | { type: "finished"; error?: FerryError };

/** A control packet to send: its PPP protocol and Information field (the session adds the header). */
export interface PppPacket {
  readonly protocol: number;
  readonly info: Uint8Array;
}
