/**
 * Network namespaces for the I/O tests. Every namespace is named fy-io-<tag>-<pid>, addressed only from
 * 10.0.0.0/8, 198.51.100.0/24 and 203.0.113.0/24, and deleted (with the fixtures we spawned) by dispose().
 */
import { type ChildProcessWithoutNullStreams, execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe } from "vitest";
import { NATIVE_ADDON_URL } from "../../../src/io/native.js";
import { ChildLines } from "./child-lines.js";

const REPO_ROOT = fileURLToPath(new URL("../../../../../", import.meta.url));

function hasCommand(name: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${name}`]).status === 0;
}

/** Why the namespace suites cannot run here, or undefined when they can. */
function labSkipReason(commands: readonly string[]): string | undefined {
  if (process.platform !== "linux") return "needs Linux";
  if (process.getuid?.() !== 0) return "needs root (network namespaces, TUN, raw sockets)";
  if (!existsSync(NATIVE_ADDON_URL)) {
    return "the native addon is not built (npm run build:native -w @ferry/pptp-client)";
  }
  const missing = commands.filter((command) => !hasCommand(command));
  if (missing.length > 0) return `missing commands: ${missing.join(", ")}`;
  return undefined;
}

/** A describe() that runs only where the lab can, and says why not (in the title and on stderr) elsewhere. */
export function describeInLab(title: string, commands: readonly string[], body: () => void): void {
  const skip = labSkipReason(commands);
  if (skip !== undefined) console.warn(`${title}: skipped, ${skip}`);
  describe.skipIf(skip !== undefined)(skip === undefined ? title : `${title} (skipped: ${skip})`, body);
}

export class NetnsLab {
  private readonly namespaces: string[] = [];
  private readonly children: ChildProcessWithoutNullStreams[] = [];
  private links = 0;

  constructor(private readonly tag: string) {}

  /** Creates a namespace with loopback up; returns its full name. */
  namespace(role: string): string {
    const name = `fy-io-${this.tag}-${role}-${process.pid}`;
    execFileSync("ip", ["netns", "add", name]);
    this.namespaces.push(name);
    this.exec(name, ["ip", "link", "set", "lo", "up"]);
    return name;
  }

  exec(namespace: string, command: readonly string[]): string {
    return execFileSync("ip", ["netns", "exec", namespace, ...command], { encoding: "utf8" });
  }

  /** Runs a command in a namespace and returns its exit status (for commands expected to fail sometimes). */
  status(namespace: string, command: readonly string[], timeoutMs = 10_000): number | null {
    return spawnSync("ip", ["netns", "exec", namespace, ...command], { timeout: timeoutMs }).status;
  }

  /** A veth pair between two namespaces, each end addressed (CIDR) and up. */
  link(a: string, aAddress: string, b: string, bAddress: string): void {
    // Unique on the host too: vitest runs test files in parallel processes.
    this.links++;
    const aName = `y${process.pid}l${this.links}a`;
    const bName = `y${process.pid}l${this.links}b`;
    execFileSync("ip", ["link", "add", aName, "netns", a, "type", "veth", "peer", "name", bName, "netns", b]);
    for (const [namespace, device, address] of [
      [a, aName, aAddress],
      [b, bName, bAddress],
    ] as const) {
      this.exec(namespace, ["ip", "addr", "add", address, "dev", device]);
      this.exec(namespace, ["ip", "link", "set", device, "up"]);
    }
  }

  /** Starts a fixture script (test/io/fixtures/NAME.ts) under tsx inside a namespace. */
  fixture(namespace: string, name: string, args: readonly string[]): ChildLines {
    const script = fileURLToPath(new URL(`../fixtures/${name}.ts`, import.meta.url));
    const child = spawn(
      "ip",
      ["netns", "exec", namespace, process.execPath, "--import", "tsx", script, ...args],
      {
        cwd: REPO_ROOT,
      },
    );
    this.children.push(child);
    return new ChildLines(child);
  }

  /** Stops the fixtures this lab started and deletes its namespaces; safe to call after any failure. */
  async dispose(): Promise<void> {
    await Promise.all(
      this.children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once("exit", () => resolve());
            child.kill("SIGTERM");
            setTimeout(() => {
              child.kill("SIGKILL");
              resolve();
            }, 2_000).unref();
          }),
      ),
    );
    for (const name of this.namespaces.splice(0)) spawnSync("ip", ["netns", "delete", name]);
  }
}
