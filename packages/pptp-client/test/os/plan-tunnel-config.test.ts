import { describe, expect, it } from "vitest";
import type { NetAction, NetChange } from "../../src/os/net-change.js";
import { planTunnelConfig, type TunnelConfigInput } from "../../src/os/plan-tunnel-config.js";

const BASE: TunnelConfigInput = {
  ifname: "ferry0",
  localAddress: "10.8.0.2",
  peerAddress: "10.8.0.1",
  mtu: 1400,
  server: "203.0.113.10",
  serverRoute: { gateway: "198.51.100.1", dev: "eth0" },
  routes: "default",
  dns: ["10.8.0.53", "10.8.0.54"],
  resolver: "resolved",
};

function argv(action: NetAction): string {
  if (action.kind !== "run") return `${action.kind} ${action.path}`;
  return action.argv.join(" ");
}

const applies = (plan: readonly NetChange[]) => plan.map((change) => argv(change.apply));
const undos = (plan: readonly NetChange[]) => plan.map((change) => argv(change.undo));

describe("planTunnelConfig: full tunnel through systemd-resolved", () => {
  const plan = planTunnelConfig(BASE);

  it("applies address, MTU, link, server route, /1 routes, then DNS, in that order", () => {
    expect(applies(plan)).toEqual([
      "ip addr add 10.8.0.2 peer 10.8.0.1/32 dev ferry0",
      "ip link set dev ferry0 mtu 1400",
      "ip link set dev ferry0 up",
      "ip route add 203.0.113.10/32 via 198.51.100.1 dev eth0",
      "ip route add 0.0.0.0/1 dev ferry0",
      "ip route add 128.0.0.0/1 dev ferry0",
      "resolvectl dns ferry0 10.8.0.53 10.8.0.54",
      "resolvectl domain ferry0 ~.",
    ]);
  });

  it("pairs each change with its exact undo", () => {
    expect(undos(plan)).toEqual([
      "ip addr del 10.8.0.2 peer 10.8.0.1/32 dev ferry0",
      "ip link set dev ferry0 mtu 1500",
      "ip link set dev ferry0 down",
      "ip route del 203.0.113.10/32 via 198.51.100.1 dev eth0",
      "ip route del 0.0.0.0/1 dev ferry0",
      "ip route del 128.0.0.0/1 dev ferry0",
      "resolvectl revert ferry0",
      "resolvectl revert ferry0",
    ]);
  });

  it("pins the server before any route could swallow its GRE", () => {
    const serverRoute = applies(plan).findIndex((line) => line.includes("203.0.113.10/32"));
    const firstTunnelRoute = applies(plan).findIndex((line) => line.startsWith("ip route add 0.0.0.0/1"));
    expect(serverRoute).toBeGreaterThanOrEqual(0);
    expect(serverRoute).toBeLessThan(firstTunnelRoute);
  });

  it("never touches the original default route", () => {
    expect([...applies(plan), ...undos(plan)].some((line) => / default|0\.0\.0\.0\/0/.test(line))).toBe(
      false,
    );
  });

  it("restores the MTU the interface had", () => {
    const restored = planTunnelConfig({ ...BASE, originalMtu: 9000 });
    expect(argv(restored[1]!.undo)).toBe("ip link set dev ferry0 mtu 9000");
  });
});

