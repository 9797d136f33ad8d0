/**
 * The path MTU to the server, measured the way the field guide suggests checking it: pings with don't-fragment set
 * (iputils `ping -M do`), binary-searching the largest packet that gets an answer between 576 and 1500 bytes.
 * A ping that is lost for another reason makes the result smaller, never larger: the advice errs on the safe side.
 */
import { execFile } from "node:child_process";
import type { PathMtuObservation } from "./observations.js";
import { MIN_IPV4_MTU } from "./tunnel-mtu.js";

export const MAX_PROBED_MTU = 1500;
/** IPv4 (20) and ICMP echo (8) headers: ping's -s is the payload size, the MTU counts the whole packet. */
const PING_HEADERS = 28;

export interface PingResult {
  readonly replied: boolean;
  /** The MTU named by "Frag needed and DF set (mtu = N)" or "message too long, mtu=N", when ping printed one. */
  readonly reportedMtu?: number;
  /** Set when ping could not run at all. */
  readonly error?: string;
}

/** Sends one don't-fragment ping of `packetSize` bytes (headers included) to `address`. Never rejects. */
export type DfPing = (address: string, packetSize: number) => Promise<PingResult>;

export async function measurePathMtu(
  address: string,
  ping: DfPing = systemPing,
): Promise<PathMtuObservation> {
  let probes = 0;
  let reportedMtu: number | undefined;
  const fits = async (size: number): Promise<PingResult> => {
    probes++;
    const result = await ping(address, size);
    if (result.reportedMtu !== undefined) reportedMtu = result.reportedMtu;
    return result;
  };
  const smallest = await fits(MIN_IPV4_MTU);
  if (smallest.error !== undefined) return { outcome: "failed", error: smallest.error };
  if (!smallest.replied) return { outcome: "no-answer" };
  let good = MIN_IPV4_MTU;
  let bad = MAX_PROBED_MTU + 1;
  // Most paths carry 1500: try it first so the common case costs one more ping.
  if ((await fits(MAX_PROBED_MTU)).replied) good = MAX_PROBED_MTU;
  else bad = MAX_PROBED_MTU;
  while (bad - good > 1) {
    const size = Math.floor((good + bad) / 2);
    if ((await fits(size)).replied) good = size;
    else bad = size;
  }
  return {
    outcome: "measured",
    pathMtu: good,
    probes,
    ...(reportedMtu === undefined ? {} : { reportedMtu }),
  };
}

export const systemPing: DfPing = (address, packetSize) =>
  new Promise((resolve) => {
    const args = ["-M", "do", "-c", "1", "-W", "1", "-n", "-s", String(packetSize - PING_HEADERS), address];
    execFile("ping", args, { timeout: 5000 }, (error, stdout, stderr) => {
      resolve(interpretPing(error === null ? 0 : (error.code ?? error.message), `${stdout}\n${stderr}`));
    });
  });

/**
 * iputils ping's verdict: exit status 0 is an answer; 1 no answer (lost, "Frag needed" from a router, or the
 * local "message too long"); anything else (2, or a spawn error such as ENOENT) means ping could not run.
 */
export function interpretPing(exit: number | string | undefined, output: string): PingResult {
  const mtu = /mtu ?= ?(\d+)/.exec(output)?.[1];
  const reported = mtu === undefined ? {} : { reportedMtu: Number(mtu) };
  if (exit === 0) return { replied: true, ...reported };
  if (exit === 1) return { replied: false, ...reported };
  const said = output
    .trim()
    .split("\n")
    .find((line) => line.startsWith("ping:"));
  return { replied: false, error: typeof exit === "string" ? exit : (said ?? `ping exited with ${exit}`) };
}
