/** What differs between CHAP flavours on the client side (as pppd's chap_digest_type): the rest is chap-client.ts. */
import type { FerryError } from "../../errors.js";
import type { AuthMethod, AuthOutcome } from "./auth-phase.js";

export interface ChapDigest {
  readonly method: Extract<AuthMethod, "mschapv2" | "chap-md5">;
  /** Answers one Challenge value, or returns undefined if this flavour cannot use the value (wrong length). */
  answer(identifier: number, challenge: Uint8Array): ChapAnswer | undefined;
}

/** One computed Response and how to read the server's verdict on it. */
export interface ChapAnswer {
  readonly value: Uint8Array;
  onSuccess(message: Uint8Array): AuthOutcome;
  onFailure(message: Uint8Array): FerryError;
}
