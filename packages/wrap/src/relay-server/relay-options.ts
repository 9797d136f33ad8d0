/** What startRelay is given (the command line builds it in cli-options.ts), and the defaults of its limits. */
import type { Allowlist } from "../relay/allowlist.js";
import type { AuthThrottleLimits } from "../relay/auth-throttle.js";
import type { ConnectionRateLimits } from "../relay/connection-rate-limit.js";
import type { HandshakeLimits } from "../relay/handshake-gate.js";
import type { TokenSet } from "../relay/relay-tokens.js";
import type { GreNetwork } from "./gre-network.js";
import type { RelayLog } from "./relay-log.js";

export const DEFAULT_MAX_SESSIONS = 1000;
export const DEFAULT_MAX_SESSIONS_PER_SOURCE = 16;
export const DEFAULT_DRAIN_MS = 30_000;
export const PPTP_PORT = 1723;

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export interface RelayOptions {
  /** Where clients connect (TLS); port 0 picks a free port. */
  readonly listen: HostPort;
  /** PEM certificate chain and private key of the relay. */
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
  /** PEM CA for client certificates: a client with a certificate it signed may send an empty token. */
  readonly clientCa?: string | Buffer;
  /** With clientCa: refuse the TLS handshake of clients without a valid certificate. */
  readonly requireClientCert?: boolean;
  readonly tokens: TokenSet;
  readonly allow: Allowlist;
  /** Where to serve /metrics and /healthz over plain HTTP (keep it off the public interface). */
  readonly metrics?: HostPort;
  readonly maxSessions?: number;
  readonly maxSessionsPerSource?: number;
  /** How long sessions keep forwarding after goaway when the relay shuts down. */
  readonly drainMs?: number;
  /** The PPTP servers' TCP port; 1723 except in tests. */
  readonly serverPort?: number;
  /** Raw GRE sockets by default; tests pass an in-process network. */
  readonly greNetwork?: GreNetwork;
  /**
   * The IPv4 address welcome names for GRE probes (e.g. the relay's public address behind a 1:1 NAT). By default
   * the relay's own address on its TCP connection to the server: the address it sends that server's GRE from.
   */
  readonly greProbeAddress?: string;
  /** Host name to IPv4 address; the system resolver by default. */
  readonly resolve?: (name: string) => Promise<string | undefined>;
  readonly log?: RelayLog;
  /** Uniform in [0, 1): spreads goaway delays. */
  readonly random?: () => number;
  readonly pingIntervalMs?: number;
  /** Limits and deadlines for connections that are not sessions yet (DEFAULT_HANDSHAKE_LIMITS). */
  readonly handshakeLimits?: Partial<HandshakeLimits>;
  /** The throttle on wrong tokens per source (DEFAULT_AUTH_THROTTLE). */
  readonly authThrottle?: Partial<AuthThrottleLimits>;
  /** New TCP connections per source and second, checked before TLS (DEFAULT_CONNECTION_RATE; perSecond 0: off). */
  readonly connectionRate?: Partial<ConnectionRateLimits>;
}
