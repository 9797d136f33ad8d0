/**
 * The relay's traffic totals, one object shared by every session and the GRE router: plain numbers the sans-IO core
 * bumps, read by the metrics layer when scraped (no metrics library in the core).
 */

export type FlowDirection = "from_client" | "to_client" | "from_server" | "to_server";
/** Wrap channels, plus "unknown" for frames on a channel v1 does not know (from_client only). */
export type FlowChannel = "control" | "gre" | "relay" | "unknown";

/** Why a GRE packet was not forwarded. */
export type GreDropReason =
  /** The client's WebSocket had more than 64 KiB unsent (PROTOCOL.md section 7). */
  | "backpressure"
  /** Not a well-formed PPTP GRE packet. */
  | "malformed"
  /** Not addressed to a call the sender may use: another session's Call ID, no call yet, or no session at all. */
  | "unrouted"
  /** A server packet larger than a wrap GRE frame may carry (1600 bytes). */
  | "oversize"
  /** The raw GRE socket did not take the packet (full queue, or no socket). */
  | "send_failed";

/** Why a connection was closed before it became a session (HandshakeGate). */
export type HandshakeCut =
  /** No TLS handshake within the limit after the TCP accept (a client that connects and never speaks TLS). */
  | "tls_timeout"
  /** TLS, but no WebSocket upgrade within the limit (slow or endless HTTP). */
  | "upgrade_timeout"
  /** The TLS handshake failed. */
  | "tls_error"
  /** Its source already had as many unfinished connections as one source may. */
  | "source_limit"
  /** The relay had as many unfinished connections as it allows: the one nearest its deadline made room. */
  | "evicted"
  /** Upgraded, but its source already had as many WebSockets awaiting hello as one source may (RELAY_BUSY). */
  | "hello_source_limit"
  /** The oldest WebSocket awaiting hello, closed (RELAY_BUSY) to make room for a new one. */
  | "hello_evicted";

export const FLOW_DIRECTIONS: readonly FlowDirection[] = [
  "from_client",
  "to_client",
  "from_server",
  "to_server",
];
export const FLOW_CHANNELS: readonly FlowChannel[] = ["control", "gre", "relay", "unknown"];
export const GRE_DROP_REASONS: readonly GreDropReason[] = [
  "backpressure",
  "malformed",
  "unrouted",
  "oversize",
  "send_failed",
];

export const HANDSHAKE_CUTS: readonly HandshakeCut[] = [
  "tls_timeout",
  "upgrade_timeout",
  "tls_error",
  "source_limit",
  "evicted",
  "hello_source_limit",
  "hello_evicted",
];

export interface Flow {
  packets: number;
  bytes: number;
}

export interface RelayCounters {
  /** Per direction and channel: frames (control: chunks or TCP reads) and their bytes. */
  readonly flows: Record<FlowDirection, Record<FlowChannel, Flow>>;
  readonly greDropped: Record<GreDropReason, number>;
  probesAnswered: number;
  /** Probes over the per-session limit (10 per second), not answered. */
  probesIgnored: number;
  /** Hellos refused unchecked because their source was cooling down after too many wrong tokens. */
  authThrottled: number;
  readonly handshakesCut: Record<HandshakeCut, number>;
}

export function newRelayCounters(): RelayCounters {
  const channels = (): Record<FlowChannel, Flow> => ({
    control: { packets: 0, bytes: 0 },
    gre: { packets: 0, bytes: 0 },
    relay: { packets: 0, bytes: 0 },
    unknown: { packets: 0, bytes: 0 },
  });
  return {
    flows: { from_client: channels(), to_client: channels(), from_server: channels(), to_server: channels() },
    greDropped: { backpressure: 0, malformed: 0, unrouted: 0, oversize: 0, send_failed: 0 },
    probesAnswered: 0,
    probesIgnored: 0,
    authThrottled: 0,
    handshakesCut: {
      tls_timeout: 0,
      upgrade_timeout: 0,
      tls_error: 0,
      source_limit: 0,
      evicted: 0,
      hello_source_limit: 0,
      hello_evicted: 0,
    },
  };
}

export function countFlow(
  counters: RelayCounters,
  direction: FlowDirection,
  channel: FlowChannel,
  bytes: number,
): void {
  const flow = counters.flows[direction][channel];
  flow.packets++;
  flow.bytes += bytes;
}
