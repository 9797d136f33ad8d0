/**
 * Server sides of authentication for the in-process test peer (not shipped): an MS-CHAPv2, CHAP-MD5 or PAP
 * authenticator that looks passwords up by user name, with quirks to imitate broken or hostile servers.
 */
import { mppeStartKeys } from "../../../src/crypto/mppe-keys.js";
import { generateAuthenticatorResponse, generateNtResponse } from "../../../src/crypto/mschapv2.js";
import type { AuthMethod, AuthPhase } from "../../../src/ppp/auth/auth-phase.js";
import { chapMd5Response } from "../../../src/ppp/auth/chap-md5-digest.js";
import { bytesEqual, fromHex, utf8 } from "../../../src/util/bytes.js";
import type { RandomSource } from "../../../src/util/random.js";
import {
  emitMsChapV2Failure,
  emitMsChapV2Success,
  parseMsChapV2ResponseValue,
} from "../../../src/wire/chap.js";
import { ChapServer, type ChapVerdict, type ChapVerifier, peerRejected } from "./chap-server.js";
import { PapServer } from "./pap-server.js";

export interface AuthServerQuirks {
  /** MS-CHAPv2: Success carries an S= that does not match (an impostor that does not know the password). */
  readonly badAuthenticatorResponse?: boolean;
  /** MS-CHAPv2: Success carries no S= at all. */
  readonly omitAuthenticatorResponse?: boolean;
}

export type PasswordLookup = (user: string) => string | undefined;

export function createAuthServer(
  method: AuthMethod,
  lookupPassword: PasswordLookup,
  random: RandomSource,
  quirks: AuthServerQuirks = {},
): AuthPhase {
  switch (method) {
    case "mschapv2":
      return new ChapServer(msChapV2Verifier(lookupPassword, quirks), random);
    case "chap-md5":
      return new ChapServer(chapMd5Verifier(lookupPassword), random);
    case "pap":
      return new PapServer(lookupPassword);
  }
}

const ERROR_AUTHENTICATION_FAILURE = 691;

function msChapV2Verifier(lookupPassword: PasswordLookup, quirks: AuthServerQuirks): ChapVerifier {
  const method = "mschapv2";
  return {
    method,
    verify(_identifier, authChallenge, userName, value): ChapVerdict {
      const response = parseMsChapV2ResponseValue(value);
      const password = lookupPassword(userName);
      if (response.ok && password !== undefined) {
        const { peerChallenge, ntResponse } = response.value;
        const expected = generateNtResponse(authChallenge, peerChallenge, userName, password);
        if (bytesEqual(expected, ntResponse)) {
          const proof = fromHex(
            generateAuthenticatorResponse(password, ntResponse, peerChallenge, authChallenge, userName).slice(
              2,
            ),
          );
          if (quirks.badAuthenticatorResponse) proof[0]! ^= 0x01;
          return {
            success: true,
            message: emitMsChapV2Success({
              ...(quirks.omitAuthenticatorResponse ? {} : { authenticatorResponse: proof }),
              message: "Access granted",
            }),
            outcome: { ok: true, method, userName, mppeKeys: mppeStartKeys(password, ntResponse, "server") },
          };
        }
      }
      return {
        success: false,
        message: emitMsChapV2Failure({
          error: ERROR_AUTHENTICATION_FAILURE,
          retry: false,
          challenge: authChallenge,
          version: 3,
          message: "Authentication failure",
        }),
        outcome: { ok: false, error: peerRejected(method, userName) },
      };
    },
  };
}

function chapMd5Verifier(lookupPassword: PasswordLookup): ChapVerifier {
  const method = "chap-md5";
  return {
    method,
    verify(identifier, challenge, userName, value): ChapVerdict {
      const password = lookupPassword(userName);
      const ok =
        password !== undefined && bytesEqual(chapMd5Response(identifier, utf8(password), challenge), value);
      return ok
        ? { success: true, message: utf8("Access granted"), outcome: { ok: true, method, userName } }
        : {
            success: false,
            message: utf8("Access denied"),
            outcome: { ok: false, error: peerRejected(method, userName) },
          };
    },
  };
}
