/**
 * Traffic through the tunnel to the server's end of the link (SERVER_PPP), sent from a client namespace: pings that
 * count their losses, a checksummed echo of a given size, and an echo stream that runs until stopped.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { type FerryRun, inNs, SERVER_PPP, sha256 } from "./lab.js";
import { runTime } from "./run-events.js";

/** ping's summary without failing on loss: "N packets transmitted, M received". */
export function pingStats(
  ns: string,
  count: number,
  intervalS: number,
): Promise<{ sent: number; received: number }> {
  return new Promise((resolve) => {
    execFile(
      "ip",
      [
        "netns",
        "exec",
        ns,
        "ping",
        "-n",
        "-q",
        "-c",
        String(count),
        "-i",
        String(intervalS),
        "-W",
        "2",
        SERVER_PPP,
      ],
      { timeout: 60_000 },
      (_error, stdout) => {
        const m = /(\d+) packets transmitted, (\d+) received/.exec(String(stdout));
        resolve({ sent: Number(m?.[1] ?? count), received: Number(m?.[2] ?? 0) });
      },
    );
  });
}

/**
 * Sends `bytes` random bytes through the tunnel to the VM's TCP echo service and checks what comes back; gives up
 * (killing its own helper by pid) after `timeoutMs`. Resolves with the time taken and how much came back.
 */
export function checkedEcho(
  ns: string,
  bytes: number,
  timeoutMs: number,
): Promise<{ ms: number; back: number }> {
  const payload = randomBytes(bytes);
  const script = `
    const s = require("net").connect(7, "${SERVER_PPP}");
    process.stdin.pipe(s);
    s.pipe(process.stdout);
    s.on("error", (e) => { console.error(e.message); process.exit(1); });`;
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn("ip", ["netns", "exec", ns, process.execPath, "-e", script]);
    const out: Buffer[] = [];
    let back = 0;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`echo of ${bytes} bytes: ${back} back after ${timeoutMs} ms`));
    }, timeoutMs);
    child.stdout.on("data", (c: Buffer) => {
      out.push(c);
      back += c.length;
      if (back < bytes) return;
      clearTimeout(timer);
      child.kill("SIGKILL");
      const echoed = Buffer.concat(out);
      if (sha256(echoed.subarray(0, bytes)) === sha256(payload) && back === bytes)
        resolve({ ms: Date.now() - started, back });
      else reject(new Error(`echo of ${bytes} bytes: ${back} came back, not the same`));
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (back < bytes) reject(new Error(`echo exited ${code} with ${back} of ${bytes} bytes back`));
    });
    child.stdin.on("error", () => {});
    child.stdin.write(payload);
  });
}

/** How much `trafficPasses` sends: pings, the seconds between them, and the size of the checked echo. */
export interface TrafficCheck {
  readonly pings?: number;
  readonly pingIntervalS?: number;
  readonly echoBytes?: number;
}

/** Pings (one answer is enough) and a checksummed echo: the tunnel carries traffic. By default 2 pings and 1 MB. */
export async function trafficPasses(
  ns: string,
  { pings = 2, pingIntervalS = 1, echoBytes = 1024 * 1024 }: TrafficCheck = {},
): Promise<void> {
  await inNs(ns, "ping", ["-c", String(pings), "-i", String(pingIntervalS), "-W", "3", SERVER_PPP]);
  await checkedEcho(ns, echoBytes, 60_000);
}

/** Polls until a ping through the tunnel is answered; the run time of that answer, or undefined on timeout. */
export async function firstPingAnswered(
  ferry: FerryRun,
  ns: string,
  timeoutMs: number,
): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { received } = await pingStats(ns, 1, 1);
    if (received > 0) return runTime(ferry);
    await sleep(200);
  }
  return undefined;
}

/**
 * A TCP echo stream through the tunnel that runs until stopped: random data, at most 1 MB in flight, the byte count
 * echoed back so far reported every 200 ms. Killed by its own pid (`ip netns exec` runs node in its place).
 */
export class EchoStream {
  received = 0;
  ended: string | undefined;
  private readonly child: ChildProcess;

  constructor(ns: string) {
    const script = `
      const s = require("net").connect(7, "${SERVER_PPP}");
      const chunk = require("crypto").randomBytes(65536);
      let sent = 0, received = 0;
      const pump = () => { while (sent - received < 1048576) { sent += chunk.length; if (!s.write(chunk)) break; } };
      s.on("connect", pump); s.on("drain", pump);
      s.on("data", (c) => { received += c.length; pump(); });
      setInterval(() => console.log(received), 200);
      s.on("error", (e) => { console.log("error " + e.message); process.exit(1); });
      s.on("close", () => { console.log("closed"); process.exit(1); });`;
    this.child = spawn("ip", ["netns", "exec", ns, process.execPath, "-e", script], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    createInterface({ input: this.child.stdout! }).on("line", (line) => {
      if (/^\d+$/.test(line)) this.received = Number(line);
      else this.ended = line;
    });
  }

  /** Waits until `bytes` have come back; false on timeout or if the stream ended. */
  async reach(bytes: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.received < bytes) {
      if (this.ended !== undefined || Date.now() > deadline) return false;
      await sleep(100);
    }
    return true;
  }

  stop(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }
}
