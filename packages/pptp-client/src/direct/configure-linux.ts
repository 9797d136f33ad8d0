import { opened } from "../io/io-result.js";
import { configureTunnel } from "../os/configure-tunnel.js";
import type { ConfigureNetwork } from "../tunnel/tunnel.js";

export interface NetworkChoice {
  /** "default": all traffic through the tunnel; otherwise only these CIDRs. */
  readonly routes: "default" | readonly string[];
  /** Use the server's DNS servers. */
  readonly dns: boolean;
}

/** Addresses, routes and DNS on Linux (iproute2, systemd-resolved or /etc/resolv.conf), recorded for crash recovery. */
export function configureLinuxNetwork(choice: NetworkChoice): ConfigureNetwork {
  return async (tunnel) => {
    const applied = await configureTunnel({
      ifname: tunnel.ifname,
      localAddress: tunnel.localAddress,
      peerAddress: tunnel.peerAddress,
      mtu: tunnel.mtu,
      server: tunnel.outerAddress,
      routes: choice.routes,
      dns: choice.dns ? tunnel.dns : undefined,
    });
    if (!applied.ok) return applied;
    return opened(async () => {
      await applied.value.undo();
    });
  };
}
