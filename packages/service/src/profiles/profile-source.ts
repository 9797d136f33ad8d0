/**
 * The profiles ferryd knows, as the service needs them. @ferry/profiles (ProfileStore) is the real source; this
 * interface is the seam it plugs into, so the service and its tests do not depend on how profiles are stored.
 */
import type { TlsTrust, TransportMode } from "@ferry/wrap";
import type { ProfileSummary } from "../api/protocol.js";

/** Everything a connect needs from a profile (secrets come separately, from the client's keychain). */
export interface ConnectProfile {
  readonly id: string;
  readonly server: string;
  readonly userName: string;
  readonly transport: TransportMode;
  readonly relay?: { readonly url: string; readonly trust: TlsTrust };
  readonly mppe: {
    /** 128: only 128-bit; any: 128, 56 or 40-bit; optional: also unencrypted. */
    readonly strength: "128" | "any" | "optional";
    /** Stateful MPPE only, for servers whose stateless mode is broken. */
    readonly stateful: boolean;
  };
  readonly mtu: number;
  /** "default": everything through the tunnel; a list: only these IPv4 CIDRs. */
  readonly routes: "default" | readonly string[];
  /** Use the server's DNS servers. */
  readonly dns: boolean;
  /** How long `auto` waits for GRE after the call is set up; omitted: the connect policy's default. */
  readonly greTimeoutMs?: number;
  /** LCP echo keepalive: its interval, and how many may go unanswered before the peer is dead. */
  readonly keepalive?: { readonly lcpEchoIntervalMs: number; readonly failures: number };
}

export interface ProfileSource {
  /** Every profile, including those with problems (the GUI shows them). */
  listProfiles(): readonly ProfileSummary[];
  /** The profile to connect with; undefined when there is none with this id, or it has problems. */
  profile(id: string): ConnectProfile | undefined;
  /** Calls `listener` whenever the set of profiles changes (a folder reload); returns how to stop. */
  onChange(listener: () => void): () => void;
}

/** A fixed set of profiles: tests, and a service started without profile folders. */
export function staticProfileSource(
  profiles: readonly { readonly summary: ProfileSummary; readonly profile: ConnectProfile }[],
): ProfileSource {
  return {
    listProfiles: () => profiles.map((p) => p.summary),
    profile: (id) => {
      const found = profiles.find((p) => p.summary.id === id);
      return found === undefined || found.summary.problems.length > 0 ? undefined : found.profile;
    },
    onChange: () => () => {},
  };
}
