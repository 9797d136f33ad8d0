/**
 * Whether a hello's client may use the relay: a TLS client certificate the relay's CA vouches for, or a token it
 * accepts, checked under a throttle on wrong tokens from the client's source. Checked before anything else in the
 * hello, so a client that is not authenticated learns nothing about the allowlist (PROTOCOL.md section 3). Pure: the
 * throttle is the I/O layer's, bound to the client's source.
 */
import type { RelayCounters } from "./relay-counters.js";

/** The token-guessing throttle for the client's source (AuthThrottle, bound to one address by the I/O layer). */
export interface AuthAttempts {
  /** True while the source is cooling down after too many wrong tokens: its hello is refused unchecked. */
  coolingDown(now: number): boolean;
  /** A hello from the source failed authentication. */
  failed(now: number): void;
}

/** What a session knows to authenticate its client. */
export interface ClientCredentials {
  /** The client presented a TLS client certificate the relay's CA vouches for. */
  readonly clientCertOk: boolean;
  /** The token check (TokenSet.authorize): constant time, and "" is only good with a certificate. */
  readonly authorize: (token: string, clientCertOk: boolean) => boolean;
  /** Rate limits wrong tokens from the client's source; none when absent. */
  readonly authAttempts?: AuthAttempts;
}

/** Why the hello's client is refused (RELAY_AUTH_FAILED), or undefined when it may go on. */
export function helloAuthRefusal(
  credentials: ClientCredentials,
  token: string,
  now: number,
  counters: RelayCounters,
): { readonly message: string; readonly hint: string } | undefined {
  const attempts = credentials.authAttempts;
  // A client with a valid certificate proved itself in TLS: a guesser behind the same address does not lock it out.
  if (!credentials.clientCertOk && attempts?.coolingDown(now)) {
    // Not checked at all: a guesser learns nothing from the answer while its source cools down.
    counters.authThrottled++;
    return {
      message:
        "Too many wrong tokens came from this client's address; the relay is not checking tokens from it for a while.",
      hint: "Wait a minute, then connect with a current relay token from the relay's administrator.",
    };
  }
  if (!credentials.authorize(token, credentials.clientCertOk)) {
    attempts?.failed(now);
    return {
      message:
        token === ""
          ? "The client sent no token and no valid client certificate."
          : "The client's token is not one the relay accepts.",
      hint: "Use a current relay token or client certificate from the relay's administrator.",
    };
  }
  return undefined;
}
