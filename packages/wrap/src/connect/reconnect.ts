/**
 * When a session that ended should start over by itself: the server stopped answering (keepalives unanswered, the
 * server or pptpd restarting, TCP 1723 unreachable while it is down), or the relay went away (killed, restarted,
 * told us to go) or the path to it broke. Errors a retry cannot fix (a refused token, a wrong password) end it.
 */
import type { TunnelOutcome } from "@ferry/pptp-client/tunnel";

export const RECONNECTABLE: ReadonlySet<string> = new Set([
  "PEER_DEAD",
  "SERVER_STOPPED",
  "SERVER_UNREACHABLE",
  "CONTROL_TIMEOUT",
  /** While reconnecting: the path that carried GRE before does not yet (a network still coming back). */
  "GRE_TIMEOUT",
  "CALL_DISCONNECTED",
  "RELAY_CONNECTION_LOST",
  "RELAY_SHUTTING_DOWN",
  "RELAY_BUSY",
  "RELAY_UNREACHABLE",
  "RELAY_HANDSHAKE_TIMEOUT",
]);

/** First wait 1 s, then twice as long each time, at most 10 s: a relay that is back is found within 10 s. */
const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 10_000;

/**
 * Whether to reconnect after `outcome`. `goawayAfterMs` is set when the relay asked for it. Only a connection that
 * came up at some point (`everConnected`) is retried: a first attempt that fails says what is wrong instead, while a
 * reconnect attempt that fails the same way (the network still away) is tried again.
 */
export function shouldReconnect(
  outcome: TunnelOutcome,
  goawayAfterMs: number | undefined,
  everConnected: boolean,
): boolean {
  if (goawayAfterMs !== undefined) return true;
  return everConnected && outcome.error !== undefined && RECONNECTABLE.has(outcome.error.code);
}

/** The wait before reconnect attempt `attempt` (1, 2, ...). */
export function nextReconnectDelayMs(attempt: number): number {
  return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.max(0, attempt - 1));
}
