/**
 * Signed system profiles: a detached Ed25519 signature `NAME.json.sig` (base64) over the file's exact bytes,
 * checked against the organisation's public keys (`keys/*.pem` in the system folder). Once a key is there, every
 * system profile must carry a signature one of the keys verifies.
 */
import { createPublicKey, type KeyObject, verify } from "node:crypto";

export interface OrganisationKey {
  /** The key file's name, for "signed by" and for problems. */
  readonly name: string;
  readonly key: KeyObject;
}

export type KeyFileCheck =
  | { readonly ok: true; readonly key: OrganisationKey }
  | { readonly ok: false; readonly message: string };

/** A PEM public key file: usable only when it holds an Ed25519 public key. */
export function parseOrganisationKey(name: string, pem: string): KeyFileCheck {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    return { ok: false, message: "is not a PEM public key: export it with `openssl pkey -pubout`" };
  }
  if (key.asymmetricKeyType !== "ed25519")
    return {
      ok: false,
      message: `holds a ${key.asymmetricKeyType ?? "other"} key, not Ed25519: profiles are signed with Ed25519`,
    };
  return { ok: true, key: { name, key } };
}

export type SignatureVerdict =
  | { readonly ok: true; readonly signedBy?: string }
  | { readonly ok: false; readonly message: string };

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const ED25519_SIGNATURE_BYTES = 64;

/**
 * Whether a system profile may be used. `keyFiles` counts every key file present, usable or not: one broken key
 * file must not turn signing off (fail closed).
 */
export function verifyProfileSignature(
  bytes: Uint8Array,
  signatureText: string | undefined,
  keys: readonly OrganisationKey[],
  keyFiles: number,
): SignatureVerdict {
  if (keyFiles === 0) return { ok: true };
  if (signatureText === undefined)
    return {
      ok: false,
      message: "no signature: the organisation signs its profiles, and this one has no .sig file",
    };
  const compact = signatureText.replace(/\s+/g, "");
  const signature = BASE64.test(compact) ? Buffer.from(compact, "base64") : undefined;
  if (signature?.length !== ED25519_SIGNATURE_BYTES)
    return { ok: false, message: "the signature file does not hold a base64 Ed25519 signature" };
  if (keys.length === 0)
    return {
      ok: false,
      message: "the signature cannot be checked: none of the organisation's key files is usable",
    };
  const signer = keys.find((k) => verify(null, bytes, k.key, signature));
  if (signer === undefined)
    return {
      ok: false,
      message:
        "the signature does not match: the file was changed after it was signed, or signed with another key",
    };
  return { ok: true, signedBy: signer.name };
}
