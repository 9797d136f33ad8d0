/** The FerryErrors the control connection ends with: one sentence saying what the server did, and what to try. */
import { type FerryError, ferryError } from "../errors.js";
import {
  CALL_DISCONNECT_RESULTS,
  GENERAL_ERROR_RESULT,
  generalErrorText,
  NO_GENERAL_ERROR,
  OUTGOING_CALL_RESULTS,
  type ResultText,
  resultText,
  START_CONTROL_RESULTS,
  STOP_REASONS,
} from "./result-codes.js";

const UNKNOWN_CODE_HINT = "The server sent a code RFC 2637 does not define; check the server's logs.";

/** ": <what>" plus the general error when the server gave one. */
function reasonClause(entry: ResultText, resultCode: number, errorCode: number): string {
  const general =
    resultCode === GENERAL_ERROR_RESULT || errorCode !== NO_GENERAL_ERROR
      ? ` (${generalErrorText(errorCode)})`
      : "";
  return `${entry.text}${general}`;
}

export function controlRejectedError(resultCode: number, errorCode: number): FerryError {
  const entry = resultText(START_CONTROL_RESULTS, resultCode, UNKNOWN_CODE_HINT);
  return ferryError(
    "CONTROL_REJECTED",
    `The PPTP server refused the control connection: ${reasonClause(entry, resultCode, errorCode)}.`,
    entry.hint,
    { resultCode, errorCode },
  );
}

export function callRejectedError(resultCode: number, errorCode: number, causeCode: number): FerryError {
  const entry = resultText(OUTGOING_CALL_RESULTS, resultCode, UNKNOWN_CODE_HINT);
  return ferryError(
    "CALL_REJECTED",
    `The PPTP server refused to set up the call: ${reasonClause(entry, resultCode, errorCode)}.`,
    entry.hint,
    { resultCode, errorCode, causeCode },
  );
}

export function callDisconnectedError(
  resultCode: number,
  errorCode: number,
  causeCode: number,
  callStatistics: string,
): FerryError {
  const entry = resultText(CALL_DISCONNECT_RESULTS, resultCode, UNKNOWN_CODE_HINT);
  const said = printable(callStatistics);
  const saying = said === "" ? "" : ` (the server says "${said}")`;
  return ferryError(
    "CALL_DISCONNECTED",
    `The PPTP server hung up the call: ${reasonClause(entry, resultCode, errorCode)}${saying}.`,
    entry.hint,
    { resultCode, errorCode, causeCode, ...(said === "" ? {} : { callStatistics: said }) },
  );
}

export function serverStoppedError(reason: number): FerryError {
  const entry = resultText(STOP_REASONS, reason, UNKNOWN_CODE_HINT);
  return ferryError(
    "SERVER_STOPPED",
    `The PPTP server closed the control connection: ${entry.text} (reason ${reason}).`,
    entry.hint,
    { reason },
  );
}

export function transportClosedError(): FerryError {
  return ferryError(
    "SERVER_STOPPED",
    "The PPTP server closed the TCP connection on port 1723 without a Stop-Control-Connection-Request.",
    "The server may have restarted or dropped the session, or a firewall cut the connection; try reconnecting.",
  );
}

export function controlTimeoutError(
  request: "Start-Control-Connection-Request" | "Outgoing-Call-Request",
  timeoutMs: number,
  ignoredMessages: number,
): FerryError {
  const hint =
    request === "Start-Control-Connection-Request"
      ? "TCP port 1723 answers but does not speak PPTP; check the server address and that a PPTP server runs there."
      : "The server accepted the control connection but not the call; it may be overloaded or out of call slots, try again later.";
  return ferryError(
    "CONTROL_TIMEOUT",
    `The PPTP server did not answer our ${request} within ${formatMs(timeoutMs)}.`,
    hint,
    { request, timeoutMs, ignoredMessages },
  );
}

export function peerDeadError(timeoutMs: number): FerryError {
  return ferryError(
    "PEER_DEAD",
    `The PPTP server stopped answering keepalive Echo-Requests on the control connection (no reply within ${formatMs(timeoutMs)}).`,
    "The network path to the server or the server itself went down; reconnect once the network is back.",
    { timeoutMs },
  );
}

export function controlStreamError(reason: string): FerryError {
  return ferryError(
    "PROTOCOL_ERROR",
    `The PPTP control stream from the server is corrupt (${reason}).`,
    "Something on the path to TCP port 1723 may be altering traffic, or the server is not a PPTP server; check the address.",
    { reason },
  );
}

function formatMs(ms: number): string {
  return ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** Server-supplied text made safe for one line of a message: control characters blanked, length bounded. */
function printable(value: string): string {
  let line = "";
  for (const char of value) {
    const code = char.charCodeAt(0);
    line += code < 0x20 || (code >= 0x7f && code <= 0x9f) ? " " : char;
  }
  return line.replace(/\s+/g, " ").trim().slice(0, 100);
}
