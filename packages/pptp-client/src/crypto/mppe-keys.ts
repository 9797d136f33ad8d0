/**
 * MPPE key derivation from MS-CHAPv2 (RFC 3079 section 3): the master key, then one start key per direction.
 * The data path (src/mppe) turns a start key into session keys.
 */
import { utf8 } from "../util/bytes.js";
import { hashNtPasswordHash, ntPasswordHash } from "./mschapv2.js";
import { sha1 } from "./sha1.js";

/** SHSpad1 and SHSpad2 of RFC 3079 section 3.3: 40 bytes of 0x00 and 40 of 0xF2. */
export const SHS_PAD1: Uint8Array = new Uint8Array(40);
export const SHS_PAD2: Uint8Array = new Uint8Array(40).fill(0xf2);

const MAGIC1 = utf8("This is the MPPE Master Key");
const MAGIC2 = utf8("On the client side, this is the send key; on the server side, it is the receive key.");
const MAGIC3 = utf8("On the client side, this is the receive key; on the server side, it is the send key.");

export function mppeMasterKey(passwordHashHash: Uint8Array, ntResponse: Uint8Array): Uint8Array {
  return sha1(passwordHashHash, ntResponse, MAGIC1).slice(0, 16);
}

/** GetAsymmetricStartKey: the client's send key is the server's receive key, and vice versa. */
export function asymmetricStartKey(
  masterKey: Uint8Array,
  keyLength: 8 | 16,
  isSend: boolean,
  isServer: boolean,
): Uint8Array {
  const magic = isSend === isServer ? MAGIC3 : MAGIC2;
  return sha1(masterKey.subarray(0, 16), SHS_PAD1, magic, SHS_PAD2).slice(0, keyLength);
}

/** Both 16-byte start keys from one side's point of view ("send" is what this side encrypts with). */
export function mppeStartKeys(
  password: string,
  ntResponse: Uint8Array,
  role: "client" | "server",
): { send: Uint8Array; recv: Uint8Array } {
  const masterKey = mppeMasterKey(hashNtPasswordHash(ntPasswordHash(password)), ntResponse);
  const isServer = role === "server";
  return {
    send: asymmetricStartKey(masterKey, 16, true, isServer),
    recv: asymmetricStartKey(masterKey, 16, false, isServer),
  };
}
