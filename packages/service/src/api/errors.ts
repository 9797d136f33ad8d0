/**
 * The error codes of ferryd's local API and its client. Each travels as an ApiError (code, message, hint) in a
 * response; the client turns a failed call into a rejected ServiceError carrying the same three fields.
 */
import { codedError, type FerryError } from "@ferry/pptp-client";
import type { ApiError } from "./protocol.js";

export type ApiErrorCode =
  /** A request line that is not JSON, has the wrong shape, or names an unknown method. */
  | "API_BAD_REQUEST"
  /** A request line over the size limit (the connection is closed: its framing is lost). */
  | "API_REQUEST_TOO_LARGE"
  /** More clients at once than the service serves. */
  | "API_TOO_MANY_CLIENTS"
  /** The service failed while answering (a bug): the request had no effect. */
  | "API_INTERNAL"
  /** No profile with this id. */
  | "PROFILE_UNKNOWN"
  /** The profile has problems and cannot be used until they are fixed. */
  | "PROFILE_INVALID"
  /** The profile may use the relay but the connect request carried no relay token. */
  | "RELAY_TOKEN_MISSING"
  /** The health monitor saw traffic go out and nothing come back for two keepalive windows. */
  | "TUNNEL_STALLED"
  /** Client side: nothing listens on the socket. */
  | "SERVICE_NOT_RUNNING"
  /** Client side: the socket's permissions refuse this user. */
  | "SERVICE_ACCESS_DENIED"
  /** Client side: the connection to the service ended before the answer came. */
  | "SERVICE_CONNECTION_LOST"
  /** Client side: the service speaks another API version. */
  | "SERVICE_VERSION_MISMATCH"
  /** Service side: another ferryd already answers on the socket, or the path is taken by something else. */
  | "SERVICE_ALREADY_RUNNING"
  /** Service side: the socket could not be created or given its owner and mode. */
  | "SERVICE_SOCKET_FAILED";

export type ServiceFerryError = FerryError<ApiErrorCode>;

export const apiError: (
  code: ApiErrorCode,
  message: string,
  hint: string,
  detail?: FerryError["detail"],
) => ServiceFerryError = codedError;

/** The three fields a response carries: never `detail` or `cause`, which are for logs and could hold anything. */
export function toApiError(error: FerryError<string>): ApiError {
  return { code: error.code, message: error.message, hint: error.hint };
}

/** How a failed API call rejects on the client side. */
export class ServiceError extends Error implements ApiError {
  readonly code: string;
  readonly hint: string;

  constructor(error: ApiError) {
    super(error.message);
    this.name = "ServiceError";
    this.code = error.code;
    this.hint = error.hint;
  }
}
