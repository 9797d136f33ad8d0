import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkServerRoute,
  type PlannedServerRoute,
  ServerRouteDecider,
} from "../../src/os/server-route-check.js";

const PLANNED: PlannedServerRoute = { server: "203.0.113.10", gateway: "192.0.2.1", dev: "eth0" };

// `ip -j -4 route show table main` and `ip -j link show dev eth0` in the shape iproute2 prints them (captured on a
// Linux container; the tunnel and server routes are what the plan adds in --default-route mode).
const ETH0_UP =
  '[{"ifindex":4,"ifname":"eth0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1400,"qdisc":"pfifo_fast","operstate":"UP","linkmode":"DEFAULT","group":"default","txqlen":1000,"link_type":"ether","address":"02:fc:00:00:00:01","broadcast":"ff:ff:ff:ff:ff:ff"}]\n';
/** `ip link set eth0 down`: no UP flag; the kernel has dropped every route through it. */
const ETH0_ADMIN_DOWN =
  '[{"ifindex":4,"ifname":"eth0","flags":["BROADCAST","MULTICAST"],"mtu":1400,"qdisc":"pfifo_fast","operstate":"DOWN","linkmode":"DEFAULT","group":"default","txqlen":1000,"link_type":"ether","address":"02:fc:00:00:00:01","broadcast":"ff:ff:ff:ff:ff:ff"}]\n';
/** Cable out or Wi-Fi lost: still UP, no carrier; the routes stay, marked linkdown. */
const ETH0_NO_CARRIER =
  '[{"ifindex":4,"ifname":"eth0","flags":["NO-CARRIER","BROADCAST","MULTICAST","UP"],"mtu":1400,"qdisc":"pfifo_fast","operstate":"DOWN","linkmode":"DEFAULT","group":"default","txqlen":1000,"link_type":"ether","address":"02:fc:00:00:00:01","broadcast":"ff:ff:ff:ff:ff:ff"}]\n';

const TUNNEL_ROUTES =
  '{"dst":"0.0.0.0/1","dev":"ferry0","scope":"link","flags":[]},{"dst":"10.64.0.1","dev":"ferry0","protocol":"kernel","scope":"link","prefsrc":"10.64.0.2","flags":[]},{"dst":"128.0.0.0/1","dev":"ferry0","scope":"link","flags":[]}';
const DEFAULT_ROUTE = '{"dst":"default","gateway":"192.0.2.1","dev":"eth0","flags":[]}';
const ETH0_SUBNET =
  '{"dst":"192.0.2.0/24","dev":"eth0","protocol":"kernel","scope":"link","prefsrc":"192.0.2.2","flags":[]}';
const SERVER_ROUTE = '{"dst":"203.0.113.10","gateway":"192.0.2.1","dev":"eth0","flags":[]}';

const routes = (...entries: string[]) => `[${entries.join(",")}]\n`;
/** Tunnel up, everything in place. */
const ALL_IN_PLACE = routes(DEFAULT_ROUTE, ETH0_SUBNET, TUNNEL_ROUTES, SERVER_ROUTE);
/** eth0 down: its routes (the default, its subnet, ours) are gone; the tunnel's remain. */
const AFTER_LINK_DOWN = routes(TUNNEL_ROUTES);
/** eth0 up again: the kernel re-adds the subnet route at once; a DHCP client or network manager the default. */
const SUBNET_BACK = routes(ETH0_SUBNET, TUNNEL_ROUTES);
const DEFAULT_BACK = routes(DEFAULT_ROUTE, ETH0_SUBNET, TUNNEL_ROUTES);

