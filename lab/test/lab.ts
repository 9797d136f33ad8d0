/**
 * Drives the lab from tests: topologies, the pptpd VM, and `ferry connect` run inside a client namespace with its
 * JSON events read line by line. Everything here addresses only the lab's own namespaces.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
export const LAB = fileURLToPath(new URL("..", import.meta.url));
const FERRY = fileURLToPath(new URL("../../packages/cli/bin/ferry.js", import.meta.url));

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

export type Topology = "public" | "nat-helper" | "nat-nohelper" | "nat-dropgre" | "cgnat" | "proxy-only";
export type Variant = "require-128" | "stateful" | "40" | "none" | "noauth";

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

  readonly startedAt = Date.now();
  /** Milliseconds from the start to each event, in the order of `events`. */
  readonly arrivals: number[] = [];

  constructor(ns: string, args: readonly string[], password = PASSWORD, env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(
      "ip",
      ["netns", "exec", ns, process.execPath, FERRY, "connect", "--json", "--password-stdin", ...args],
      { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, ...env } },
    );
    this.child.stdin?.end(`${password}\n`);
    createInterface({ input: this.child.stdout! }).on("line", (line) => {
      try {
        this.events.push(JSON.parse(line) as FerryEvent);
        this.arrivals.push(Date.now() - this.startedAt);
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

  /** Resolves with the `occurrence`th event named `name`; rejects after `timeoutMs` or if ferry exits first. */
  async waitFor(name: string, timeoutMs = 30_000, occurrence = 1): Promise<FerryEvent> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => {
      exited = true;
    });
    for (;;) {
      const found = this.events.filter((e) => e.event === name)[occurrence - 1];
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

  /** Milliseconds from the start of the run to the first event named `name`. */
  elapsedUntil(name: string): number | undefined {
    const index = this.events.findIndex((e) => e.event === name);
    return index < 0 ? undefined : this.arrivals[index];
  }

  interrupt(): void {
    this.child.kill("SIGINT");
  }

  kill(): void {
    this.child.kill("SIGKILL");
  }
}

/** Sends `bytes` to the VM's TCP echo service (port 7) through the tunnel and returns what came back. */
export function echoThroughTunnel(ns: string, bytes: Buffer): Promise<Buffer> {
  const script = `
    const s = require("net").connect(7, "${SERVER_PPP}");
    const chunks = []; let n = 0; const total = ${bytes.length};
    process.stdin.pipe(s);
    s.on("data", (c) => { chunks.push(c); n += c.length; if (n >= total) { process.stdout.write(Buffer.concat(chunks)); s.destroy(); } });
    s.on("error", (e) => { console.error(e.message); process.exit(1); });`;
  return new Promise((resolve, reject) => {
    const child = spawn("ip", ["netns", "exec", ns, process.execPath, "-e", script]);
    const out: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.on("exit", (code) =>
      code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`echo exited ${code}`)),
    );
    child.stdin.end(bytes);
  });
}

export const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");
