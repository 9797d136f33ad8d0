/**
 * The relay check of `ferry diagnose`: a real wrap connection up to the relay's welcome (TLS verified, token
 * accepted, the server's TCP 1723 reached from the relay), then closed before any PPTP is spoken.
 */
import type { TlsTrust } from "../client/tls-trust.js";
import { openWrapCarrier } from "../client/wrap-carrier.js";
import type { RelayProbe } from "./observations.js";

export interface RelayProbeOptions {
  /** The PPTP server the relay is asked to reach. */
  readonly server: string;
  /** "" checks the relay only up to its refusal (RELAY_AUTH_FAILED). */
  readonly token: string;
  readonly trust: TlsTrust;
}

export function probeRelay(options: RelayProbeOptions): RelayProbe {
  return async (url) => {
    const opened = await openWrapCarrier({
      relayUrl: url,
      server: options.server,
      token: options.token,
      trust: options.trust,
    });
    if (!opened.ok) return { ok: false, error: opened.error };
    const { observedAddress } = opened.value.welcome;
    opened.value.close();
    return { ok: true, observedAddress };
  };
}
