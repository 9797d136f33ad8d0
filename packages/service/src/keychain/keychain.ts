/**
 * Where passwords and relay tokens live: the OS keychain, behind this small interface so keytar (whose repository
 * is archived) can be replaced by a maintained library without touching its users. Keys: service "ferry",
 * account "<profileId>:<userName>:password" or ":relay-token".
 */
import { codedError, type FerryError } from "@ferry/pptp-client";
import type { ConnectSecrets } from "../api/protocol.js";

export interface Keychain {
  /** The stored secret, or undefined when there is none. */
  get(service: string, account: string): Promise<string | undefined>;
  set(service: string, account: string, secret: string): Promise<void>;
  /** True when something was deleted. */
  delete(service: string, account: string): Promise<boolean>;
}

export const KEYCHAIN_SERVICE = "ferry";

export type SecretKind = "password" | "relay-token";

export function keychainAccount(profileId: string, userName: string, kind: SecretKind): string {
  return `${profileId}:${userName}:${kind}`;
}

export type KeychainErrorCode =
  /** No keychain answers (no Secret Service on Linux, a locked keychain). */
  | "KEYCHAIN_UNAVAILABLE"
  /** No password stored for this profile and user. */
  | "PASSWORD_NOT_STORED";

/** How a keychain rejects; the message names the account, never a secret. */
export class KeychainError extends Error {
  readonly code: KeychainErrorCode;
  readonly hint: string;

  constructor(error: FerryError<KeychainErrorCode>) {
    super(error.message);
    this.name = "KeychainError";
    this.code = error.code;
    this.hint = error.hint;
  }
}

export function keychainError(code: KeychainErrorCode, message: string, hint: string): KeychainError {
  return new KeychainError(codedError(code, message, hint));
}

/** The secrets a connect of this profile needs, from the keychain; rejects when the password is not stored. */
export async function readConnectSecrets(
  keychain: Keychain,
  profile: { readonly id: string; readonly userName: string; readonly usesRelay: boolean },
): Promise<ConnectSecrets> {
  const password = await keychain.get(
    KEYCHAIN_SERVICE,
    keychainAccount(profile.id, profile.userName, "password"),
  );
  if (password === undefined)
    throw keychainError(
      "PASSWORD_NOT_STORED",
      `No password is stored for ${profile.userName} in profile "${profile.id}".`,
      "Enter the password once; Ferry keeps it in your keychain.",
    );
  if (!profile.usesRelay) return { password };
  const relayToken = await keychain.get(
    KEYCHAIN_SERVICE,
    keychainAccount(profile.id, profile.userName, "relay-token"),
  );
  return relayToken === undefined ? { password } : { password, relayToken };
}
