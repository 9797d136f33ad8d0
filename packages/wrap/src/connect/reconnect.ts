/**
 * When a session that ended should start over by itself: the server stopped answering (keepalives unanswered, the
 * server or pptpd restarting, TCP 1723 unreachable while it is down), or the relay went away (killed, restarted,
 * told us to go) or the path to it broke. Errors a retry cannot fix (a refused token, a wrong password) end it.
 */
import type { TunnelOutcome } from "@ferry/pptp-client/tunnel";

const RECONNECTABLE: ReadonlySet<string> = new Set([
  "PEER_DEAD",
  "SERVER_STOPPED",
  "SERVER_UNREACHABLE",
  "CONTROL_TIMEOUT",
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
 * Whether to reconnect after `outcome`. `goawayAfterMs` is set when the relay asked for it. A session that never
 * came up is not retried, except for a busy or unreachable relay while already reconnecting (the caller's loop).
 */
export function shouldReconnect(outcome: TunnelOutcome, goawayAfterMs: number | undefined): boolean {
  if (goawayAfterMs !== undefined) return true;
  return outcome.connected && outcome.error !== undefined && RECONNECTABLE.has(outcome.error.code);
}

/** The wait before reconnect attempt `attempt` (1, 2, ...). */
export function nextReconnectDelayMs(attempt: number): number {
  return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.max(0, attempt - 1));
}
