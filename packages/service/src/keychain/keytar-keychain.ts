/** The Keychain on keytar: the Secret Service on Linux, Keychain Services on macOS, the Credential Vault on Windows. */
import keytar from "keytar";
import { type Keychain, keychainError } from "./keychain.js";

export function keytarKeychain(): Keychain {
  // keytar's own errors name the platform's failure ("Cannot autolaunch D-Bus ..."), never the secret.
  const unavailable = (account: string, error: unknown) =>
    keychainError(
      "KEYCHAIN_UNAVAILABLE",
      `The keychain could not be used for ${account}: ${(error as Error).message}`,
      "On Linux, a Secret Service (GNOME Keyring or KWallet) must run and be unlocked in your session.",
    );
  return {
    async get(service, account) {
      try {
        return (await keytar.getPassword(service, account)) ?? undefined;
      } catch (error) {
        throw unavailable(account, error);
      }
    },
    async set(service, account, secret) {
      try {
        await keytar.setPassword(service, account, secret);
      } catch (error) {
        throw unavailable(account, error);
      }
    },
    async delete(service, account) {
      try {
        return await keytar.deletePassword(service, account);
      } catch (error) {
        throw unavailable(account, error);
      }
    },
  };
}
