/**
 * Errors are values: a stable code for programs, a sentence for people, and a hint saying what to try.
 * Nothing in the core throws because of bytes from the network; failures travel as these values.
 */
export type ErrorCode =
  /** TCP 1723 could not be reached (I/O layer). */
  | "SERVER_UNREACHABLE"
  /** The server answered Start-Control-Connection-Request with a failure result. */
  | "CONTROL_REJECTED"
  /** The server did not answer a control request in time. */
  | "CONTROL_TIMEOUT"
  /** The server answered Outgoing-Call-Request with a failure result. */
  | "CALL_REJECTED"
  /** The server hung up the call (Call-Disconnect-Notify). */
  | "CALL_DISCONNECTED"
  /** The server closed the control connection (Stop-Control-Connection-Request or TCP close). */
  | "SERVER_STOPPED"
  /** The server refused our credentials (MS-CHAPv2 Failure, CHAP/PAP NAK). */
  | "AUTH_FAILED"
  /** The server could not prove it knows the password (bad or missing MS-CHAPv2 authenticator response). */
  | "AUTH_SERVER_UNVERIFIED"
  /** The server insisted on an authentication method the profile does not allow. */
  | "AUTH_METHOD_REFUSED"
  /** The encryption the profile demands could not be negotiated. */
  | "ENCRYPTION_UNAVAILABLE"
  /** An LCP/IPCP/CCP negotiation did not converge or the peer rejected something mandatory. */
  | "NEGOTIATION_FAILED"
  /** Our own LCP magic number came back: the link is looped. */
  | "LOOPBACK_DETECTED"
  /** The call was set up but no GRE packet came back. */
  | "GRE_TIMEOUT"
  /** Keepalives (PPTP Echo or LCP Echo) went unanswered. */
  | "PEER_DEAD"
  /** The peer violated the protocol in a way the session cannot survive. */
  | "PROTOCOL_ERROR"
  /** The process lacks the privilege it needs (I/O layer). */
  | "NOT_PERMITTED"
  /** The local system could not provide what the tunnel needs: TUN driver, raw sockets, the native addon. */
  | "LOCAL_IO_FAILED"
  /** The command line asked for something that cannot run as given. */
  | "USAGE";

/** `Code` widens for layers above this package (the wrap transport adds its relay codes); the default is this one's. */
export interface FerryError<Code extends string = ErrorCode> {
  readonly code: Code;
  /** What failed, in one sentence. */
  readonly message: string;
  /** What the user can try. */
  readonly hint: string;
  /** Machine-readable context (result codes, counters); never secrets. */
  readonly detail?: Readonly<Record<string, string | number | boolean>>;
  readonly cause?: unknown;
}

/** Builds an error value with the codes of any layer; each layer wraps it with its own code union. */
export function codedError<Code extends string>(
  code: Code,
  message: string,
  hint: string,
  detail?: FerryError["detail"],
  cause?: unknown,
): FerryError<Code> {
  const error: { -readonly [K in keyof FerryError<Code>]: FerryError<Code>[K] } = { code, message, hint };
  if (detail !== undefined) error.detail = detail;
  if (cause !== undefined) error.cause = cause;
  return error;
}

/** An error of this package: the code must be one of ErrorCode. */
export const ferryError: (
  code: ErrorCode,
  message: string,
  hint: string,
  detail?: FerryError["detail"],
  cause?: unknown,
) => FerryError = codedError;
