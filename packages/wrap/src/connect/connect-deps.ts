/**
 * What connecting needs from the outside world, as one injectable record: tests drive the connect logic with fake
 * tunnels and a fake network; the defaults are the real direct and wrapped tunnels.
 */
import { performance } from "node:perf_hooks";
import {
  type DirectTunnelOptions,
  type IoResult,
  openDirectTunnel,
  openTunnel,
  type Tunnel,
  type TunnelOptions,
} from "@ferry/pptp-client/tunnel";
import type { TlsTrust } from "../client/tls-trust.js";
import { openWrapCarrier } from "../client/wrap-carrier.js";
import { loadDecisions, rememberInFile } from "../detect/decision-file.js";
import type { Decisions } from "../detect/decision-store.js";
import { queryExternalAddress } from "../detect/nat-pmp-client.js";
import { type NetworkFacts, readNetworkFacts } from "../detect/network-facts.js";
import type { Transport } from "../detect/transport-policy.js";

export interface RelayConfig {
  /** wss://HOST[:PORT][/PATH] */
  readonly url: string;
  readonly token: string;
  readonly trust: TlsTrust;
}

/** Told once a wrapped session's relay has welcomed it. */
export type RelayConnected = (event: {
  readonly type: "relay-connected";
  readonly relay: string;
  readonly observedAddress: string;
  readonly sessionId: string;
}) => void;

export interface ConnectDeps {
  openDirect(options: DirectTunnelOptions): Promise<IoResult<Tunnel, string>>;
  openWrap(
    options: TunnelOptions,
    relay: RelayConfig,
    server: string,
    onRelay: RelayConnected,
  ): Promise<IoResult<Tunnel, string>>;
  networkFacts(): Promise<NetworkFacts>;
  /** The remembered decisions (never rejects: a damaged file is an empty memory). */
  loadDecisions(file: string): Promise<Decisions>;
  rememberDecision(file: string, networkKey: string, transport: Transport, now: number): Promise<void>;
  /** The home router's external address over NAT-PMP; undefined when it does not answer. */
  routerExternalAddress(gateway: string): Promise<string | undefined>;
  /** Milliseconds on a monotonic clock (timers). */
  monotonic(): number;
  /** Wall-clock milliseconds (remembered decisions outlive the process). */
  wallClock(): number;
}

export const defaultConnectDeps: ConnectDeps = {
  openDirect: openDirectTunnel,
  openWrap: (options, relay, server, onRelay) =>
    openTunnel(options, async () => {
      const carrier = await openWrapCarrier({
        relayUrl: relay.url,
        server,
        token: relay.token,
        trust: relay.trust,
      });
      if (carrier.ok) onRelay({ type: "relay-connected", relay: relay.url, ...carrier.value.welcome });
      return carrier;
    }),
  networkFacts: readNetworkFacts,
  loadDecisions,
  rememberDecision: rememberInFile,
  routerExternalAddress: (gateway) => queryExternalAddress(gateway),
  monotonic: () => performance.now(),
  wallClock: () => Date.now(),
};
