/**
 * What the preload exposes to the renderer as `window.ferry`, and nothing more: the renderer can list profiles, read
 * the status, connect, disconnect, diagnose and listen. Secrets only travel renderer -> main (a password typed into
 * the prompt); nothing that comes back ever carries one.
 */
import type { ApiError, Finding, Health, ProfileSummary, ServiceEvent } from "./service-api.js";

/** Errors are values across the bridge: Electron's IPC would flatten a thrown error into a string. */
export type BridgeResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: ApiError };

/** `needsPassword`: the keychain holds none for this profile; ask the user and call connect again with it. */
export type ConnectOutcome =
  | { readonly needsPassword: true }
  | { readonly needsPassword: false; readonly health: Health };

export interface FerryBridge {
  listProfiles(): Promise<BridgeResult<readonly ProfileSummary[]>>;
  status(): Promise<BridgeResult<Health>>;
  /** A password given here is stored in the keychain once the service accepts the connect. */
  connect(profileId: string, password?: string): Promise<BridgeResult<ConnectOutcome>>;
  disconnect(): Promise<BridgeResult<Health>>;
  diagnose(profileId: string): Promise<BridgeResult<readonly Finding[]>>;
  /** Service events (health, log lines, profile changes) until the returned function is called. */
  onEvent(callback: (event: ServiceEvent) => void): () => void;
}

/** The IPC channel names the preload and the main process share. */
export const BRIDGE_CHANNELS = {
  listProfiles: "ferry:list-profiles",
  status: "ferry:status",
  connect: "ferry:connect",
  disconnect: "ferry:disconnect",
  diagnose: "ferry:diagnose",
  event: "ferry:event",
} as const;
