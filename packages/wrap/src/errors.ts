/**
 * The wrap transport's error codes: the relay's own (PROTOCOL.md section 6.3, worded here from the code, since the
 * relay's sentence may be in another language or name internals), and the failures of reaching a relay at all.
 */
import { codedError, type ErrorCode, type FerryError } from "@ferry/pptp-client";
import type { RelayErrorCode } from "./wire/relay-messages.js";

export type WrapErrorCode =
  | ErrorCode
  | RelayErrorCode
  /** The relay's address could not be resolved or connected to (TCP or through the web proxy). */
  | "RELAY_UNREACHABLE"
  /** The TLS handshake failed, or the relay's certificate matched neither the trust store, the CA nor the pin. */
  | "RELAY_TLS_FAILED"
  /** The relay does not speak a protocol version this client speaks (HTTP 426, or no subprotocol chosen). */
  | "RELAY_VERSION_MISMATCH"
  /** The WebSocket to the relay broke mid-session without an error from the relay. */
  | "RELAY_CONNECTION_LOST"
  /** The web proxy (HTTPS_PROXY) refused or failed the CONNECT to the relay. */
  | "PROXY_FAILED";

export type WrapError = FerryError<WrapErrorCode>;

export function wrapError(
  code: WrapErrorCode,
  message: string,
  hint: string,
  detail?: FerryError["detail"],
  cause?: unknown,
): WrapError {
  return codedError(code, message, hint, detail, cause);
}

/**
 * The error a client shows for a relay's `error` message (or for a close status of 4000 + code when the message
 * was lost). `server` is the PPTP server the client asked for; the relay's own sentence goes to the detail.
 */
export function relayRefusal(
  code: RelayErrorCode,
  relayMessage: string,
  server: string,
  sessionId: string | undefined,
): WrapError {
  const detail = {
    relayMessage,
    ...(sessionId === undefined ? {} : { relaySessionId: sessionId }),
  };
  const [message, hint] = RELAY_WORDING[code](server, relayMessage);
  return wrapError(code, message, hint, detail);
}

const RELAY_WORDING: Readonly<
  Record<RelayErrorCode, (server: string, relayMessage: string) => readonly [string, string]>
> = {
  RELAY_ERROR: (_server, relayMessage) => [
    `The relay ended the session: ${relayMessage || "no reason given"}.`,
    "Try again; if it persists, send the session ID to the relay's administrator.",
  ],
  RELAY_AUTH_FAILED: () => [
    "The relay refused this profile's relay token.",
    "Ask IT for a current relay token or certificate.",
  ],
  RELAY_TARGET_FORBIDDEN: (server) => [
    `The relay is not allowed to reach ${server}.`,
    "Check the server in the profile, or ask the relay's administrator to allow it.",
  ],
  RELAY_FRAME_TOO_LARGE: () => [
    "The relay refused a frame larger than the protocol allows.",
    "Update Ferry; if it persists, report it with the session ID.",
  ],
  RELAY_HANDSHAKE_TIMEOUT: () => [
    "The relay gave up waiting for this client to introduce itself.",
    "The network to the relay is stalling; try again or try another network.",
  ],
  RELAY_SERVER_UNREACHABLE: (server) => [
    `The relay could not reach ${server} on TCP 1723.`,
    "The server may be down or firewalled from the relay; ask IT.",
  ],
  RELAY_BUSY: () => ["The relay is full.", "Try again in a minute; Ferry retries by itself."],
  RELAY_SHUTTING_DOWN: () => ["The relay is restarting.", "Ferry reconnects by itself."],
  RELAY_PROTOCOL_ERROR: () => [
    "The relay could not understand this client.",
    "Update Ferry; if it persists, report it with the session ID.",
  ],
};
