/**
 * The executor against the real kernel, in throw-away namespaces: apply, check, undo, and compare with the
 * namespace as it was; a SIGKILLed run restored by the next; a failing step rolled back; SIGTERM handled.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TunnelNetworkParams } from "../../src/os/configure-tunnel.js";
import {
  ORIGINAL_RESOLV_CONF,
  OsNetns,
  osLabSkipReason,
  TUN,
  UPLINK,
  UPLINK_GATEWAY,
} from "./support/os-netns.js";

const skip = osLabSkipReason();

const SERVER = "198.51.100.10";
const FULL_TUNNEL: TunnelNetworkParams = {
  ifname: TUN,
  localAddress: "10.64.0.2",
  peerAddress: "10.64.0.1",
  mtu: 1400,
  server: SERVER,
  routes: "default",
  dns: ["10.64.0.53"],
};

interface RouteJson {
  readonly dst: string;
  readonly gateway?: string;
  readonly dev: string;
  readonly table?: string;
}

describe.skipIf(skip !== undefined)(
  `network configuration in a namespace${skip ? ` (skipped: ${skip})` : ""}`,
  { timeout: 60_000 },
  () => {
    const labs: OsNetns[] = [];
    let stateDir: string;
    let tests = 0;

    function lab(): OsNetns {
      const created = new OsNetns(`t${++tests}`);
      labs.push(created);
      return created;
    }

    const mainRoutes = (ns: OsNetns) => ns.json("route", "show") as RouteJson[];
    const routeVia = (ns: OsNetns, destination: string) =>
      (ns.json("route", "get", destination) as RouteJson[])[0]!;

    beforeEach(() => {
      stateDir = mkdtempSync(join(tmpdir(), "fy-os-state-"));
    });
    afterEach(() => {
      for (const ns of labs.splice(0)) ns.dispose();
      rmSync(stateDir, { recursive: true, force: true });
    });
    afterAll(() => {
      for (const ns of labs.splice(0)) ns.dispose();
    });

    function expectFullTunnelInPlace(ns: OsNetns): void {
      const [tun] = ns.json("addr", "show", "dev", TUN) as {
        mtu: number;
        flags: string[];
        addr_info: { local: string; address: string; prefixlen: number }[];
      }[];
      expect(tun!.mtu).toBe(1400);
      expect(tun!.flags).toContain("UP");
      expect(tun!.addr_info).toMatchObject([{ local: "10.64.0.2", address: "10.64.0.1", prefixlen: 32 }]);
      const routes = mainRoutes(ns);
      expect(routes).toContainEqual(expect.objectContaining({ dst: "0.0.0.0/1", dev: TUN }));
      expect(routes).toContainEqual(expect.objectContaining({ dst: "128.0.0.0/1", dev: TUN }));
      expect(routes).toContainEqual(
        expect.objectContaining({ dst: "default", gateway: UPLINK_GATEWAY, dev: UPLINK }),
      );
      // The server keeps its path; everything else goes into the tunnel.
      expect(routeVia(ns, SERVER)).toMatchObject({ gateway: UPLINK_GATEWAY, dev: UPLINK });
      expect(routeVia(ns, "198.51.100.77").dev).toBe(TUN);
      expect(routeVia(ns, "10.99.0.1").dev).toBe(TUN);
      const resolvConf = readFileSync(ns.resolvConfPath, "utf8");
      expect(resolvConf).toMatch(/^# Written by Ferry for the VPN interface fytun0/);
      expect(resolvConf).toContain("nameserver 10.64.0.53\n");
      expect(resolvConf).not.toContain("203.0.113.53");
      expect(resolvConf).toContain("search lab.example\n");
    }

    it("applies a full tunnel and undoes it to the namespace exactly as it was", async () => {
      const ns = lab();
      const before = ns.snapshot();
      const child = ns.child("apply", stateDir, JSON.stringify(FULL_TUNNEL));
      await child.next("applied");
      expectFullTunnelInPlace(ns);
      expect(readdirSync(stateDir)).toEqual([expect.stringMatching(new RegExp(`^\\d+-${TUN}\\.json$`))]);
      child.send("undo");
      const undone = await child.next("undone");
      expect(undone["failed"]).toEqual([]);
      expect(ns.snapshot()).toEqual(before);
      expect(readFileSync(ns.resolvConfPath, "utf8")).toBe(ORIGINAL_RESOLV_CONF);
      expect(readdirSync(stateDir)).toEqual([]);
    });

    it("applies split routes, with a host route for a name server outside them", async () => {
      const ns = lab();
      const before = ns.snapshot();
      const child = ns.child(
        "apply",
        stateDir,
        JSON.stringify({ ...FULL_TUNNEL, routes: ["10.20.0.0/16"], dns: ["10.30.0.53"] }),
      );
      await child.next("applied");
      expect(routeVia(ns, "10.20.1.1").dev).toBe(TUN);
      expect(routeVia(ns, "10.30.0.53").dev).toBe(TUN);
      expect(routeVia(ns, "198.51.100.77").dev).toBe(UPLINK);
      expect(mainRoutes(ns).filter((route) => route.dst.endsWith("/1"))).toEqual([]);
      child.send("undo");
      expect((await child.next("undone"))["failed"]).toEqual([]);
      expect(ns.snapshot()).toEqual(before);
    });

    it("restores everything a SIGKILLed run left, from its state file", async () => {
      const ns = lab();
      const before = ns.snapshot();
      const child = ns.child("apply", stateDir, JSON.stringify(FULL_TUNNEL));
      await child.next("applied");
      child.child.kill("SIGKILL");
      await new Promise((resolve) => child.child.once("exit", resolve));
      expectFullTunnelInPlace(ns);

      const restorer = ns.child("restore", stateDir);
      const { outcomes } = (await restorer.next("restored")) as unknown as {
        outcomes: { kind: string; ifname: string; report: { failed: unknown[] } }[];
      };
      expect(outcomes).toMatchObject([{ kind: "restored", ifname: TUN, report: { failed: [] } }]);
      expect(ns.snapshot()).toEqual(before);
      expect(readdirSync(stateDir)).toEqual([]);
    });

    it("rolls back the steps already applied when a later one fails", async () => {
      const ns = lab();
      // Something already routes 10.20.0.0/16 elsewhere: adding ours fails with "File exists".
      ns.exec("ip", "route", "add", "10.20.0.0/16", "via", UPLINK_GATEWAY, "dev", UPLINK);
      const before = ns.snapshot();
      const child = ns.child(
        "apply",
        stateDir,
        JSON.stringify({ ...FULL_TUNNEL, routes: ["10.10.0.0/16", "10.20.0.0/16"] }),
      );
      const { error } = (await child.next("failed")) as unknown as {
        error: { code: string; message: string; detail: { command: string; stderr: string } };
      };
      expect(error.detail.command).toBe(`ip route add 10.20.0.0/16 dev ${TUN}`);
      expect(error.detail.stderr).toContain("File exists");
      expect(error.message).toContain("10.20.0.0/16");
      expect(ns.snapshot()).toEqual(before);
      expect(readdirSync(stateDir)).toEqual([]);
    });

    it("tolerates the TUN device vanishing before the undo", async () => {
      const ns = lab();
      const before = ns.snapshot();
      const child = ns.child("apply", stateDir, JSON.stringify(FULL_TUNNEL));
      await child.next("applied");
      ns.exec("ip", "tuntap", "del", "dev", TUN, "mode", "tun");
      child.send("undo");
      const undone = await child.next("undone");
      expect(undone["failed"]).toEqual([]);
      expect(undone["alreadyGone"]).toContain("route 0.0.0.0/1 through fytun0");
      expect(ns.snapshot().routes).toEqual(before.routes);
      expect(ns.snapshot().resolvConf).toEqual(before.resolvConf);
      expect(readdirSync(stateDir)).toEqual([]);
    });
  },
);
