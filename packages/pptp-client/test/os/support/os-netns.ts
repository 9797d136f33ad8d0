/**
 * One throw-away network namespace per test for the OS configuration suite: named fy-os-<tag>-<pid>, its own
 * /etc/netns/<ns>/resolv.conf created before anything runs in it (so `ip netns exec` bind-mounts that file
 * over /etc/resolv.conf and the host's is never touched), addressed only from 203.0.113.0/24 (the uplink)
 * and 10.0.0.0/8 (the tunnel), and deleted with that file by dispose().
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ChildLines } from "../../io/support/child-lines.js";

const REPO_ROOT = fileURLToPath(new URL("../../../../../", import.meta.url));
const CHILD = fileURLToPath(new URL("../fixtures/net-config-child.ts", import.meta.url));

export const UPLINK = "fyup0";
export const UPLINK_GATEWAY = "203.0.113.1";
export const TUN = "fytun0";
export const ORIGINAL_RESOLV_CONF = "# fy-os test namespace\nnameserver 203.0.113.53\nsearch lab.example\n";

export function osLabSkipReason(): string | undefined {
  if (process.platform !== "linux") return "needs Linux";
  if (process.getuid?.() !== 0) return "needs root (network namespaces, TUN)";
  if (spawnSync("ip", ["-V"]).status !== 0) return "needs iproute2 (ip)";
  return undefined;
}

export interface Snapshot {
  readonly addresses: unknown;
  readonly routes: unknown;
  readonly resolvConf: Buffer;
}

export class OsNetns {
  readonly name: string;
  private readonly children: ChildLines[] = [];

  /** A namespace with an uplink (203.0.113.2/24, default via 203.0.113.1) and a TUN device that is down. */
  constructor(tag: string) {
    this.name = `fy-os-${tag}-${process.pid}`;
    mkdirSync(this.etcDir, { recursive: true });
    writeFileSync(this.resolvConfPath, ORIGINAL_RESOLV_CONF);
    execFileSync("ip", ["netns", "add", this.name]);
    const ip = (...args: string[]) => execFileSync("ip", ["-n", this.name, ...args]);
    ip("link", "set", "lo", "up");
    // Both ends stay in the namespace: the gateway only has to be on-link for the routes to be accepted.
    ip("link", "add", UPLINK, "type", "veth", "peer", "name", "fyupgw");
    ip("addr", "add", "203.0.113.2/24", "dev", UPLINK);
    ip("link", "set", UPLINK, "up");
    ip("link", "set", "fyupgw", "up");
    ip("route", "add", "default", "via", UPLINK_GATEWAY, "dev", UPLINK);
    this.exec("ip", "tuntap", "add", "dev", TUN, "mode", "tun");
    // The first "up" attaches the default qdisc for good; do it once so that snapshots compare what we undo.
    ip("link", "set", TUN, "up");
    ip("link", "set", TUN, "down");
  }

  get etcDir(): string {
    return `/etc/netns/${this.name}`;
  }

  get resolvConfPath(): string {
    return `${this.etcDir}/resolv.conf`;
  }

  exec(...command: string[]): string {
    return execFileSync("ip", ["netns", "exec", this.name, ...command], { encoding: "utf8" });
  }

  json(...args: string[]): unknown {
    return JSON.parse(execFileSync("ip", ["-n", this.name, "-j", ...args], { encoding: "utf8" }));
  }

  snapshot(): Snapshot {
    return {
      addresses: this.json("addr", "show"),
      routes: this.json("route", "show", "table", "all"),
      resolvConf: readFileSync(this.resolvConfPath),
    };
  }

  /** Starts the fixture in the namespace: `args` follow its mode, namespace and state directory. */
  child(mode: string, stateDir: string, ...args: string[]): ChildLines {
    const process_ = spawn(
      "ip",
      [
        "netns",
        "exec",
        this.name,
        process.execPath,
        "--import",
        "tsx",
        CHILD,
        mode,
        this.name,
        stateDir,
        ...args,
      ],
      { cwd: REPO_ROOT },
    );
    const lines = new ChildLines(process_);
    this.children.push(lines);
    return lines;
  }

  dispose(): void {
    for (const lines of this.children) if (lines.child.exitCode === null) lines.child.kill("SIGKILL");
    spawnSync("ip", ["netns", "delete", this.name]);
    rmSync(this.etcDir, { recursive: true, force: true });
  }
}
