/**
 * The MS-CHAPv2 peer (RFC 2759): answers the 16-byte Challenge with a fresh Peer-Challenge and the NT-Response,
 * then insists that the Success message proves the server knows the password too (mutual authentication).
 */
import { mppeStartKeys } from "../../crypto/mppe-keys.js";
import { generateAuthenticatorResponse, generateNtResponse } from "../../crypto/mschapv2.js";
import { ferryError } from "../../errors.js";
import { bytesEqual, fromHex } from "../../util/bytes.js";
import type { RandomSource } from "../../util/random.js";
import {
  emitMsChapV2ResponseValue,
  MSCHAPV2_CHALLENGE_LENGTH,
  parseMsChapV2Success,
} from "../../wire/chap.js";
import type { AuthCredentials, AuthOutcome } from "./auth-phase.js";
import type { ChapDigest } from "./chap-digest.js";
import { msChapV2FailureError } from "./mschapv2-failure.js";

const PEER_CHALLENGE_LENGTH = 16;

export function msChapV2Digest(credentials: AuthCredentials, random: RandomSource): ChapDigest {
  const { userName, password } = credentials;
  return {
    method: "mschapv2",
    answer(_identifier, authChallenge) {
      if (authChallenge.length !== MSCHAPV2_CHALLENGE_LENGTH) return undefined;
      const peerChallenge = random(PEER_CHALLENGE_LENGTH);
      const ntResponse = generateNtResponse(authChallenge, peerChallenge, userName, password);
      return {
        value: emitMsChapV2ResponseValue({ peerChallenge, ntResponse, flags: 0 }),
        onSuccess(message): AuthOutcome {
          const success = parseMsChapV2Success(message);
          if (!success.ok) return serverUnverified("malformed");
          const claimed = success.value.authenticatorResponse;
          if (claimed === undefined) return serverUnverified("missing");
          const expected = generateAuthenticatorResponse(
            password,
            ntResponse,
            peerChallenge,
            authChallenge,
            userName,
          );
          // "S=" + 40 hex digits; bytesEqual does not stop at the first difference.
          if (!bytesEqual(claimed, fromHex(expected.slice(2)))) return serverUnverified("mismatch");
          return { ok: true, method: "mschapv2", mppeKeys: mppeStartKeys(password, ntResponse, "client") };
        },
        onFailure: (message) => msChapV2FailureError(message, password),
      };
    },
  };
}

function serverUnverified(reason: "malformed" | "missing" | "mismatch"): AuthOutcome {
  return {
    ok: false,
    error: ferryError(
      "AUTH_SERVER_UNVERIFIED",
      "The server could not prove it knows your password: it may be an impostor.",
      "Do not use this connection; check that the profile points at the right server and tell your administrator.",
      { method: "mschapv2", authenticatorResponse: reason },
    ),
  };
}
