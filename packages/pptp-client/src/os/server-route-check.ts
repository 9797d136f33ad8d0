/**
 * The pure half of the route watch: whether the host route that keeps the server outside the tunnel (planned as
 * `ip route add SERVER/32 via GATEWAY dev DEV`) is still there, from `ip -j route` and `ip -j link` output, and what
 * to do about it. When a link goes down the kernel drops every route through it, ours included; once the link is
 * back and the gateway reachable on it, the same route can go back, and the session is asked to probe the peer.
 */
import { cidrContains, parseCidr, parseIpv4 } from "../util/ipv4.js";
import type { ServerRoute } from "./plan-tunnel-config.js";

/** The host route to the server as planned: what the watch looks for, and re-adds. */
export interface PlannedServerRoute extends ServerRoute {
  readonly server: string;
}

export type ServerRouteState =
  /** The route is there and its link is up. */
  | "in-place"
  /** The route's device is down or gone: whatever is left of the route carries nothing. */
  | "link-down"
  /** The route is gone and the gateway cannot be reached on the device yet. */
  | "gone"
  /** The route is gone but the gateway is reachable on the device again: it can go back. */
  | "restorable";

/** Something a network watch tells the tunnel, with the sentence the CLI shows. */
export interface NetworkChange {
  readonly change: "route-lost" | "route-back" | "route-restored" | "route-restore-failed";
  readonly summary: string;
}

export type RouteWatchAction =
  /** Run the planned `ip route add`, then tell the decider how it went (added()). */
  | { readonly kind: "add-route" }
  /** Have the session check now that the peer still answers. */
  | { readonly kind: "probe-peer" }
  | { readonly kind: "report"; readonly change: NetworkChange };

/** How the planned `ip route add` went; a route already there (`File exists`) counts as added. */
export type RouteAddOutcome = { readonly ok: true } | { readonly ok: false; readonly reason: string };

interface RouteEntry {
  readonly dst: string;
  readonly gateway: string | undefined;
  readonly dev: string;
  readonly linkdown: boolean;
}

/**
 * Reads `ip -j -4 route show table main` (`routesJson`) and `ip -j link show dev DEV` (`linkJson`, undefined when
 * the command failed: the device is gone). Undefined when the output is not what iproute2 prints.
 */
export function checkServerRoute(
  planned: PlannedServerRoute,
  routesJson: string,
  linkJson: string | undefined,
): ServerRouteState | undefined {
  const routes = parseRoutes(routesJson);
  if (routes === undefined) return undefined;
  const linkUp = linkJson === undefined ? false : parseLinkUp(linkJson, planned.dev);
  if (linkUp === undefined) return undefined;
  if (!linkUp) return "link-down";
  const usable = routes.filter((route) => !route.linkdown);
  const server = parseIpv4(planned.server);
  // Ours, or one somebody else put there since (ours would then only clash with it): the server is reached
  // outside the tunnel either way, and a route that is not ours is left alone.
  if (usable.some((route) => parseIpv4(route.dst.replace(/\/32$/, "")) === server)) return "in-place";
  // The kernel accepts `via GATEWAY dev DEV` only for a gateway on the device's own subnet (or one routes go via).
  const nextHop = planned.gateway ?? planned.server;
  const onDev = usable.filter((route) => route.dev === planned.dev);
  const reachable = onDev.some((route) =>
    route.gateway === undefined ? routeCovers(route.dst, nextHop) : route.gateway === planned.gateway,
  );
  return reachable ? "restorable" : "gone";
}

/**
 * Turns checks into actions, remembering whether the route is lost so that each change is reported once: a loss,
 * and then the route back by itself (a link that came back with its routes) or put back by us.
 */
export class ServerRouteDecider {
  private lost = false;
  private failureReported = false;

  constructor(private readonly planned: PlannedServerRoute) {}

  observe(state: ServerRouteState): RouteWatchAction[] {
    const { server, dev } = this.planned;
    switch (state) {
      case "in-place":
        if (!this.lost) return [];
        this.found();
        return [
          report(
            "route-back",
            `network changed: ${dev} is up again and the route to the server ${server} is in place`,
          ),
          { kind: "probe-peer" },
        ];
      case "restorable":
        return [{ kind: "add-route" }];
      case "link-down":
      case "gone": {
        if (this.lost) return [];
        this.lost = true;
        const why =
          state === "link-down"
            ? `${dev} is down`
            : `the route to the server is gone and ${this.planned.gateway ?? server} cannot be reached on ${dev}`;
        return [
          report("route-lost", `network changed: ${why}; no way to the server ${server} outside the tunnel`),
        ];
      }
    }
  }

  /** After `add-route`: how it went. */
  added(outcome: RouteAddOutcome): RouteWatchAction[] {
    if (outcome.ok) {
      this.found();
      return [
        report(
          "route-restored",
          `network changed: route to the server restored (${describeRoute(this.planned)})`,
        ),
        { kind: "probe-peer" },
      ];
    }
    this.lost = true;
    if (this.failureReported) return [];
    this.failureReported = true;
    return [
      report(
        "route-restore-failed",
        `network changed: the route to the server (${describeRoute(this.planned)}) could not be restored: ${outcome.reason}`,
      ),
    ];
  }

  private found(): void {
    this.lost = false;
    this.failureReported = false;
  }
}

function report(change: NetworkChange["change"], summary: string): RouteWatchAction {
  return { kind: "report", change: { change, summary } };
}

function describeRoute(route: PlannedServerRoute): string {
  const via = route.gateway === undefined ? "" : ` via ${route.gateway}`;
  return `${route.server}${via} dev ${route.dev}`;
}

function parseRoutes(text: string): RouteEntry[] | undefined {
  const value = parseJson(text);
  if (!Array.isArray(value)) return undefined;
  const routes: RouteEntry[] = [];
  for (const item of value) {
    if (typeof item !== "object" || item === null) continue;
    const route = item as Record<string, unknown>;
    // Unreachable, blackhole and multipath routes name no single device: none of them is ours or a way out.
    if (typeof route["dst"] !== "string" || typeof route["dev"] !== "string") continue;
    const flags = route["flags"];
    routes.push({
      dst: route["dst"],
      gateway: typeof route["gateway"] === "string" ? route["gateway"] : undefined,
      dev: route["dev"],
      linkdown: Array.isArray(flags) && flags.includes("linkdown"),
    });
  }
  return routes;
}

/** Up means administratively up with a carrier (UP and LOWER_UP), as `ip link` shows it. */
function parseLinkUp(text: string, dev: string): boolean | undefined {
  const value = parseJson(text);
  if (!Array.isArray(value)) return undefined;
  const link = value.find(
    (item): item is Record<string, unknown> =>
      typeof item === "object" && item !== null && (item as Record<string, unknown>)["ifname"] === dev,
  );
  if (link === undefined) return false;
  const flags = link["flags"];
  if (!Array.isArray(flags)) return undefined;
  return flags.includes("UP") && flags.includes("LOWER_UP");
}

/** "default" contains everything; "a.b.c.d" is a host route; "a.b.c.d/n" a prefix. */
function routeCovers(dst: string, address: string): boolean {
  const value = parseIpv4(address);
  if (value === undefined) return false;
  if (dst === "default") return true;
  const cidr = parseCidr(dst.includes("/") ? dst : `${dst}/32`);
  return cidr !== undefined && cidrContains(cidr, value);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
