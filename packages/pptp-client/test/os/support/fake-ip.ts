/**
 * A fake `ip` for the route watch and the configuration around it: a host with eth0 (192.0.2.2/24, default via
 * 192.0.2.1) reaching the server 203.0.113.10, whose routes follow what the commands do. Nothing touches the host.
 */
import type { CommandOutcome, CommandRunner } from "../../../src/os/command-runner.js";

export const FAKE_SERVER = "203.0.113.10";
const SUBNET = { dst: "192.0.2.0/24", dev: "eth0", protocol: "kernel", scope: "link", flags: [] };
const DEFAULT = { dst: "default", gateway: "192.0.2.1", dev: "eth0", flags: [] };
const SERVER = { dst: FAKE_SERVER, gateway: "192.0.2.1", dev: "eth0", flags: [] };
const TUNNEL = { dst: "0.0.0.0/1", dev: "ferry0", scope: "link", flags: [] };
const ADD_SERVER_ROUTE = `ip route add ${FAKE_SERVER}/32 via 192.0.2.1 dev eth0`;
const DEL_SERVER_ROUTE = `ip route del ${FAKE_SERVER}/32 via 192.0.2.1 dev eth0`;

export class FakeIp {
  /** As `ip -j -4 route show table main` prints them; starts with the tunnel up and the server route in place. */
  routes: object[] = [DEFAULT, SUBNET, TUNNEL, SERVER];
  up = true;
  /** The stderr `ip route add` of the server route fails with, if set. */
  addFails: string | undefined;
  readonly calls: string[] = [];
  /** While set, every command waits for it: a check caught in the middle. */
  gate: Promise<void> | undefined;

  readonly run: CommandRunner = async (argv) => {
    this.calls.push(argv.join(" "));
    await this.gate;
    return this.answer(argv.join(" "));
  };

  /** `ip link set eth0 down`: the kernel drops every route through eth0, the server's included. */
  linkDown(): void {
    this.up = false;
    this.routes = [TUNNEL];
  }

  /** Up again: the subnet route at once, the default route from a DHCP client or network manager. */
  linkUp(): void {
    this.up = true;
    this.routes = [SUBNET, TUNNEL, DEFAULT];
  }

  adds(): string[] {
    return this.calls.filter((call) => call === ADD_SERVER_ROUTE);
  }

  hasServerRoute(): boolean {
    return this.routes.includes(SERVER);
  }

  private answer(command: string): CommandOutcome {
    const ok = (stdout = ""): CommandOutcome => ({ ok: true, stdout });
    switch (command) {
      case "ip -j -4 route show table main":
        return ok(JSON.stringify(this.routes));
      case "ip -j link show dev eth0": {
        const flags = this.up ? ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"] : ["BROADCAST", "MULTICAST"];
        return ok(JSON.stringify([{ ifindex: 4, ifname: "eth0", flags }]));
      }
      case `ip -j route get ${FAKE_SERVER}`:
        return ok(JSON.stringify([{ ...SERVER, prefsrc: "192.0.2.2", uid: 0, cache: [] }]));
      case ADD_SERVER_ROUTE:
        if (this.addFails !== undefined) return { ok: false, stderr: this.addFails };
        this.routes = [...this.routes, SERVER];
        return ok();
      case DEL_SERVER_ROUTE:
        if (!this.hasServerRoute()) return { ok: false, stderr: "RTNETLINK answers: No such process" };
        this.routes = this.routes.filter((route) => route !== SERVER);
        return ok();
      default:
        // The rest of a tunnel's configuration (addresses, MTU, link up, the tunnel's own routes) just works.
        return command.startsWith("ip ") && !command.startsWith("ip -j")
          ? ok()
          : { ok: false, stderr: `unexpected: ${command}` };
    }
  }
}
