/**
 * The pure planner: from what the tunnel negotiated and how the host reaches the server today, the ordered
 * changes that route traffic (and DNS) through the tunnel, each with its exact undo.
 */
import { cidrContains, formatIpv4, parseCidr, parseIpv4 } from "../util/ipv4.js";
import type { NetChange } from "./net-change.js";
import { type ResolvConfState, renderResolvConf } from "./resolv-conf.js";

/** How the server is reached before the tunnel exists (from `ip route get SERVER`). */
export interface ServerRoute {
  readonly gateway?: string;
  readonly dev: string;
}

export type Resolver = "resolved" | "resolv.conf";

export interface TunnelConfigInput {
  readonly ifname: string;
  readonly localAddress: string;
  readonly peerAddress: string;
  readonly mtu: number;
  /** Where the tunnel's own packets go (the PPTP server; the relay or web proxy when wrapped): keeps the original path. */
  readonly server: string;
  readonly serverRoute: ServerRoute;
  /** "default": everything through the tunnel; otherwise only these CIDRs ("10.1.0.0/16"). */
  readonly routes: "default" | readonly string[];
  readonly dns: readonly string[] | undefined;
  readonly resolver: Resolver;
  /** The current resolver file; required when resolver is "resolv.conf" and there are name servers. */
  readonly resolvConf?: ResolvConfState;
  /** The interface's MTU before we set ours, restored on undo (a new TUN device has 1500). */
  readonly originalMtu?: number;
}

const TUN_DEFAULT_MTU = 1500;

/**
 * Orders the changes so that nothing ever routes the tunnel's own packets into the tunnel: the server's host
 * route is in place before any tunnel route. The default route is replaced by two /1 routes, which win by
 * prefix length and leave the original default untouched (so undo never has to recreate it).
 *
 * Throws a RangeError on malformed input (these values come from our own code and IPCP, already formatted).
 */
export function planTunnelConfig(input: TunnelConfigInput): NetChange[] {
  checkInput(input);
  const { ifname } = input;
  const ip = (...args: string[]) => ({ kind: "run", argv: ["ip", ...args] }) as const;
  const changes: NetChange[] = [];

  const peer = `${input.peerAddress}/32`;
  changes.push({
    summary: `address ${input.localAddress} peer ${input.peerAddress} on ${ifname}`,
    apply: ip("addr", "add", input.localAddress, "peer", peer, "dev", ifname),
    undo: ip("addr", "del", input.localAddress, "peer", peer, "dev", ifname),
  });
  changes.push({
    summary: `MTU ${input.mtu} on ${ifname}`,
    apply: ip("link", "set", "dev", ifname, "mtu", String(input.mtu)),
    undo: ip("link", "set", "dev", ifname, "mtu", String(input.originalMtu ?? TUN_DEFAULT_MTU)),
  });
  changes.push({
    summary: `${ifname} up`,
    apply: ip("link", "set", "dev", ifname, "up"),
    undo: ip("link", "set", "dev", ifname, "down"),
  });

  const serverRoute = serverRouteChange(input.server, input.serverRoute);
  if (serverRoute !== undefined) changes.push(serverRoute);

  const dns = input.dns ?? [];
  for (const cidr of tunnelCidrs(input, dns)) {
    changes.push({
      summary: `route ${cidr} through ${ifname}`,
      apply: ip("route", "add", cidr, "dev", ifname),
      undo: ip("route", "del", cidr, "dev", ifname),
    });
  }

  if (dns.length > 0) changes.push(...dnsChanges(input, dns));
  return changes;
}

/**
 * The host route that keeps the server reached the way it was before the tunnel (the route watch re-adds exactly
 * this one when the kernel drops it with its link). None for a server reached through loopback: that is this host
 * itself, and no route can swallow it.
 */
export function serverRouteChange(server: string, serverRoute: ServerRoute): NetChange | undefined {
  if (serverRoute.dev === "lo") return undefined;
  const via = serverRoute.gateway === undefined ? [] : ["via", serverRoute.gateway];
  const target = [`${server}/32`, ...via, "dev", serverRoute.dev];
  return {
    summary: `route to the server ${server} through ${serverRoute.gateway ?? serverRoute.dev}`,
    apply: { kind: "run", argv: ["ip", "route", "add", ...target] },
    undo: { kind: "run", argv: ["ip", "route", "del", ...target] },
  };
}

