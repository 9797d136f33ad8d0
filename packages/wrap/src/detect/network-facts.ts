/**
 * What the computer knows about the network it is on, read from iproute2 and the interfaces: the key decisions are
 * remembered under, its own IPv4 addresses (CGNAT evidence) and the default gateway (whom to ask over NAT-PMP).
 */
import { execFile } from "node:child_process";
import { networkInterfaces } from "node:os";
import { promisify } from "node:util";
import { defaultRoute, networkKey } from "./network-identity.js";

const run = promisify(execFile);

export interface NetworkFacts {
  /** Undefined without an IPv4 default route (nothing to remember a decision under). */
  readonly key: string | undefined;
  readonly localAddresses: readonly string[];
  readonly gateway: string | undefined;
}

/** Never rejects: a computer without iproute2 output simply has no key and no gateway. */
export async function readNetworkFacts(): Promise<NetworkFacts> {
  const [routes, addresses] = await Promise.all([
    ipJson(["route", "show", "default"]),
    ipJson(["addr", "show"]),
  ]);
  return {
    key: networkKey(routes, addresses),
    localAddresses: Object.values(networkInterfaces())
      .flatMap((list) => list ?? [])
      .filter((entry) => entry.family === "IPv4" && !entry.internal)
      .map((entry) => entry.address),
    gateway: defaultRoute(routes)?.gateway,
  };
}

async function ipJson(args: readonly string[]): Promise<string> {
  try {
    return (await run("ip", ["-j", ...args], { timeout: 2000 })).stdout;
  } catch {
    return "[]";
  }
}
