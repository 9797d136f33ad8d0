/**
 * Which network the computer is on, as a stable key for remembering the transport decision:
 * `gw=<default gateway>;net=<subnet of the interface the default route leaves by>`. The same hotel Wi-Fi gives
 * the same key on every visit (DHCP may hand out another host address, never another subnet), while two home
 * networks that both use 192.168.1.1 differ as soon as their subnets do.
 *
 * Input is the text of `ip -j route show default` and `ip -j addr show` (iproute2's JSON); the caller runs the
 * commands. Text that is not what iproute2 prints yields undefined or skips the odd entry, never throws.
 */
import { formatIpv4, parseIpv4, prefixMask } from "@ferry/pptp-client/wire";

export interface DefaultRoute {
  /** Undefined for a point-to-point default route (`default dev wwan0`), which has no next hop. */
  readonly gateway: string | undefined;
  readonly dev: string;
  readonly prefsrc: string | undefined;
  readonly metric: number;
}

interface InterfaceAddress {
  readonly local: number;
  readonly prefixlen: number;
}

/** The key of the network the default route uses, or undefined when there is no IPv4 default route. */
export function networkKey(routeJson: string, addrJson: string): string | undefined {
  const route = defaultRoute(routeJson);
  if (route === undefined) return undefined;
  const address = routeAddress(addrJson, route);
  const gw = route.gateway ?? `link:${route.dev}`;
  const net = address === undefined ? "none" : `${formatIpv4(networkOf(address))}/${address.prefixlen}`;
  return `gw=${gw};net=${net}`;
}

/** The default route the kernel uses: the unicast one with the lowest metric (iproute2 omits metric 0). */
export function defaultRoute(routeJson: string): DefaultRoute | undefined {
  let best: DefaultRoute | undefined;
  for (const entry of jsonArray(routeJson)) {
    const route = asDefaultRoute(entry);
    if (route !== undefined && (best === undefined || route.metric < best.metric)) best = route;
  }
  return best;
}

function asDefaultRoute(entry: unknown): DefaultRoute | undefined {
  if (!isRecord(entry) || entry["dst"] !== "default") return undefined;
  // blackhole/unreachable/prohibit defaults carry no traffic out of the computer.
  if (entry["type"] !== undefined && entry["type"] !== "unicast") return undefined;
  const { gateway, dev, prefsrc, metric } = entry;
  if (typeof dev !== "string" || dev === "") return undefined;
  if (gateway !== undefined && (typeof gateway !== "string" || parseIpv4(gateway) === undefined))
    return undefined;
  return {
    gateway,
    dev,
    prefsrc: typeof prefsrc === "string" ? prefsrc : undefined,
    metric: typeof metric === "number" ? metric : 0,
  };
}

/**
 * The IPv4 address the default route's interface sends from: the route's preferred source if given, else the one
 * whose subnet holds the gateway, else the interface's first global one.
 */
function routeAddress(addrJson: string, route: DefaultRoute): InterfaceAddress | undefined {
  const link = jsonArray(addrJson).find((entry) => isRecord(entry) && entry["ifname"] === route.dev);
  if (!isRecord(link) || !Array.isArray(link["addr_info"])) return undefined;
  const candidates: { address: InterfaceAddress; text: string; global: boolean }[] = [];
  for (const info of link["addr_info"]) {
    if (!isRecord(info) || info["family"] !== "inet" || typeof info["local"] !== "string") continue;
    const local = parseIpv4(info["local"]);
    const prefixlen = info["prefixlen"];
    if (local === undefined || !isPrefixLength(prefixlen)) continue;
    const global = info["scope"] === undefined || info["scope"] === "global";
    candidates.push({ address: { local, prefixlen }, text: info["local"], global });
  }
  const gateway = route.gateway === undefined ? undefined : parseIpv4(route.gateway);
  const chosen =
    candidates.find((c) => c.text === route.prefsrc) ??
    candidates.find((c) => gateway !== undefined && sameSubnet(c.address, gateway)) ??
    candidates.find((c) => c.global) ??
    candidates[0];
  return chosen?.address;
}

function isPrefixLength(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 32;
}

function sameSubnet(address: InterfaceAddress, other: number): boolean {
  return networkOf(address) === networkOf({ local: other, prefixlen: address.prefixlen });
}

function networkOf({ local, prefixlen }: InterfaceAddress): number {
  return (local & prefixMask(prefixlen)) >>> 0;
}

function jsonArray(text: string): unknown[] {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value : [];
  } catch {
    return [];
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