/**
 * The routes through the tunnel. In split mode, name servers outside every route get a host route too,
 * except the peer (the kernel already routes it) and the server (reached outside the tunnel on purpose).
 */
function tunnelCidrs(input: TunnelConfigInput, dns: readonly string[]): string[] {
  const { routes } = input;
  if (routes === "default") return ["0.0.0.0/1", "128.0.0.0/1"];
  const uncovered = dns.filter(
    (server, index) =>
      dns.indexOf(server) === index &&
      server !== input.peerAddress &&
      server !== input.server &&
      !routes.some((cidr) => cidrContains(parseCidr(cidr)!, parseIpv4(server)!)),
  );
  return [...new Set(routes.map(normalizeCidr))].concat(uncovered.map((server) => `${server}/32`));
}

function dnsChanges(input: TunnelConfigInput, dns: readonly string[]): NetChange[] {
  const { ifname } = input;
  if (input.resolver === "resolved") {
    const resolvectl = (...args: string[]) => ({ kind: "run", argv: ["resolvectl", ...args] }) as const;
    const changes: NetChange[] = [
      {
        summary: `DNS ${dns.join(", ")} on ${ifname} (systemd-resolved)`,
        apply: resolvectl("dns", ifname, ...dns),
        undo: resolvectl("revert", ifname),
      },
    ];
    // "~." makes this link the one for every name, as a full tunnel should be.
    if (input.routes === "default") {
      changes.push({
        summary: `all DNS names through ${ifname} (systemd-resolved)`,
        apply: resolvectl("domain", ifname, "~."),
        undo: resolvectl("revert", ifname),
      });
    }
    return changes;
  }
  const state = input.resolvConf;
  if (state === undefined) throw new RangeError("resolvConf is required to plan DNS through resolv.conf");
  return [
    {
      summary: `DNS ${dns.join(", ")} in ${state.path}`,
      apply: { kind: "write-file", path: state.path, content: renderResolvConf(ifname, dns, state.original) },
      undo:
        state.original === null
          ? { kind: "remove-file", path: state.path }
          : { kind: "write-file", path: state.path, content: state.original },
    },
  ];
}

/** "10.1.2.3/16" -> "10.1.0.0/16": `ip route` refuses host bits, so clear them here. */
function normalizeCidr(text: string): string {
  const cidr = parseCidr(text)!;
  return `${formatIpv4(cidr.network)}/${cidr.prefix}`;
}

function checkInput(input: TunnelConfigInput): void {
  const fail = (what: string, value: unknown) => {
    throw new RangeError(`planTunnelConfig: ${what} is not valid: ${JSON.stringify(value)}`);
  };
  const isIfname = (name: string) => /^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,14}$/.test(name);
  const isMtu = (mtu: number) => Number.isInteger(mtu) && mtu >= 68 && mtu <= 65535;
  if (!isIfname(input.ifname)) fail("ifname", input.ifname);
  if (!isIfname(input.serverRoute.dev)) fail("serverRoute.dev", input.serverRoute.dev);
  if (!isMtu(input.mtu)) fail("mtu", input.mtu);
  if (input.originalMtu !== undefined && !isMtu(input.originalMtu)) fail("originalMtu", input.originalMtu);
  const addresses: [string, string | undefined][] = [
    ["localAddress", input.localAddress],
    ["peerAddress", input.peerAddress],
    ["server", input.server],
    ["serverRoute.gateway", input.serverRoute.gateway],
    ...(input.dns ?? []).map((server): [string, string] => ["dns", server]),
  ];
  for (const [what, value] of addresses) {
    if (value !== undefined && parseIpv4(value) === undefined) fail(what, value);
  }
  if (input.routes !== "default") {
    for (const cidr of input.routes) if (parseCidr(cidr) === undefined) fail("route", cidr);
  }
}
