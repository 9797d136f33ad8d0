import type { MppeStrength } from "../mppe/mppe-mode.js";
import type { AuthMethod } from "../ppp/auth/auth-phase.js";
import { type RandomSource, systemRandom } from "../util/random.js";

/** What a caller may set; everything else has a default that suits a real PPTP server. */
export interface SessionOptions {
  readonly userName: string;
  readonly password: string;
  /** Our host name in Start-Control-Connection-Request. */
  readonly hostName?: string;
  /** Authentication methods we accept when the server asks; weaker ones only if a profile allows them. */
  readonly authMethods?: readonly AuthMethod[];
  readonly mppe?: {
    /** Refuse to run without encryption (default true). */
    readonly required?: boolean;
    /** Key lengths we accept (default 128, 56 and 40: the server chooses the strongest we both allow). */
    readonly strengths?: readonly MppeStrength[];
    readonly allowStateless?: boolean;
    readonly allowStateful?: boolean;
  };
  /** The tunnel MTU we want (default 1400, the usual advice for PPTP); the server's MRU may lower it. */
  readonly mtu?: number;
  /** The MRU we ask the server to respect (default 1400). */
  readonly mru?: number;
  readonly timers?: Partial<SessionTimers>;
  readonly random?: RandomSource;
}

export interface SessionTimers {
  /** Start-Control-Connection-Reply and Outgoing-Call-Reply must arrive within this. */
  readonly controlReplyMs: number;
  /** PPTP Echo-Request after this much silence on TCP 1723 (RFC 2637: 60 s). */
  readonly controlEchoIntervalMs: number;
  readonly controlEchoTimeoutMs: number;
  /**
   * When an LCP echo goes unanswered, a PPTP Echo-Request goes out on TCP 1723 at once and wants its reply within
   * this: no reply while GRE stays silent too means the server is gone (PEER_DEAD without waiting for the rest of
   * the LCP echoes); a reply means the server lives and only GRE is lost on the way.
   */
  readonly controlEchoProbeMs: number;
  /**
   * LCP Echo-Request interval while the peer answers: keepalive over GRE and the RTT probe. An unanswered echo is
   * followed by one every min(interval, 2 s) (lcp-keepalive.ts), so a dead path shows after interval + failures x 2 s.
   */
  readonly lcpEchoIntervalMs: number;
  /** Unanswered LCP echoes in a row before the peer is declared dead. */
  readonly lcpEchoFailures: number;
  /** RFC 1661 restart timer for LCP/IPCP/CCP. */
  readonly restartMs: number;
  /** No GRE from the server this long after the call is up means GRE is blocked on the path. */
  readonly greTimeoutMs: number;
  /**
   * With stateful MPPE only: how long GRE packets wait behind a gap in sequence numbers for the late one
   * (pptp-linux --timeout, 300 ms there). Long enough for reordering, short because every real loss costs it on top
   * of the CCP reset. Without MPPE or with stateless MPPE nothing waits (see gre/receive-window.ts).
   */
  readonly reorderTimeoutMs: number;
  /**
   * The GRE receive window: a late packet less than this many behind the newest is still taken, once (older ones
   * and copies are dropped and counted); also our PPTP Recv Window Size. Keep it at most 64 with MPPE, the
   * decrypter's LATE_WINDOW, or a late packet reads as a jump ahead of its coherency count.
   */
  readonly reorderPackets: number;
  readonly ackDelayMs: number;
  /** How long a clean disconnect waits for LCP Terminate-Ack before closing the call anyway. */
  readonly lcpTerminateMs: number;
  /** Budget for Call-Clear and Stop-Control-Connection on disconnect. */
  readonly controlDisconnectMs: number;
}

export const DEFAULT_TIMERS: SessionTimers = {
  controlReplyMs: 15_000,
  controlEchoIntervalMs: 60_000,
  controlEchoTimeoutMs: 60_000,
  controlEchoProbeMs: 3_000,
  lcpEchoIntervalMs: 10_000,
  lcpEchoFailures: 4,
  restartMs: 3_000,
  greTimeoutMs: 10_000,
  reorderTimeoutMs: 50,
  reorderPackets: 64,
  ackDelayMs: 100,
  lcpTerminateMs: 500,
  controlDisconnectMs: 1_200,
};

export interface SessionConfig {
  readonly userName: string;
  readonly password: string;
  readonly hostName: string;
  readonly authMethods: readonly AuthMethod[];
  readonly mppe: {
    readonly required: boolean;
    readonly strengths: readonly MppeStrength[];
    readonly allowStateless: boolean;
    readonly allowStateful: boolean;
  };
  readonly mtu: number;
  readonly mru: number;
  readonly timers: SessionTimers;
  readonly random: RandomSource;
}

export function resolveSessionConfig(options: SessionOptions): SessionConfig {
  return {
    userName: options.userName,
    password: options.password,
    hostName: options.hostName ?? "",
    authMethods: options.authMethods ?? ["mschapv2"],
    mppe: {
      required: options.mppe?.required ?? true,
      strengths: options.mppe?.strengths ?? [128, 56, 40],
      allowStateless: options.mppe?.allowStateless ?? true,
      allowStateful: options.mppe?.allowStateful ?? true,
    },
    mtu: options.mtu ?? 1400,
    mru: options.mru ?? 1400,
    timers: { ...DEFAULT_TIMERS, ...options.timers },
    random: options.random ?? systemRandom,
  };
}
