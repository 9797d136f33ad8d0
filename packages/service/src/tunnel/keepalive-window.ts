/**
 * How long a tunnel may send with nothing coming back before the health monitor calls it stalled (degraded, and
 * reconnected after twice as long), derived from the profile's LCP keepalive: interval x (failures + 1), at or past
 * the latest point where the keepalive itself declares the peer dead (interval + failures x min(interval, 2 s), since
 * it re-probes every 2 s after a miss). The session's own PEER_DEAD, with its clearer reason, so comes first; the window catches what echoes cannot see, a link that answers them but passes no
 * traffic, and it scales with the profile: 2 s x 3 is stalled after 8 s, 30 s x 4 not before 150 s.
 */
import { DEFAULT_TIMERS } from "@ferry/pptp-client";
import type { ConnectProfile } from "../profiles/profile-source.js";

/**
 * With LCP echoes off nothing else notices a dead path, but one-way traffic (a stream sent out, a ping to a host
 * that is down) is no sign of one either: a minute, longer than the default keepalive's window (10 s x 5 = 50 s),
 * so turning echoes off never makes the monitor quicker to judge.
 */
export const KEEPALIVE_OFF_WINDOW_MS = 60_000;

/** Never shorter: the figures are sampled once a second, and a few quiet seconds between answers are normal. */
export const MIN_KEEPALIVE_WINDOW_MS = 5_000;

/** The window for a profile's keepalive; a profile without one runs the session's defaults (10 s x 4). */
export function keepaliveWindowMs(keepalive: ConnectProfile["keepalive"]): number {
  const { lcpEchoIntervalMs, failures } = keepalive ?? {
    lcpEchoIntervalMs: DEFAULT_TIMERS.lcpEchoIntervalMs,
    failures: DEFAULT_TIMERS.lcpEchoFailures,
  };
  // An interval or failure count of 0 turns the session's echoes off (pptp-client's LcpKeepalive).
  if (!(lcpEchoIntervalMs > 0 && failures > 0)) return KEEPALIVE_OFF_WINDOW_MS;
  return Math.max(MIN_KEEPALIVE_WINDOW_MS, lcpEchoIntervalMs * (failures + 1));
}
