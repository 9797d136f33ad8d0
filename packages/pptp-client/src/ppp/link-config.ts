/** How a PPP link is set up: the options it negotiates, how it authenticates, its keepalive and its retry limits. */
import type { AuthMethod, AuthPhase } from "./auth/auth-phase.js";
import type { CcpConfig } from "./ccp.js";
import type { IpcpConfig } from "./ipcp.js";
import type { LcpConfig } from "./lcp.js";

export interface PppAuthConfig {
  /** Client side: methods we authenticate ourselves with when the peer asks, preferred first. */
  readonly allowedMethods: readonly AuthMethod[];
  readonly createClient?: (method: AuthMethod) => AuthPhase;
  /** Server side: ask the peer to authenticate with this method. */
  readonly require?: AuthMethod;
  readonly createServer?: (method: AuthMethod) => AuthPhase;
  /** Accept a link on which nobody authenticates (a client then cannot know the server is genuine). */
  readonly allowNoAuth?: boolean;
}

export interface PppLinkConfig {
  readonly lcp: Pick<LcpConfig, "mru" | "pfc" | "acfc" | "loopbackLimit">;
  readonly ipcp: IpcpConfig;
  readonly ccp: CcpConfig;
  readonly auth: PppAuthConfig;
  /** LCP Echo-Request period (0 disables keepalives). */
  readonly echoIntervalMs: number;
  /** Unanswered echoes in a row before the peer is declared dead. */
  readonly echoFailures: number;
  readonly restartTimerMs: number;
  readonly maxConfigure?: number;
  readonly maxTerminate?: number;
  readonly maxFailure?: number;
}
