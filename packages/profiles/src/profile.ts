/** A connection profile as Ferry uses it: the file's fields with the schema's defaults filled in. */

export type TransportMode = "auto" | "direct" | "wrap";
export type MppePolicy = "128" | "any" | "optional";

export interface RelaySettings {
  readonly url: string;
  /** Trust only this CA for the relay's certificate. */
  readonly caFile?: string;
  /** Accept only the relay certificate with this SHA-256 fingerprint. */
  readonly fingerprintSha256?: string;
}

export interface Profile {
  readonly id: string;
  readonly name: string;
  readonly server: string;
  /** Managed profiles usually leave it to each user (an override file, or asked on connect). */
  readonly userName?: string;
  readonly transport: {
    readonly mode: TransportMode;
    /** Omitted: the connect policy's default. */
    readonly greTimeoutSeconds?: number;
    readonly relay?: RelaySettings;
  };
  readonly mppe: { readonly policy: MppePolicy; readonly stateful: boolean };
  readonly mtu: number;
  /** "default": everything through the tunnel; a list: only these IPv4 CIDRs. */
  readonly routes: "default" | readonly string[];
  readonly dns: boolean;
  readonly keepalive: { readonly lcpEchoIntervalSeconds: number; readonly failures: number };
  /** JSON paths of the fields a user may not change in a managed profile. */
  readonly locked: readonly string[];
}

/** One thing wrong with a profile: where (a JSON path such as "/routes/1"; "" for the whole file) and what. */
export interface ProfileProblem {
  readonly path: string;
  readonly message: string;
}

export type ProfileCheck =
  | { readonly ok: true; readonly profile: Profile }
  | { readonly ok: false; readonly problems: readonly ProfileProblem[] };
