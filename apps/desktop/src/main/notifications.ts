/**
 * Which desktop notification a health change deserves, decided from the previous and the next Health. Only
 * transitions notify, so a stream of identical health ticks says nothing twice; degraded only shows in the tray (it
 * comes and goes with loss and would nag). A notice is built from the state, the profile name, the transport, the
 * fallback reason and the service's error text: Health carries no secret, so neither can a notice.
 */
import { transportLabel } from "../shared/format.js";
import type { Health, TunnelState } from "../shared/service-api.js";

export type NoticeKind = "connected" | "relay-fallback" | "lost" | "error";

export interface Notice {
  readonly kind: NoticeKind;
  readonly title: string;
  readonly body: string;
}

export interface NoticeContext {
  /** The profile's display name, when known. */
  readonly profileName?: string;
  /** The user asked for this disconnect: going down is then no news. */
  readonly userDisconnected: boolean;
}

const UP: readonly TunnelState[] = ["connected-direct", "connected-relay", "degraded"];

export function decideNotice(
  previous: Health | undefined,
  next: Health,
  context: NoticeContext,
): Notice | undefined {
  const was = previous?.state ?? "disconnected";
  const profile = context.profileName ?? next.profileId ?? previous?.profileId ?? "the VPN";
  if (next.state === "error") {
    if (was === "error" && previous?.error?.code === next.error?.code) return undefined;
    return {
      kind: "error",
      title: `Ferry could not keep ${profile} connected`,
      body:
        next.error === undefined
          ? "The service reported an error."
          : `${next.error.message} ${next.error.hint}`,
    };
  }
  if (next.state === "connected-relay" && was !== "connected-relay" && was !== "degraded") {
    const why = next.fallbackReason === undefined ? "" : ` (${fallbackWords(next.fallbackReason)})`;
    return {
      kind: "relay-fallback",
      title: `Connected to ${profile} via relay`,
      body: `Direct PPTP could not get through${why}, so the session runs inside TLS through the relay.`,
    };
  }
  if (next.state === "connected-direct" && !UP.includes(was)) {
    return {
      kind: "connected",
      title: `Connected to ${profile}`,
      body: `Transport: ${transportLabel("direct")}.`,
    };
  }
  if (next.state === "disconnected" && UP.includes(was) && !context.userDisconnected) {
    return {
      kind: "lost",
      title: `Connection to ${profile} lost`,
      body: "The tunnel went down. Open Ferry to reconnect or run a diagnosis.",
    };
  }
  return undefined;
}

function fallbackWords(reason: NonNullable<Health["fallbackReason"]>): string {
  switch (reason) {
    case "gre-timeout":
      return "no GRE came back";
    case "gre-unreachable":
      return "GRE was answered with ICMP unreachable";
    case "cgnat":
      return "carrier-grade NAT";
    case "tcp-blocked":
      return "TCP 1723 is blocked";
    case "remembered":
      return "this network needed the relay before";
  }
}