describe("checkServerRoute", () => {
  it("finds the planned route in place", () => {
    expect(checkServerRoute(PLANNED, ALL_IN_PLACE, ETH0_UP)).toBe("in-place");
    // iproute2 prints host routes without /32; accept it written either way.
    expect(
      checkServerRoute(PLANNED, ALL_IN_PLACE.replace('"203.0.113.10"', '"203.0.113.10/32"'), ETH0_UP),
    ).toBe("in-place");
  });

  it("sees a link that is down, whether or not the kernel left its routes", () => {
    expect(checkServerRoute(PLANNED, AFTER_LINK_DOWN, ETH0_ADMIN_DOWN)).toBe("link-down");
    const withLinkdown = ALL_IN_PLACE.replaceAll(
      '"dev":"eth0","flags":[]',
      '"dev":"eth0","flags":["linkdown"]',
    );
    expect(checkServerRoute(PLANNED, withLinkdown, ETH0_NO_CARRIER)).toBe("link-down");
    // `ip link show dev eth0` failed: the device is gone (a USB adapter pulled out).
    expect(checkServerRoute(PLANNED, AFTER_LINK_DOWN, undefined)).toBe("link-down");
  });

  it("wants the route back once the gateway is on the link again, with or without the default route", () => {
    expect(checkServerRoute(PLANNED, SUBNET_BACK, ETH0_UP)).toBe("restorable");
    expect(checkServerRoute(PLANNED, DEFAULT_BACK, ETH0_UP)).toBe("restorable");
  });

  it("does not want it back while the gateway cannot be reached on that link (another network, another subnet)", () => {
    const otherSubnet =
      '{"dst":"10.20.0.0/22","dev":"eth0","protocol":"kernel","scope":"link","prefsrc":"10.20.3.40","flags":[]}';
    const otherDefault = '{"dst":"default","gateway":"10.20.0.1","dev":"eth0","flags":[]}';
    expect(checkServerRoute(PLANNED, routes(otherSubnet, otherDefault, TUNNEL_ROUTES), ETH0_UP)).toBe("gone");
    expect(checkServerRoute(PLANNED, AFTER_LINK_DOWN, ETH0_UP)).toBe("gone");
  });

  it("leaves alone a host route to the server somebody else put there, and never takes the tunnel for a way out", () => {
    const wifiDefault = '{"dst":"default","gateway":"192.168.1.1","dev":"wlan0","flags":[]}';
    // A default route through another device is no way for our route through eth0; the tunnel's /1s are none either.
    expect(checkServerRoute(PLANNED, routes(wifiDefault, TUNNEL_ROUTES), ETH0_UP)).toBe("gone");
    const viaWifi = '{"dst":"203.0.113.10","gateway":"192.168.1.1","dev":"wlan0","flags":[]}';
    expect(checkServerRoute(PLANNED, routes(viaWifi, wifiDefault, TUNNEL_ROUTES), ETH0_UP)).toBe("in-place");
    const otherGateway = '{"dst":"203.0.113.10","gateway":"192.0.2.254","dev":"eth0","flags":[]}';
    expect(checkServerRoute(PLANNED, routes(otherGateway, ETH0_SUBNET), ETH0_UP)).toBe("in-place");
  });

  it("handles a server on the link itself (no gateway)", () => {
    const onLink: PlannedServerRoute = { server: "192.0.2.50", dev: "eth0" };
    const own = '{"dst":"192.0.2.50","dev":"eth0","scope":"link","flags":[]}';
    expect(checkServerRoute(onLink, routes(ETH0_SUBNET, own, TUNNEL_ROUTES), ETH0_UP)).toBe("in-place");
    expect(checkServerRoute(onLink, SUBNET_BACK, ETH0_UP)).toBe("restorable");
  });

  it("says nothing about output it cannot read, and never throws", () => {
    expect(checkServerRoute(PLANNED, "", ETH0_UP)).toBeUndefined();
    expect(checkServerRoute(PLANNED, "{}", ETH0_UP)).toBeUndefined();
    expect(checkServerRoute(PLANNED, ALL_IN_PLACE, '[{"ifname":"eth0"}]')).toBeUndefined();
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), fc.oneof(fc.string(), fc.json()), (a, b) => {
        checkServerRoute(PLANNED, a, b);
      }),
    );
  });
});

describe("ServerRouteDecider", () => {
  it("link down 20 s, then up: reports the loss once, puts the route back, reports it and probes the peer", () => {
    const decider = new ServerRouteDecider(PLANNED);
    expect(decider.observe("in-place")).toEqual([]);
    expect(decider.observe("link-down")).toEqual([
      {
        kind: "report",
        change: {
          change: "route-lost",
          summary: "network changed: eth0 is down; no way to the server 203.0.113.10 outside the tunnel",
        },
      },
    ]);
    expect(decider.observe("link-down")).toEqual([]);
    expect(decider.observe("gone")).toEqual([]);
    expect(decider.observe("restorable")).toEqual([{ kind: "add-route" }]);
    expect(decider.added({ ok: true })).toEqual([
      {
        kind: "report",
        change: {
          change: "route-restored",
          summary: "network changed: route to the server restored (203.0.113.10 via 192.0.2.1 dev eth0)",
        },
      },
      { kind: "probe-peer" },
    ]);
    expect(decider.observe("in-place")).toEqual([]);
  });

  it("a carrier that comes back with its routes: reports it and probes the peer, adds nothing", () => {
    const decider = new ServerRouteDecider(PLANNED);
    decider.observe("link-down");
    expect(decider.observe("in-place")).toEqual([
      {
        kind: "report",
        change: {
          change: "route-back",
          summary: "network changed: eth0 is up again and the route to the server 203.0.113.10 is in place",
        },
      },
      { kind: "probe-peer" },
    ]);
  });

  it("explains a route gone on a link that is up", () => {
    const decider = new ServerRouteDecider(PLANNED);
    expect(decider.observe("gone")).toEqual([
      {
        kind: "report",
        change: {
          change: "route-lost",
          summary:
            "network changed: the route to the server is gone and 192.0.2.1 cannot be reached on eth0; no way to the server 203.0.113.10 outside the tunnel",
        },
      },
    ]);
  });

  it("reports a failed restore once per loss and keeps trying", () => {
    const decider = new ServerRouteDecider(PLANNED);
    decider.observe("restorable");
    const failure = decider.added({ ok: false, reason: "RTNETLINK answers: Operation not permitted" });
    expect(failure).toEqual([
      {
        kind: "report",
        change: {
          change: "route-restore-failed",
          summary:
            "network changed: the route to the server (203.0.113.10 via 192.0.2.1 dev eth0) could not be restored: RTNETLINK answers: Operation not permitted",
        },
      },
    ]);
    expect(decider.observe("restorable")).toEqual([{ kind: "add-route" }]);
    expect(decider.added({ ok: false, reason: "again" })).toEqual([]);
    expect(decider.added({ ok: true }).map((a) => a.kind)).toEqual(["report", "probe-peer"]);
  });
});
