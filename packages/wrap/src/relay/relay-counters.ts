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
