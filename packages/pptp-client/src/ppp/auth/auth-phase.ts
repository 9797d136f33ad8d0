/** The contract between the PPP link and one authentication exchange, whichever method and side it is. */
import type { FerryError } from "../../errors.js";
import { CHAP_PROTOCOL } from "../../wire/chap.js";
import { PAP_PROTOCOL } from "../../wire/pap.js";

export type AuthMethod = "mschapv2" | "chap-md5" | "pap";

/** 16-byte MPPE start keys (RFC 3079), this side's view: `send` encrypts what we send. */
export interface MppeKeys {
  readonly send: Uint8Array;
  readonly recv: Uint8Array;
}

export type AuthOutcome =
  | { ok: true; method: AuthMethod; mppeKeys?: MppeKeys; userName?: string }
  | { ok: false; error: FerryError };

/** One side of one authentication exchange (client or server): the link runs it during the Authenticate phase. */
export interface AuthPhase {
  /** 0xc223 CHAP or 0xc023 PAP. */
  readonly protocol: number;
  start(now: number): void;
  /** The PPP information field: code, identifier, length, data. */
  handlePacket(info: Uint8Array, now: number): void;
  pollPacket(): Uint8Array | undefined;
  /** Returns the outcome once, when the exchange has ended; undefined before and after. */
  pollOutcome(): AuthOutcome | undefined;
  nextTimeout(): number | undefined;
  handleTimeout(now: number): void;
}

export interface AuthCredentials {
  readonly userName: string;
  readonly password: string;
}

const CHAP_ALGORITHM_MD5 = 0x05;
const CHAP_ALGORITHM_MSCHAPV2 = 0x81;

/** LCP Auth-Protocol option data <-> method: C223 81 = mschapv2, C223 05 = chap-md5, C023 = pap. */
export function authMethodFromOption(data: Uint8Array): AuthMethod | undefined {
  if (data.length === 2 && data[0] === PAP_PROTOCOL >> 8 && data[1] === (PAP_PROTOCOL & 0xff)) return "pap";
  if (data.length !== 3 || data[0] !== CHAP_PROTOCOL >> 8 || data[1] !== (CHAP_PROTOCOL & 0xff))
    return undefined;
  if (data[2] === CHAP_ALGORITHM_MSCHAPV2) return "mschapv2";
  if (data[2] === CHAP_ALGORITHM_MD5) return "chap-md5";
  return undefined;
}

export function authOptionData(method: AuthMethod): Uint8Array {
  switch (method) {
    case "mschapv2":
      return Uint8Array.of(CHAP_PROTOCOL >> 8, CHAP_PROTOCOL & 0xff, CHAP_ALGORITHM_MSCHAPV2);
    case "chap-md5":
      return Uint8Array.of(CHAP_PROTOCOL >> 8, CHAP_PROTOCOL & 0xff, CHAP_ALGORITHM_MD5);
    case "pap":
      return Uint8Array.of(PAP_PROTOCOL >> 8, PAP_PROTOCOL & 0xff);
  }
}

/** The protocol number an AuthPhase for this method speaks. */
export function authProtocol(method: AuthMethod): number {
  return method === "pap" ? PAP_PROTOCOL : CHAP_PROTOCOL;
}
