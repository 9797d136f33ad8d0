/** Builds the client side of the method LCP agreed on. */
import type { RandomSource } from "../../util/random.js";
import type { AuthCredentials, AuthMethod, AuthPhase } from "./auth-phase.js";
import type { AuthTiming } from "./auth-timing.js";
import { ChapClient } from "./chap-client.js";
import { chapMd5Digest } from "./chap-md5-digest.js";
import { msChapV2Digest } from "./mschapv2-digest.js";
import { PapClient } from "./pap-client.js";

export function createAuthClient(
  method: AuthMethod,
  credentials: AuthCredentials,
  random: RandomSource,
  timing?: AuthTiming,
): AuthPhase {
  switch (method) {
    case "mschapv2":
      return new ChapClient(msChapV2Digest(credentials, random), credentials.userName, timing);
    case "chap-md5":
      return new ChapClient(chapMd5Digest(credentials.password), credentials.userName, timing);
    case "pap":
      return new PapClient(credentials, random, timing);
  }
}
