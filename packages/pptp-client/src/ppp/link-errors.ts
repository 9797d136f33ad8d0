/** The ways a PPP link ends badly that belong to the link as a whole rather than to one option. */
import { type FerryError, ferryError } from "../errors.js";
import { methodName } from "./auth/auth-errors.js";
import type { AuthMethod } from "./auth/auth-phase.js";
import { ENABLE_MPPE_HINT } from "./ccp.js";

export function serverUnverified(): FerryError {
  return ferryError(
    "AUTH_SERVER_UNVERIFIED",
    "The server did not ask us to authenticate, so it never proved that it knows the password.",
    "This can be an impostor on the path; allow unauthenticated servers in the profile only if you trust the network.",
  );
}

export function noMppeKeys(method: AuthMethod | undefined): FerryError {
  return ferryError(
    "ENCRYPTION_UNAVAILABLE",
    method === undefined
      ? "Nobody authenticated on this link, so there are no MPPE keys, and this profile requires encryption."
      : `Authentication with ${methodName(method)} gives no MPPE keys, and this profile requires encryption.`,
    "Use MS-CHAPv2, the only method MPPE can take its keys from, or allow unencrypted links in the profile.",
    method === undefined ? {} : { method },
  );
}

export function mppeNotAllowed(): FerryError {
  return ferryError(
    "ENCRYPTION_UNAVAILABLE",
    "The profile requires MPPE encryption but allows no MPPE strength or mode.",
    "Allow at least one MPPE strength (128-bit is best) and stateless or stateful mode in the profile.",
  );
}

/** CCP ended without MPPE while MPPE is required; `cause` is CCP's own reason when it has one. */
export function ccpFailed(cause: FerryError | undefined): FerryError {
  if (cause?.code === "ENCRYPTION_UNAVAILABLE") return cause;
  return ferryError(
    "ENCRYPTION_UNAVAILABLE",
    cause === undefined
      ? "The server did not negotiate MPPE encryption."
      : `The server did not negotiate MPPE encryption: ${lowerFirst(cause.message)}`,
    ENABLE_MPPE_HINT,
    cause?.detail,
    cause,
  );
}

export function mppeTurnedOff(): FerryError {
  return ferryError(
    "ENCRYPTION_UNAVAILABLE",
    "The server turned MPPE encryption off in the middle of the session.",
    "Reconnect; if it happens again, look at the server's log.",
  );
}

export function lcpRenegotiated(): FerryError {
  return ferryError(
    "PROTOCOL_ERROR",
    "The server restarted PPP link negotiation in the middle of the session.",
    "Reconnect; if it happens again, look at the server's log.",
  );
}

/** The server sent LCP Terminate-Request before the link was up. */
export function peerEndedNegotiation(reason: string, refusedAuth: string | undefined): FerryError {
  const why = reason === "" ? "" : ` (it said: "${reason}")`;
  if (refusedAuth !== undefined) {
    return ferryError(
      "AUTH_METHOD_REFUSED",
      `The server wants ${refusedAuth} authentication, which this profile does not allow, and hung up${why}.`,
      `Allow ${refusedAuth} in the profile if you trust it, or ask the server's administrator for MS-CHAPv2.`,
      { serverWants: refusedAuth, serverReason: reason },
    );
  }
  return ferryError(
    "NEGOTIATION_FAILED",
    `The server ended PPP link negotiation${why}.`,
    "Look at the server's log for why it refused the link.",
    { serverReason: reason },
  );
}

/**
 * The server sent Terminate-Request once LCP was up but before the network was: it refused us somewhere. `stage`
 * says where: authentication, encryption (CCP still negotiating), or the rest of the network layer.
 */
export function peerHungUp(stage: "authentication" | "encryption" | "network", reason: string): FerryError {
  const why = reason === "" ? "" : ` (it said: "${reason}")`;
  const detail = { serverReason: reason };
  switch (stage) {
    case "authentication":
      return ferryError(
        "AUTH_FAILED",
        `The server hung up during authentication${why}.`,
        "Check the user name and password; the server's log says why it refused them.",
        detail,
      );
    case "encryption":
      return ferryError(
        "ENCRYPTION_UNAVAILABLE",
        `The server hung up while negotiating MPPE encryption${why}.`,
        "The server and this profile share no MPPE mode: compare the key lengths and stateless/stateful settings on both sides.",
        detail,
      );
    case "network":
      return ferryError(
        "NEGOTIATION_FAILED",
        `The server hung up while negotiating the network layer (IPCP)${why}.`,
        "Look at the server's log for why it refused the link.",
        detail,
      );
  }
}

export function peerDead(echoes: number, intervalMs: number): FerryError {
  return ferryError(
    "PEER_DEAD",
    `The server stopped answering: ${echoes} LCP Echo-Requests in a row went unanswered.`,
    "The network path or the server went away; check the connection and reconnect.",
    { unansweredEchoes: echoes, echoIntervalMs: intervalMs },
  );
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
