/**
 * MS-CHAPv2 computations (RFC 2759 section 8): the NT-Response we send and the authenticator response we expect
 * back from the server, which proves that it knows the password too.
 */
import { toHex, utf8 } from "../util/bytes.js";
import { desEncrypt56 } from "./des.js";
import { md4 } from "./md4.js";
import { sha1 } from "./sha1.js";

/** Strips a "DOMAIN\" prefix: only the user part enters ChallengeHash (as pppd and Windows do). */
export function mschapUserName(name: string): string {
  return name.slice(name.lastIndexOf("\\") + 1);
}

/** MD4 of the UTF-16LE password. */
export function ntPasswordHash(password: string): Uint8Array {
  const unicode = new Uint8Array(password.length * 2);
  for (let i = 0; i < password.length; i++) {
    const unit = password.charCodeAt(i);
    unicode[i * 2] = unit;
    unicode[i * 2 + 1] = unit >>> 8;
  }
  return md4(unicode);
}

export function hashNtPasswordHash(passwordHash: Uint8Array): Uint8Array {
  return md4(passwordHash);
}

/** The first 8 bytes of SHA1(PeerChallenge | AuthenticatorChallenge | UserName). */
export function challengeHash(
  peerChallenge: Uint8Array,
  authChallenge: Uint8Array,
  userName: string,
): Uint8Array {
  return sha1(peerChallenge, authChallenge, utf8(userName)).slice(0, 8);
}

/** The 16-byte password hash, zero-padded to 21 bytes, keys three DES encryptions of the 8-byte challenge. */
function challengeResponse(challenge: Uint8Array, passwordHash: Uint8Array): Uint8Array {
  const zPasswordHash = new Uint8Array(21);
  zPasswordHash.set(passwordHash);
  const response = new Uint8Array(24);
  for (let i = 0; i < 3; i++) {
    response.set(desEncrypt56(zPasswordHash.subarray(i * 7, i * 7 + 7), challenge), i * 8);
  }
  return response;
}

/** The 24-byte NT-Response. `userName` is the name as sent; its domain prefix is stripped here. */
export function generateNtResponse(
  authChallenge: Uint8Array,
  peerChallenge: Uint8Array,
  userName: string,
  password: string,
): Uint8Array {
  const challenge = challengeHash(peerChallenge, authChallenge, mschapUserName(userName));
  return challengeResponse(challenge, ntPasswordHash(password));
}

const MAGIC1 = utf8("Magic server to client signing constant");
const MAGIC2 = utf8("Pad to make it do more than one iteration");

/** "S=" followed by 40 uppercase hex digits, as the server's Success message carries it. */
export function generateAuthenticatorResponse(
  password: string,
  ntResponse: Uint8Array,
  peerChallenge: Uint8Array,
  authChallenge: Uint8Array,
  userName: string,
): string {
  const passwordHashHash = hashNtPasswordHash(ntPasswordHash(password));
  const digest = sha1(passwordHashHash, ntResponse, MAGIC1);
  const challenge = challengeHash(peerChallenge, authChallenge, mschapUserName(userName));
  return `S=${toHex(sha1(digest, challenge, MAGIC2))}`;
}
