import { opened } from "../io/io-result.js";
import { type ConfigureTunnelOptions, configureTunnel } from "../os/configure-tunnel.js";
import { ServerRouteWatch } from "../os/server-route-watch.js";
import type { ConfigureNetwork } from "../tunnel/tunnel.js";

export interface NetworkChoice {
  /** "default": all traffic through the tunnel; otherwise only these CIDRs. */
  readonly routes: "default" | readonly string[];
  /** Use the server's DNS servers. */
  readonly dns: boolean;
}

/**
 * Addresses, routes and DNS on Linux (iproute2, systemd-resolved or /etc/resolv.conf), recorded for crash recovery,
 * and the route watch while the tunnel is up: a link that goes down takes the host route to the server with it, and
 * the watch puts it back once the link is.
 */
export function configureLinuxNetwork(
  choice: NetworkChoice,
  options: ConfigureTunnelOptions = {},
): ConfigureNetwork {
  return async (tunnel, hooks) => {
    const configured = await configureTunnel(
      {
        ifname: tunnel.ifname,
        localAddress: tunnel.localAddress,
        peerAddress: tunnel.peerAddress,
        mtu: tunnel.mtu,
        server: tunnel.outerAddress,
        routes: choice.routes,
        dns: choice.dns ? tunnel.dns : undefined,
      },
      options,
    );
    if (!configured.ok) return configured;
    const { applied, serverRoute } = configured.value;
    const watch = ServerRouteWatch.start({
      planned: { server: tunnel.outerAddress, ...serverRoute },
      changed: hooks.changed,
      probePeer: hooks.probePeer,
      run: options.run,
    });
    if (watch !== undefined) hooks.onPathSuspect(() => void watch.check());
    return opened(async () => {
      // Stopped first: a route put back after the undo would be left behind.
      await watch?.stop();
      await applied.undo();
    });
  };
}
