import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defaultRoute, networkKey } from "../../src/detect/network-identity.js";

// Captured on a Linux container (iproute2): one Ethernet link, documentation addresses.
const CONTAINER_ROUTES = `[{"dst":"default","gateway":"192.0.2.1","dev":"eth0","flags":[]}]`;
const CONTAINER_ADDRS =
  `[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"],"mtu":65536,"qdisc":"noqueue","operstate":"UNKNOWN","group":"default","txqlen":1000,"link_type":"loopback","address":"00:00:00:00:00:00","broadcast":"00:00:00:00:00:00","addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8,"scope":"host","label":"lo","valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet6","local":"::1","prefixlen":128,"scope":"host","valid_life_time":4294967295,"preferred_life_time":4294967295}]},` +
  `{"ifindex":2,"ifname":"ifb0","flags":["BROADCAST","NOARP"],"mtu":1500,"qdisc":"noop","operstate":"DOWN","group":"default","txqlen":32,"link_type":"ether","address":"8e:31:73:2f:4b:d8","broadcast":"ff:ff:ff:ff:ff:ff","addr_info":[]},` +
  `{"ifindex":4,"ifname":"eth0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1400,"qdisc":"pfifo_fast","operstate":"UP","group":"default","txqlen":1000,"link_type":"ether","address":"02:fc:00:00:00:01","broadcast":"ff:ff:ff:ff:ff:ff","addr_info":[{"family":"inet","local":"192.0.2.2","prefixlen":24,"broadcast":"192.0.2.255","scope":"global","label":"eth0","valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet6","local":"fd00::2","prefixlen":64,"scope":"global","nodad":true,"valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet6","local":"fe80::fc:ff:fe00:1","prefixlen":64,"scope":"link","valid_life_time":4294967295,"preferred_life_time":4294967295}]}]`;

// A laptop on Wi-Fi and a docked Ethernet, as NetworkManager sets it up: two DHCP defaults, Ethernet preferred.
const LAPTOP_ROUTES =
  `[{"dst":"default","gateway":"192.168.1.1","dev":"wlp2s0","protocol":"dhcp","prefsrc":"192.168.1.23","metric":600,"flags":[]},` +
  `{"dst":"default","gateway":"10.20.0.1","dev":"enp0s31f6","protocol":"dhcp","prefsrc":"10.20.3.40","metric":100,"flags":[]}]`;
const LAPTOP_ADDRS =
  `[{"ifindex":2,"ifname":"enp0s31f6","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"operstate":"UP","addr_info":[{"family":"inet","local":"10.20.3.40","prefixlen":22,"broadcast":"10.20.3.255","scope":"global","dynamic":true,"noprefixroute":true,"label":"enp0s31f6","valid_life_time":86000,"preferred_life_time":86000}]},` +
  `{"ifindex":3,"ifname":"wlp2s0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"operstate":"UP","addr_info":[{"family":"inet","local":"192.168.1.23","prefixlen":24,"broadcast":"192.168.1.255","scope":"global","dynamic":true,"label":"wlp2s0","valid_life_time":3500,"preferred_life_time":3500}]}]`;

describe("networkKey", () => {
  it("keys the captured container network by gateway and the interface's subnet", () => {
    expect(networkKey(CONTAINER_ROUTES, CONTAINER_ADDRS)).toBe("gw=192.0.2.1;net=192.0.2.0/24");
  });

  it("uses the default route with the lowest metric, as the kernel does", () => {
    expect(networkKey(LAPTOP_ROUTES, LAPTOP_ADDRS)).toBe("gw=10.20.0.1;net=10.20.0.0/22");
    expect(defaultRoute(LAPTOP_ROUTES)).toEqual({
      gateway: "10.20.0.1",
      dev: "enp0s31f6",
      prefsrc: "10.20.3.40",
      metric: 100,
    });
  });

  it("is the same when DHCP hands out another host address on the same network", () => {
    const otherHost = CONTAINER_ADDRS.replace(`"local":"192.0.2.2"`, `"local":"192.0.2.77"`);
    expect(networkKey(CONTAINER_ROUTES, otherHost)).toBe(networkKey(CONTAINER_ROUTES, CONTAINER_ADDRS));
  });

  it("picks the address whose subnet holds the gateway when an interface has several", () => {
    const routes = `[{"dst":"default","gateway":"172.16.5.1","dev":"eth0","flags":[]}]`;
    const addrs = `[{"ifname":"eth0","addr_info":[{"family":"inet","local":"10.9.9.9","prefixlen":8,"scope":"global"},{"family":"inet","local":"172.16.5.20","prefixlen":24,"scope":"global"}]}]`;
    expect(networkKey(routes, addrs)).toBe("gw=172.16.5.1;net=172.16.5.0/24");
  });

  it("keys a point-to-point default route (no gateway) by its device", () => {
    const routes = `[{"dst":"default","dev":"wwan0","scope":"link","flags":[]}]`;
    const addrs = `[{"ifname":"wwan0","addr_info":[{"family":"inet","local":"100.78.4.9","prefixlen":30,"scope":"global"}]}]`;
    expect(networkKey(routes, addrs)).toBe("gw=link:wwan0;net=100.78.4.8/30");
  });

  it("says net=none when the route's interface has no IPv4 address in the listing", () => {
    expect(networkKey(CONTAINER_ROUTES, "[]")).toBe("gw=192.0.2.1;net=none");
  });

  it("is undefined without a usable IPv4 default route", () => {
    expect(networkKey("[]", CONTAINER_ADDRS)).toBeUndefined();
    expect(networkKey(`[{"type":"blackhole","dst":"default","flags":[]}]`, CONTAINER_ADDRS)).toBeUndefined();
    expect(
      networkKey(`[{"type":"unreachable","dst":"default","dev":"lo","flags":[]}]`, "[]"),
    ).toBeUndefined();
    // `ip -6 -j route show default`, passed by mistake.
    expect(
      networkKey(
        `[{"dst":"default","gateway":"fd00::1","dev":"eth0","metric":1024,"flags":[]}]`,
        CONTAINER_ADDRS,
      ),
    ).toBeUndefined();
    expect(networkKey("Error: ipv4: FIB table does not exist.", CONTAINER_ADDRS)).toBeUndefined();
    expect(networkKey(`{"dst":"default"}`, CONTAINER_ADDRS)).toBeUndefined();
  });

  it("never throws on arbitrary text or JSON", () => {
    const json = fc.jsonValue().map((value) => JSON.stringify(value));
    fc.assert(
      fc.property(fc.oneof(fc.string(), json), fc.oneof(fc.string(), json), (routes, addrs) => {
        networkKey(routes, addrs);
        networkKey(routes, CONTAINER_ADDRS);
      }),
    );
  });

  it("never throws on mutated captured samples", () => {
    const mutate = (sample: string) =>
      fc
        .array(fc.tuple(fc.nat(sample.length), fc.string({ maxLength: 4 })), { maxLength: 4 })
        .map((edits) =>
          edits.reduce((text, [at, insert]) => text.slice(0, at) + insert + text.slice(at + 1), sample),
        );
    fc.assert(
      fc.property(mutate(LAPTOP_ROUTES), mutate(LAPTOP_ADDRS), (routes, addrs) => {
        const key = networkKey(routes, addrs);
        if (key !== undefined) expect(key).toMatch(/^gw=[^;]+;net=/);
      }),
    );
  });
});
