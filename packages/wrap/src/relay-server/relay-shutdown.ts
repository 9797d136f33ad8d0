/**
 * The graceful end of the relay's sessions when it shuts down (PROTOCOL.md section 8): every session is sent goaway,
 * keeps forwarding for the drain period and then ends itself; whatever is still open a grace period later is cut.
 */
import type { OpenSessions } from "./open-sessions.js";

/** goaway's reconnectAfterMs is spread uniformly over 0..this, so clients do not all come back at once. */
const RECONNECT_SPREAD_MS = 10_000;
/** After the drain period, how long closing WebSockets get to finish their close handshake. */
const CLOSE_GRACE_MS = 5000;

/** Resolves once every session has gone. `random` is uniform in [0, 1). */
export async function drainSessions(
  sessions: OpenSessions,
  drainMs: number,
  random: () => number,
): Promise<void> {
  for (const connection of sessions) {
    connection.goaway(Math.floor(random() * (RECONNECT_SPREAD_MS + 1)), drainMs);
  }
  // Sessions end themselves when the drain period ends; the grace covers their close handshakes.
  const emptied = sessions.emptied();
  const cut = setTimeout(() => {
    for (const connection of sessions) connection.terminate();
  }, drainMs + CLOSE_GRACE_MS);
  await emptied;
  clearTimeout(cut);
}