describe("planTunnelConfig: split tunnel", () => {
  it("routes each CIDR (host bits cleared) and keeps DNS domains alone", () => {
    const plan = planTunnelConfig({ ...BASE, routes: ["10.8.0.0/16", "172.20.5.9/24"] });
    expect(applies(plan).slice(4)).toEqual([
      "ip route add 10.8.0.0/16 dev ferry0",
      "ip route add 172.20.5.0/24 dev ferry0",
      "resolvectl dns ferry0 10.8.0.53 10.8.0.54",
    ]);
  });

  it("adds host routes for name servers outside the routes, but not for the peer or duplicates", () => {
    const plan = planTunnelConfig({
      ...BASE,
      routes: ["172.20.0.0/16"],
      dns: ["10.9.9.9", "172.20.0.53", "10.8.0.1", "10.9.9.9"],
    });
    expect(applies(plan).filter((line) => line.startsWith("ip route add"))).toEqual([
      "ip route add 203.0.113.10/32 via 198.51.100.1 dev eth0",
      "ip route add 172.20.0.0/16 dev ferry0",
      "ip route add 10.9.9.9/32 dev ferry0",
    ]);
  });

  it("adds no route at all for an empty list", () => {
    const plan = planTunnelConfig({ ...BASE, routes: [], dns: undefined });
    expect(applies(plan)).toHaveLength(4);
  });
});

describe("planTunnelConfig: DNS variants", () => {
  it("plans no DNS change without name servers", () => {
    for (const dns of [undefined, []]) {
      const plan = planTunnelConfig({ ...BASE, dns });
      expect(applies(plan).some((line) => line.includes("resolv"))).toBe(false);
    }
  });

  it("rewrites resolv.conf with a Ferry banner and restores the original bytes", () => {
    const original = "# from DHCP\nnameserver 192.0.2.53\nsearch corp.example\noptions edns0\n";
    const plan = planTunnelConfig({
      ...BASE,
      resolver: "resolv.conf",
      resolvConf: { path: "/etc/resolv.conf", original },
    });
    const dns = plan.at(-1)!;
    expect(dns.apply).toEqual({
      kind: "write-file",
      path: "/etc/resolv.conf",
      content:
        "# Written by Ferry for the VPN interface ferry0; the previous content returns when the tunnel closes.\n" +
        "nameserver 10.8.0.53\nnameserver 10.8.0.54\nsearch corp.example\noptions edns0\n",
    });
    expect(dns.undo).toEqual({ kind: "write-file", path: "/etc/resolv.conf", content: original });
  });

  it("removes a resolv.conf that did not exist before", () => {
    const plan = planTunnelConfig({
      ...BASE,
      resolver: "resolv.conf",
      resolvConf: { path: "/etc/resolv.conf", original: null },
    });
    expect(plan.at(-1)!.undo).toEqual({ kind: "remove-file", path: "/etc/resolv.conf" });
  });
});

describe("planTunnelConfig: the server's route", () => {
  it("uses the device alone when the server is on-link", () => {
    const plan = planTunnelConfig({ ...BASE, serverRoute: { dev: "eth0" } });
    expect(argv(plan[3]!.apply)).toBe("ip route add 203.0.113.10/32 dev eth0");
  });

  it("adds none for a server on this host", () => {
    const plan = planTunnelConfig({ ...BASE, serverRoute: { dev: "lo" } });
    expect(applies(plan).some((line) => line.includes("203.0.113.10"))).toBe(false);
  });
});

describe("planTunnelConfig: input checks", () => {
  it.each<[string, Partial<TunnelConfigInput>]>([
    ["ifname", { ifname: "-rf" }],
    ["ifname", { ifname: "a-name-longer-than-15" }],
    ["mtu", { mtu: 40 }],
    ["localAddress", { localAddress: "10.8.0" }],
    ["dns", { dns: ["10.8.0.53\nnameserver 6.6.6.6"] }],
    ["route", { routes: ["10.0.0.0/33"] }],
    ["serverRoute.gateway", { serverRoute: { gateway: "gw", dev: "eth0" } }],
  ])("rejects a malformed %s", (what, change) => {
    expect(() => planTunnelConfig({ ...BASE, ...change })).toThrow(new RegExp(what.replace(".", "\\.")));
  });

  it("needs the current resolv.conf to plan DNS through it", () => {
    expect(() => planTunnelConfig({ ...BASE, resolver: "resolv.conf" })).toThrow(/resolvConf/);
  });
});
