/** Reads an MS-CHAPv2 Failure message (RFC 2759 section 6) into an error a person can act on. */
import { type FerryError, ferryError } from "../../errors.js";
import { latin1 } from "../../util/bytes.js";
import { parseMsChapV2Failure } from "../../wire/chap.js";
import { credentialsRejected } from "./auth-errors.js";
import { quoteServerText } from "./server-text.js";

/** The error numbers RFC 2759 names, besides 691 (wrong user name or password). */
const KNOWN_ERRORS: Readonly<Record<number, { readonly message: string; readonly hint: string }>> = {
  646: {
    message:
      "The server refused the login: the account may not log in at this time of day (restricted logon hours).",
    hint: "Connect during the hours the account is allowed, or ask your administrator to change them.",
  },
  647: {
    message: "The server refused the login: the account is disabled.",
    hint: "Ask your administrator to enable the account.",
  },
  648: {
    message: "The server refused the login: the password has expired.",
    hint: "Change the password another way (for example by logging in to the domain), then update the profile.",
  },
  649: {
    message: "The server refused the login: the account has no dial-in (remote access) permission.",
    hint: "Ask your administrator to grant the account remote access permission.",
  },
  709: {
    message: "The server reported an error while changing the password.",
    hint: "Change the password another way, then update the profile.",
  },
};

const ERROR_AUTHENTICATION_FAILURE = 691;

/**
 * We never answer a Failure with R=1 by trying again: the same password would fail again and may lock the account.
 * The password is only used to keep it out of the quoted server text.
 */
export function msChapV2FailureError(message: Uint8Array, password: string): FerryError {
  const result = parseMsChapV2Failure(message);
  if (!result.ok) {
    return ferryError(
      "AUTH_FAILED",
      "The server refused the login without saying why (its MS-CHAPv2 Failure message is not in the standard form).",
      "Check the user name and password; if they are right, look at the server's log.",
      {
        method: "mschapv2",
        reason: result.reason,
        serverMessage: quoteServerText(latin1(message), password),
      },
    );
  }
  const failure = result.value;
  const serverMessage =
    failure.message === undefined ? undefined : quoteServerText(failure.message, password);
  const detail = {
    method: "mschapv2",
    errorCode: failure.error,
    retry: failure.retry,
    ...(serverMessage === undefined ? {} : { serverMessage }),
  };
  if (failure.error === ERROR_AUTHENTICATION_FAILURE) return credentialsRejected("mschapv2", detail);
  const known = KNOWN_ERRORS[failure.error];
  if (known !== undefined) return ferryError("AUTH_FAILED", known.message, known.hint, detail);
  const quoted = serverMessage === undefined || serverMessage === "" ? "" : ` ("${serverMessage}")`;
  return ferryError(
    "AUTH_FAILED",
    `The server refused the login with MS-CHAPv2 error ${failure.error}${quoted}.`,
    "Look up the error number among Windows remote access errors, or ask your administrator.",
    detail,
  );
}
