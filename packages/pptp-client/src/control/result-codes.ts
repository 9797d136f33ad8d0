/**
 * What the numbers in PPTP replies mean (RFC 2637 sections 2.2 to 2.13), in words a person can act on.
 * `text` completes "The PPTP server ... : <text>"; `hint` says what to try.
 */

export interface ResultText {
  readonly text: string;
  readonly hint: string;
}

/** Start-Control-Connection-Reply: 1 means the control connection is up. */
export const START_CONTROL_OK = 1;
/** Stop-Control-Connection-Request Reason 1: "General request to clear control connection". */
export const STOP_REASON_GENERAL = 1;
/** Stop-Control-Connection-Reply and Echo-Reply: 1 means OK. */
export const REPLY_OK = 1;
/** Outgoing-Call-Reply: 1 means connected. */
export const OUTGOING_CALL_CONNECTED = 1;
/** Outgoing-Call-Reply 7, "Do Not Accept": how we refuse a call the server asks us to place. */
export const OUTGOING_CALL_DO_NOT_ACCEPT = 7;
/** Incoming-Call-Reply 3, "Do Not Accept": a client never takes incoming calls. */
export const INCOMING_CALL_DO_NOT_ACCEPT = 3;
/** Call-Disconnect-Notify 4: the call was cleared because a Call-Clear-Request asked for it. */
export const CALL_DISCONNECT_REQUEST = 4;
/** General Error Code 0: no general error. */
export const NO_GENERAL_ERROR = 0;
/** General Error Code 2 "General Error" result shared by every reply type. */
export const GENERAL_ERROR_RESULT = 2;

const CHECK_SERVER_LOGS =
  "Check the PPTP server's logs; the general error code in the details says what it disliked.";

/** Start-Control-Connection-Reply Result Code (failures only). */
export const START_CONTROL_RESULTS: ReadonlyMap<number, ResultText> = new Map([
  [2, { text: "general error", hint: CHECK_SERVER_LOGS }],
  [
    3,
    {
      text: "it already has a control connection from this address",
      hint: "Another PPTP client on this computer or behind the same NAT may be connected to this server; disconnect it, or wait for the server to drop the stale session.",
    },
  ],
  [
    4,
    {
      text: "this client is not authorized to connect",
      hint: "Ask the server's administrator to allow your address or network to use PPTP.",
    },
  ],
  [
    5,
    {
      text: "it does not support PPTP protocol version 1.0",
      hint: "The server is not a standard RFC 2637 PPTP server; check the server address and port.",
    },
  ],
]);

/** Outgoing-Call-Reply Result Code (failures only). */
export const OUTGOING_CALL_RESULTS: ReadonlyMap<number, ResultText> = new Map([
  [
    2,
    {
      text: "general error",
      hint: "Check the PPTP server's logs; it may be out of resources or of addresses for new clients.",
    },
  ],
  [
    3,
    {
      text: "no carrier",
      hint: "The server has no line free for the call; try again later or ask its administrator.",
    },
  ],
  [
    4,
    {
      text: "busy",
      hint: "The server may have reached its limit of simultaneous connections; try again later.",
    },
  ],
  [
    5,
    {
      text: "no dial tone",
      hint: "The server has no usable line for the call; ask its administrator to check it.",
    },
  ],
  [
    6,
    {
      text: "time-out while setting up the call",
      hint: "The server took too long to set up the call; try again, and tell its administrator if it keeps happening.",
    },
  ],
  [
    7,
    {
      text: "it does not accept calls from this client",
      hint: "The server refused this call outright; your account or address may not be allowed to connect.",
    },
  ],
]);

/** Call-Disconnect-Notify Result Code. */
export const CALL_DISCONNECT_RESULTS: ReadonlyMap<number, ResultText> = new Map([
  [1, { text: "lost carrier", hint: "The server lost the link under the call; reconnect." }],
  [2, { text: "general error", hint: CHECK_SERVER_LOGS }],
  [
    3,
    {
      text: "administrative shutdown",
      hint: "The server or its administrator ended the session; reconnect later, or ask the administrator why.",
    },
  ],
  [
    CALL_DISCONNECT_REQUEST,
    {
      text: "a Call-Clear-Request asked for it",
      hint: "The call was cleared on request; reconnect if you did not ask to disconnect.",
    },
  ],
]);

/** Stop-Control-Connection-Request Reason. */
export const STOP_REASONS: ReadonlyMap<number, ResultText> = new Map([
  [
    STOP_REASON_GENERAL,
    {
      text: "general request to clear the control connection",
      hint: "The server ended the session; reconnect, and check the server's logs if it keeps happening.",
    },
  ],
  [
    2,
    {
      text: "it cannot support our protocol version",
      hint: "The server is not compatible with PPTP 1.0; check that the address points to a PPTP server.",
    },
  ],
  [3, { text: "it is shutting down", hint: "The server is going down; reconnect once it is back." }],
]);

/** General Error Code (RFC 2637 section 2.16), sent with result "General Error". */
export const GENERAL_ERRORS: ReadonlyMap<number, string> = new Map([
  [0, "no general error"],
  [1, "not connected (no control connection exists yet)"],
  [2, "bad format (the length or magic cookie was wrong)"],
  [3, "bad value (a field was out of range or a reserved field was not zero)"],
  [4, "no resource (not enough resources to handle the command)"],
  [5, "bad call ID"],
  [6, "PAC error (a vendor-specific error in the server)"],
]);

export function generalErrorText(code: number): string {
  return GENERAL_ERRORS.get(code) ?? `unknown general error ${code}`;
}

/** The table entry, or a neutral one for codes the RFC does not define. */
export function resultText(
  table: ReadonlyMap<number, ResultText>,
  code: number,
  fallbackHint: string,
): ResultText {
  return table.get(code) ?? { text: `unknown result code ${code}`, hint: fallbackHint };
}
