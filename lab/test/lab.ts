/**
 * Drives the lab from tests: topologies, the pptpd VM, and `ferry connect` run inside a client namespace with its
 * JSON events read line by line. Everything here addresses only the lab's own namespaces.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const LAB = fileURLToPath(new URL("..", import.meta.url));
const FERRY = fileURLToPath(new URL("../../packages/pptp-client/bin/ferry.js", import.meta.url));

export const SERVER = "198.51.100.10";
export const SERVER_PPP = "10.200.0.1";
export const USER = "ferry";
export const PASSWORD = "ferry-lab-pass";
/** `ferry connect` to the lab's server, routing only the server's PPP network through the tunnel. */
export const CONNECT_ARGS: readonly string[] = [
  "--server",
  SERVER,
  "--user",
  USER,
  "--route",
  "10.200.0.0/24",
];

export type Topology = "public" | "nat-helper" | "nat-nohelper";
export type Variant = "require-128" | "stateful" | "40" | "none";

export async function sh(command: string, args: readonly string[], timeoutMs = 120_000): Promise<string> {
  const { stdout } = await run(command, [...args], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

export const inNs = (ns: string, command: string, args: readonly string[], timeoutMs?: number) =>
  sh("ip", ["netns", "exec", ns, command, ...args], timeoutMs);

export async function labUp(topology: Topology, variant: Variant = "require-128"): Promise<void> {
  await sh(`${LAB}net.sh`, ["up", topology]);
  await sh(`${LAB}vm.sh`, ["start", variant]);
}

export async function labDown(): Promise<void> {
  await sh(`${LAB}vm.sh`, ["stop"]).catch(() => "");
  await sh(`${LAB}net.sh`, ["down"]).catch(() => "");
}

export const serverLog = () => sh(`${LAB}vm.sh`, ["log"]);

/** What a client namespace looks like to the network: addresses, routes, DNS; must be equal before and after. */
export async function snapshot(ns: string): Promise<string> {
  const [links, addresses, routes, resolv] = await Promise.all([
    inNs(ns, "ip", ["-br", "link"]),
    inNs(ns, "ip", ["-br", "addr"]),
    inNs(ns, "ip", ["route", "show", "table", "all"]),
    inNs(ns, "cat", ["/etc/resolv.conf"]),
  ]);
  return [links, addresses, routes, resolv].join("\n---\n");
}

export type FerryEvent = { readonly event: string } & Record<string, unknown>;

/** One `ferry connect --json` run inside a namespace. */
export class FerryRun {
  readonly events: FerryEvent[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;
  private waiters: (() => void)[] = [];

  constructor(ns: string, args: readonly string[], password = PASSWORD) {
    this.child = spawn(
      "ip",
      ["netns", "exec", ns, process.execPath, FERRY, "connect", "--json", "--password-stdin", ...args],
      {
        stdio: ["pipe", "pipe", "pipe"],
      },
    );
    this.child.stdin?.end(`${password}\n`);
    createInterface({ input: this.child.stdout! }).on("line", (line) => {
      try {
        this.events.push(JSON.parse(line) as FerryEvent);
      } catch {
        this.stderr.push(`not JSON: ${line}`);
      }
      for (const w of this.waiters.splice(0)) w();
    });
    createInterface({ input: this.child.stderr! }).on("line", (line) => this.stderr.push(line));
    this.exited = new Promise((resolve) => this.child.on("exit", (code) => resolve(code)));
    void this.exited.then(() => {
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Resolves with the first event named `name`, or rejects after `timeoutMs` (or if ferry exits first). */
  async waitFor(name: string, timeoutMs = 30_000): Promise<FerryEvent> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => {
      exited = true;
    });
    for (;;) {
      const found = this.events.find((e) => e.event === name);
      if (found !== undefined) return found;
      if (exited || Date.now() > deadline) {
        throw new Error(
          `no "${name}" event; events: ${JSON.stringify(this.events)}; stderr: ${this.stderr.join("\n")}`,
        );
      }
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }

  interrupt(): void {
    this.child.kill("SIGINT");
  }

  kill(): void {
    this.child.kill("SIGKILL");
  }
}
