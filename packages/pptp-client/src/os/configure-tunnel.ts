/** Discovery, planning and applying in one call: what a session does once IPCP has given it addresses. */
import { type IoResult, opened } from "../io/io-result.js";
import type { CommandRunner } from "./command-runner.js";
import { detectResolver, discoverServerRoute, readResolvConf } from "./discover.js";
import { type AppliedNetConfig, applyNetChanges, type NetConfigOptions } from "./net-config-executor.js";
import { planTunnelConfig, type ServerRoute, type TunnelConfigInput } from "./plan-tunnel-config.js";
import { RESOLV_CONF_PATH } from "./resolv-conf.js";

/** What the session knows; the rest (server route, resolver, resolv.conf) is discovered here. */
export type TunnelNetworkParams = Pick<
  TunnelConfigInput,
  "ifname" | "localAddress" | "peerAddress" | "mtu" | "server" | "routes" | "dns" | "originalMtu"
>;

export interface ConfiguredTunnel {
  readonly applied: AppliedNetConfig;
  /** How the server was reached before the tunnel: the host route the plan pinned, for the route watch. */
  readonly serverRoute: ServerRoute;
}

export interface ConfigureTunnelOptions extends NetConfigOptions {
  readonly resolvConfPath?: string;
  readonly run?: CommandRunner;
}

/**
 * Must run before the tunnel carries traffic and while the server is still reached the usual way, since
 * the server's current route is what the plan pins. Call restoreLeftovers once at start-up before this.
 */
export async function configureTunnel(
  params: TunnelNetworkParams,
  options: ConfigureTunnelOptions = {},
): Promise<IoResult<ConfiguredTunnel>> {
  const serverRoute = await discoverServerRoute(params.server, options.run);
  if (!serverRoute.ok) return serverRoute;
  const resolver = await detectResolver();
  let resolvConf: TunnelConfigInput["resolvConf"];
  if (resolver === "resolv.conf" && (params.dns?.length ?? 0) > 0) {
    const state = await readResolvConf(options.resolvConfPath ?? RESOLV_CONF_PATH);
    if (!state.ok) return state;
    resolvConf = state.value;
  }
  const plan = planTunnelConfig({ ...params, serverRoute: serverRoute.value, resolver, resolvConf });
  const applied = await applyNetChanges(params.ifname, plan, options);
  if (!applied.ok) return applied;
  return opened({ applied: applied.value, serverRoute: serverRoute.value });
}
