/** CHAP with MD5 (RFC 1994 section 4.1): Response = MD5(Identifier || secret || Challenge). No MPPE keys. */
import { createHash } from "node:crypto";
import { utf8 } from "../../util/bytes.js";
import { credentialsRejected } from "./auth-errors.js";
import type { ChapDigest } from "./chap-digest.js";
import { serverMessageDetail } from "./server-text.js";

export function chapMd5Response(identifier: number, secret: Uint8Array, challenge: Uint8Array): Uint8Array {
  const hash = createHash("md5");
  hash.update(Uint8Array.of(identifier));
  hash.update(secret);
  hash.update(challenge);
  return new Uint8Array(hash.digest());
}

export function chapMd5Digest(password: string): ChapDigest {
  const secret = utf8(password);
  return {
    method: "chap-md5",
    answer(identifier, challenge) {
      if (challenge.length === 0) return undefined; // RFC 1994: the Challenge Value is one or more octets
      return {
        value: chapMd5Response(identifier, secret, challenge),
        onSuccess: () => ({ ok: true, method: "chap-md5" }),
        onFailure: (message) => credentialsRejected("chap-md5", serverMessageDetail(message, password)),
      };
    },
  };
}
