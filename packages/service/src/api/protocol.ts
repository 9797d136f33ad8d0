/**
 * ferryd's local API, version 1: JSON objects, one per line, over a Unix socket that only root, the members of the
 * configured group, or the socket's owning user can open. A client sends requests with an id; the service answers
 * each with a response carrying the same id, and after `subscribe` also pushes events (no id).
 *
 * Secrets: the service never stores a password or relay token. The GUI or CLI reads them from the user's keychain
 * and hands them over in `connect`, for that connect only; they never appear in a response, an event or a log.
 */
import type { FallbackReason, Finding } from "@ferry/wrap";

export const API_VERSION = 1;

/** What the tray shows: one of these, from live figures. */
export type TunnelState =
  | "disconnected"
  | "connecting"
  | "connected-direct"
  | "connected-relay"
  /** Up, but loss or RTT over thresholds, nothing received for a keepalive window, or reconnecting. */
  | "degraded"
  | "error";

export interface ApiError {
  readonly code: string;
  readonly message: string;
  readonly hint: string;
}

export interface Health {
  readonly state: TunnelState;
  /** The profile the tunnel runs (or last ran). */
  readonly profileId?: string;
  readonly transport?: "direct" | "wrap";
  readonly fallbackReason?: FallbackReason;
  /** Why the state is degraded, in words ("no traffic for 20 s", "12 % loss"). */
  readonly degradedBecause?: string;
  readonly rttMs?: number;
  /** Packets lost per hundred, over the last measuring window. */
  readonly lossPercent?: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** Bits per second over the last measuring window. */
  readonly rateInBps: number;
  readonly rateOutBps: number;
  /** Since the tunnel last became connected. */
  readonly uptimeMs?: number;
  readonly localAddress?: string;
  readonly interface?: string;
  readonly error?: ApiError;
}

export interface ProfileProblem {
  /** JSON path of the field, e.g. "/routes/1"; "" for the whole file. */
  readonly path: string;
  readonly message: string;
}

export interface ProfileSummary {
  readonly id: string;
  readonly name: string;
  readonly server: string;
  readonly userName: string;
  readonly transport: "auto" | "direct" | "wrap";
  /** Pushed by IT into the system folder: read-only, its locked fields cannot be changed. */
  readonly managed: boolean;
  readonly locked: readonly string[];
  /** Needs a relay token (its transport may use the relay). */
  readonly usesRelay: boolean;
  readonly problems: readonly ProfileProblem[];
}

export interface ConnectSecrets {
  readonly password: string;
  readonly relayToken?: string;
}

export type Request =
  | { readonly id: number; readonly method: "hello"; readonly version: number }
  | { readonly id: number; readonly method: "status" }
  | { readonly id: number; readonly method: "list-profiles" }
  | {
      readonly id: number;
      readonly method: "connect";
      readonly profileId: string;
      readonly secrets: ConnectSecrets;
    }
  | { readonly id: number; readonly method: "disconnect" }
  | { readonly id: number; readonly method: "diagnose"; readonly profileId: string }
  | { readonly id: number; readonly method: "subscribe" };

export type Method = Request["method"];

/** What each method answers with. */
export interface Results {
  readonly hello: { readonly version: number; readonly service: string };
  readonly status: Health;
  readonly "list-profiles": readonly ProfileSummary[];
  readonly connect: Health;
  readonly disconnect: Health;
  readonly diagnose: readonly Finding[];
  readonly subscribe: Health;
}

/**
 * The answer to the request with the same id. `id` -1 answers a line whose own id could not be read (not JSON, too
 * long) or refuses the connection as a whole (too many clients); the service closes the connection after it.
 */
export type Response =
  | { readonly id: number; readonly ok: true; readonly result: Results[Method] }
  | { readonly id: number; readonly ok: false; readonly error: ApiError };

/**
 * Pushed to subscribers. Right after the `subscribe` response the service replays its recent log lines (up to 500)
 * as `log` events, so a log view opened later starts with the history. `log` lines are what the service logs about the tunnel, never a secret. */
export type ServiceEvent =
  | { readonly event: "health"; readonly health: Health }
  | { readonly event: "log"; readonly at: number; readonly line: string }
  | { readonly event: "profiles-changed" };

/** The API as a client sees it: the GUI's main process and the CLI use this, tests fake it. */
export interface ServiceClient {
  status(): Promise<Health>;
  listProfiles(): Promise<readonly ProfileSummary[]>;
  connect(profileId: string, secrets: ConnectSecrets): Promise<Health>;
  disconnect(): Promise<Health>;
  diagnose(profileId: string): Promise<readonly Finding[]>;
  /** Events until the returned function is called or the connection ends. */
  subscribe(onEvent: (event: ServiceEvent) => void): Promise<() => void>;
  close(): void;
}

/** Where ferryd listens unless configured otherwise. */
export const DEFAULT_SOCKET_PATH = "/run/ferry/ferryd.sock";
