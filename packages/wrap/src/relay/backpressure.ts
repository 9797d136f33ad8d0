/**
 * PROTOCOL.md section 7: drop GRE, never control. Wrapped PPP carries TCP of its own, so queueing GRE behind a slow
 * WebSocket would stack TCP on TCP; dropping turns congestion into loss the inner protocols already handle. Control
 * bytes are never dropped: the relay stops reading the side that produces them until the other side drains.
 */

/** Above this many unsent bytes on the client's WebSocket, GRE to the client is dropped. */
export const GRE_DROP_ABOVE = 64 * 1024;
/** Above this many unsent bytes on the client's WebSocket, the relay stops reading the server's TCP 1723... */
export const SERVER_READ_PAUSE_ABOVE = 256 * 1024;
/** ...until the WebSocket drains below this. */
export const SERVER_READ_RESUME_BELOW = 64 * 1024;
/** Above this many control bytes waiting for the server's TCP socket, the relay stops reading the client. */
export const CLIENT_READ_PAUSE_ABOVE = 64 * 1024;

/** Whether a GRE packet for the client is dropped, given the WebSocket's unsent bytes (`bufferedAmount`). */
export function dropGreToClient(clientUnsent: number): boolean {
  return clientUnsent > GRE_DROP_ABOVE;
}

/** Whether reading the server's TCP 1723 stays (or becomes) paused, with hysteresis between the two marks. */
export function serverReadingPaused(clientUnsent: number, pausedNow: boolean): boolean {
  return pausedNow ? clientUnsent >= SERVER_READ_RESUME_BELOW : clientUnsent > SERVER_READ_PAUSE_ABOVE;
}

/** Whether reading the client's WebSocket pauses, given the control bytes the server's TCP socket has not taken. */
export function clientReadingPaused(serverUnsent: number): boolean {
  return serverUnsent > CLIENT_READ_PAUSE_ABOVE;
}
