/**
 * What the main process does for each call of the renderer's bridge, without Electron: Electron's ipcMain and the
 * test harness's HTTP server both route calls here. Secrets come from the keychain (or, once, from the password
 * prompt), go to the service in `connect`, and go nowhere else: no result, error or event carries them.
 */

import {
  KEYCHAIN_SERVICE,
  type Keychain,
  keychainAccount,
  readConnectSecrets,
} from "@ferry/service/keychain";
import type { BridgeResult, ConnectOutcome } from "../shared/bridge.js";
import type { ApiError, Finding, Health, ProfileSummary, ServiceClient } from "../shared/service-api.js";

/** The bridge minus onEvent, which each transport (IPC, the test server) wires to its own push channel. */
export interface BridgeHandler {
  listProfiles(): Promise<BridgeResult<readonly ProfileSummary[]>>;
  status(): Promise<BridgeResult<Health>>;
  connect(profileId: unknown, password?: unknown): Promise<BridgeResult<ConnectOutcome>>;
  disconnect(): Promise<BridgeResult<Health>>;
  diagnose(profileId: unknown): Promise<BridgeResult<readonly Finding[]>>;
  /**
   * Every health the service pushes: when the server rejects the login, the stored password is deleted so the next
   * connect asks again instead of failing forever.
   */
  observe(health: Health): Promise<void>;
}

export interface BridgeHandlerDeps {
  readonly client: ServiceClient;
  readonly keychain: Keychain;
  /** Told before a disconnect the user asked for, so that it is not announced as a lost connection. */
  readonly onUserDisconnect?: () => void;
}

/** The code @ferry/pptp-client gives a login the server rejected. */
const AUTH_FAILED = "AUTH_FAILED";

/** Passwords longer than this are not passwords (MS-CHAPv2 takes at most 256 characters). */
const MAX_PASSWORD_LENGTH = 256;

export function createBridgeHandler(deps: BridgeHandlerDeps): BridgeHandler {
  const { client, keychain } = deps;
  /** The keychain entry the running connect used, until the login is known to be good or bad. */
  let pendingPassword: { readonly profileId: string; readonly account: string } | undefined;
  return {
    listProfiles: () => settle(() => client.listProfiles()),
    status: () => settle(() => client.status()),
    disconnect: () =>
      settle(() => {
        deps.onUserDisconnect?.();
        return client.disconnect();
      }),
    diagnose: (profileId) =>
      settle(async () => client.diagnose(await knownProfile(client, profileId).then((p) => p.id))),
    connect: (profileId, password) =>
      settle(async (): Promise<ConnectOutcome> => {
        const profile = await knownProfile(client, profileId);
        const typed = checkedPassword(password);
        const account = keychainAccount(profile.id, profile.userName, "password");
        if (typed === undefined && (await keychain.get(KEYCHAIN_SERVICE, account)) === undefined) {
          return { needsPassword: true };
        }
        const source = typed === undefined ? keychain : withPassword(keychain, account, typed);
        const health = await client.connect(profile.id, await readConnectSecrets(source, profile));
        // Stored only once the service took it: a typo the service refused outright is not remembered.
        if (typed !== undefined) await keychain.set(KEYCHAIN_SERVICE, account, typed);
        pendingPassword = { profileId: profile.id, account };
        return { needsPassword: false, health };
      }),
    observe: async (health) => {
      if (pendingPassword === undefined || health.profileId !== pendingPassword.profileId) return;
      if (health.state === "connected-direct" || health.state === "connected-relay")
        pendingPassword = undefined;
      else if (health.state === "error" && health.error?.code === AUTH_FAILED) {
        const { account } = pendingPassword;
        pendingPassword = undefined;
        await keychain.delete(KEYCHAIN_SERVICE, account);
      }
    },
  };
}

/** A call from the renderer names a profile the service lists, or it is refused before reaching the service. */
async function knownProfile(client: ServiceClient, profileId: unknown): Promise<ProfileSummary> {
  const profiles = await client.listProfiles();
  const profile = typeof profileId === "string" ? profiles.find((p) => p.id === profileId) : undefined;
  if (profile === undefined) {
    throw bridgeError(
      "UNKNOWN_PROFILE",
      "There is no such profile.",
      "Pick one of the profiles in the list.",
    );
  }
  return profile;
}

/** The keychain as it will be once the typed password is stored, so the relay token still comes from the keychain. */
function withPassword(keychain: Keychain, account: string, password: string): Keychain {
  return {
    get: (service, wanted) =>
      service === KEYCHAIN_SERVICE && wanted === account
        ? Promise.resolve(password)
        : keychain.get(service, wanted),
    set: (service, wanted, secret) => keychain.set(service, wanted, secret),
    delete: (service, wanted) => keychain.delete(service, wanted),
  };
}

function checkedPassword(password: unknown): string | undefined {
  if (password === undefined) return undefined;
  if (typeof password !== "string" || password.length === 0 || password.length > MAX_PASSWORD_LENGTH) {
    throw bridgeError(
      "BAD_PASSWORD_INPUT",
      "The password must be between 1 and 256 characters.",
      "Type the password again.",
    );
  }
  return password;
}

class BridgeError extends Error {
  constructor(readonly apiError: ApiError) {
    super(apiError.message);
  }
}

function bridgeError(code: string, message: string, hint: string): BridgeError {
  return new BridgeError({ code, message, hint });
}

/**
 * Any failure becomes an error value. The service's own errors (FerryError-like: code, message, hint) pass through;
 * anything else is reported by kind only, since an unknown error's text could quote what it was given.
 */
async function settle<T>(run: () => Promise<T>): Promise<BridgeResult<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    return { ok: false, error: asApiError(error) };
  }
}

function asApiError(error: unknown): ApiError {
  if (error instanceof BridgeError) return error.apiError;
  if (isApiError(error)) return { code: error.code, message: error.message, hint: error.hint };
  return {
    code: "SERVICE_UNAVAILABLE",
    message: "Ferry's service did not answer.",
    hint: "Check that ferryd is running (systemctl status ferryd) and that you are in the ferry group.",
  };
}

function isApiError(value: unknown): value is ApiError {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.code === "string" && typeof record.message === "string" && typeof record.hint === "string"
  );
}
