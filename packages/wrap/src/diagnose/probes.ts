/**
 * The I/O behind `ferry diagnose`, one small function per probe so the runner can be tested with fakes.
 * `systemProbes` wires the real ones: DNS, the PPTP probe, iproute2 + NAT-PMP, ping, and the relay probe the wrap
 * client supplies.
 */
import { resolveServer } from "@ferry/pptp-client/tunnel";
import { queryExternalAddress } from "../detect/nat-pmp-client.js";
import { readNetworkFacts } from "../detect/network-facts.js";
import type { NetworkObservation, PathMtuObservation, RelayProbe } from "./observations.js";
import { measurePathMtu } from "./path-mtu-probe.js";
import { type PptpProbeOptions, type PptpStage, probePptp } from "./pptp-probe.js";

export interface DiagnoseProbes {
  /** The server's IPv4 address, or a sentence saying why it has none. */
  resolve(server: string): Promise<{ readonly address: string } | { readonly error: string }>;
  /** Reports each stage through `onStage` as it ends. */
  pptp(address: string, onStage: (stage: PptpStage) => void): Promise<void>;
  network(): Promise<NetworkObservation>;
  pathMtu(address: string): Promise<PathMtuObservation>;
  relay: RelayProbe;
}

export function systemProbes(relay: RelayProbe, pptpOptions: PptpProbeOptions = {}): DiagnoseProbes {
  return {
    async resolve(server) {
      const resolved = await resolveServer(server);
      return resolved.ok ? { address: resolved.value } : { error: resolved.error.message };
    },
    pptp: (address, onStage) => probePptp(address, onStage, pptpOptions),
    network: probeNetwork,
    pathMtu: (address) => measurePathMtu(address),
    relay,
  };
}

/** This computer's addresses and gateway, and the gateway's external address if it answers NAT-PMP. */
export async function probeNetwork(): Promise<NetworkObservation> {
  const facts = await readNetworkFacts();
  const routerExternalAddress =
    facts.gateway === undefined ? undefined : await queryExternalAddress(facts.gateway);
  return {
    localAddresses: facts.localAddresses,
    ...(facts.gateway === undefined ? {} : { gateway: facts.gateway }),
    ...(routerExternalAddress === undefined ? {} : { routerExternalAddress }),
  };
}
