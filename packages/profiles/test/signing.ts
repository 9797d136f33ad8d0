/** Test helpers: an organisation key pair and detached signatures, as IT would make them. */
import { generateKeyPairSync, type KeyObject, sign } from "node:crypto";

export interface TestOrganisation {
  readonly publicPem: string;
  readonly privateKey: KeyObject;
  readonly privatePem: string;
  readonly sign: (bytes: Uint8Array | string) => string;
}

export function testOrganisation(): TestOrganisation {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  return {
    publicPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    privateKey,
    privatePem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    sign: (bytes) => sign(null, Buffer.from(bytes), privateKey).toString("base64"),
  };
}
