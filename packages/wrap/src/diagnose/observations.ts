/**
 * What the probes of `ferry diagnose` saw, raw: no judgement here (the checklist's checks turn these into findings).
 * A field is undefined until its probe has reported; a probe that could not run leaves it undefined for good.
 */
import type { WrapError } from "../errors.js";

export type TcpObservation =
  | { readonly outcome: "connected"; readonly elapsedMs: number; readonly localAddress?: string }
  | {
      /** unresolved: the name did not resolve; no-route: EHOSTUNREACH/ENETUNREACH; error: anything else. */
      readonly outcome: "unresolved" | "refused" | "timeout" | "no-route" | "error";
      readonly elapsedMs: number;
      /** The errno name or a sentence, for the detail. */
      readonly error: string;
    };

/** How waiting for a control reply can end without one. */
export type ReplyFailure =
  | { readonly outcome: "no-reply"; readonly waitedMs: number }
  /** The server closed or reset the TCP connection instead of answering. */
  | { readonly outcome: "closed"; readonly error?: string }
  /** The bytes were not PPTP (the control stream lost sync). */
  | { readonly outcome: "garbled"; readonly reason: string };

export type ControlObservation =
  | {
      readonly outcome: "answered";
      /** Start-Control-Connection-Reply Result Code; 1 is success. */
      readonly resultCode: number;
      readonly errorCode: number;
      readonly hostName: string;
      readonly vendorName: string;
    }
  | ReplyFailure;

export type CallObservation =
  | {
      readonly outcome: "answered";
      /** Outgoing-Call-Reply Result Code; 1 is connected. */
      readonly resultCode: number;
      readonly errorCode: number;
      readonly causeCode: number;
      /** Our Call ID, which the server's GRE carries in its key. */
      readonly callId: number;
      /** The server's Call ID, which our GRE carries. */
      readonly serverCallId: number;
    }
  | ReplyFailure;

export type GreObservation =
  | {
      /** The raw GRE socket could not be opened; `needsRoot` when the process lacks the privilege. */
      readonly outcome: "unavailable";
      readonly needsRoot: boolean;
      readonly error: string;
    }
  | {
      readonly outcome: "listened";
      readonly waitedMs: number;
      /** GRE packets from the server carrying our Call ID. */
      readonly received: number;
      /** GRE packets we sent (one LCP Configure-Request). */
      readonly sent: number;
      /** Errors the kernel reported on the socket: ICMP errors for our GRE, or a refused send. */
      readonly socketErrors: number;
      /** The errno name of the last one (ENOPROTOOPT: protocol unreachable; EHOSTUNREACH: filtered; ...). */
      readonly lastError?: string;
    };

export interface NetworkObservation {
  /** This computer's IPv4 addresses (not loopback). */
  readonly localAddresses: readonly string[];
  readonly gateway?: string;
  /** The router's external address over NAT-PMP; undefined when it did not answer. */
  readonly routerExternalAddress?: string;
}

export type PathMtuObservation =
  | {
      readonly outcome: "measured";
      /** The largest IPv4 packet (headers included) that reached the server with don't-fragment set. */
      readonly pathMtu: number;
      /** The MTU a router or the local stack named in an ICMP "fragmentation needed", if any did. */
      readonly reportedMtu?: number;
      readonly probes: number;
    }
  /** Not even the smallest probe was answered: the server or a firewall drops ping. */
  | { readonly outcome: "no-answer" }
  /** ping could not run at all (missing binary, ...). */
  | { readonly outcome: "failed"; readonly error: string };

/** A GRE probe to the address a relay answers them on (PROTOCOL.md section 6.5). */
export type RelayGreObservation =
  | {
      /** A probe-reply came back: GRE gets from this network to the relay and back. */
      readonly outcome: "answered";
      readonly roundTripMs: number;
      /** Probes sent before the reply came. */
      readonly sent: number;
    }
  | { readonly outcome: "no-answer"; readonly waitedMs: number; readonly sent: number }
  /** The raw GRE socket could not be opened; `needsRoot` when the process lacks the privilege. */
  | { readonly outcome: "unavailable"; readonly needsRoot: boolean; readonly error: string };

export interface RelayProbeResult {
  /** Reachable, TLS verified, and the relay welcomed us. */
  readonly ok: boolean;
  /** The address the relay sees this computer connect from (its welcome message). */
  readonly observedAddress?: string;
  /** The address the relay answers GRE probes on (its welcome); absent when it answers none. */
  readonly relayAddress?: string;
  /** The GRE probe to relayAddress, when there is one. */
  readonly gre?: RelayGreObservation;
  readonly error?: WrapError;
}

/** Supplied by the wrap client: connects to one relay URL and reports what it saw. Must not reject. */
export type RelayProbe = (url: string) => Promise<RelayProbeResult>;

export interface RelayObservation extends RelayProbeResult {
  readonly url: string;
}

export interface Observations {
  /** As the user gave it. */
  readonly server: string;
  /** Its IPv4 address, once resolved. */
  readonly address?: string;
  readonly tcp?: TcpObservation;
  readonly control?: ControlObservation;
  readonly call?: CallObservation;
  readonly gre?: GreObservation;
  readonly network?: NetworkObservation;
  readonly pathMtu?: PathMtuObservation;
  /** One per relay URL, in the order given; set once all have answered. */
  readonly relays?: readonly RelayObservation[];
}
