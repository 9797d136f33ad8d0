/**
 * The relay check of `ferry diagnose`: a real wrap connection up to the relay's welcome (TLS verified, token
 * accepted, the server's TCP 1723 reached from the relay), then closed before any PPTP is spoken. When the welcome
 * names an address the relay answers GRE probes on, a GRE probe goes there too: whether this network passes GRE.
 */
import { parseIpv4 } from "@ferry/pptp-client/wire";
import type { TlsTrust } from "../client/tls-trust.js";
import { openWrapCarrier } from "../client/wrap-carrier.js";
import type { RelayProbe } from "./observations.js";
import { probeRelayGre, type RelayGreProbeOptions } from "./relay-gre-probe.js";

export interface RelayProbeOptions {
  /** The PPTP server the relay is asked to reach. */
  readonly server: string;
  /** "" checks the relay only up to its refusal (RELAY_AUTH_FAILED). */
  readonly token: string;
  readonly trust: TlsTrust;
  /** How the GRE probe to the relay is sent and waited for (a raw socket, 1.5 s by default). */
  readonly greProbe?: RelayGreProbeOptions;
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
    const { observedAddress, relayAddress } = opened.value.welcome;
    opened.value.close();
    // GRE probes go over IPv4 only; "" means the relay answers none.
    if (parseIpv4(relayAddress) === undefined) return { ok: true, observedAddress };
    return {
      ok: true,
      observedAddress,
      relayAddress,
      gre: await probeRelayGre(relayAddress, options.greProbe),
    };
  };
}
