/** The authentication errors every method shares; the MS-CHAPv2 failure codes live in mschapv2-failure.ts. */
import { type FerryError, ferryError } from "../../errors.js";
import type { AuthMethod } from "./auth-phase.js";

export function methodName(method: AuthMethod): string {
  switch (method) {
    case "mschapv2":
      return "MS-CHAPv2";
    case "chap-md5":
      return "CHAP-MD5";
    case "pap":
      return "PAP";
  }
}

export function credentialsRejected(
  method: AuthMethod,
  detail: Readonly<Record<string, string | number | boolean>> = {},
): FerryError {
  return ferryError(
    "AUTH_FAILED",
    "The server rejected the user name or password.",
    "Check the user name (some servers want it as DOMAIN\\user) and the password, then connect again.",
    { method, ...detail },
  );
}

/** What we were waiting for when the server fell silent. */
export type AuthWait =
  | { readonly for: "challenge"; readonly waitedMs: number }
  | { readonly for: "reply"; readonly transmits: number };

export function serverStoppedAnswering(method: AuthMethod, wait: AuthWait): FerryError {
  const name = methodName(method);
  const what =
    wait.for === "challenge"
      ? `no ${name} challenge arrived within ${Math.round(wait.waitedMs / 1000)} s`
      : `our ${name} ${method === "pap" ? "request" : "response"} went unanswered after ${wait.transmits} tries`;
  return ferryError(
    "AUTH_FAILED",
    `The server stopped answering during authentication: ${what}.`,
    `Check that the server is running and accepts ${name}; if it keeps happening, look at the server's log.`,
    wait.for === "challenge"
      ? { method, waitingFor: "challenge", waitedMs: wait.waitedMs }
      : { method, waitingFor: "reply", transmits: wait.transmits },
  );
}
