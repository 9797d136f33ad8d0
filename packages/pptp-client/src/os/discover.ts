/** What the planner needs to know about the host before the tunnel changes anything. */
import { constants } from "node:fs";
import { access, readFile, realpath } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { ferryError } from "../errors.js";
import { failed, type IoResult, opened } from "../io/io-result.js";
import { type CommandRunner, execFileRunner } from "./command-runner.js";
import { osConfigError } from "./os-errors.js";
import type { Resolver, ServerRoute } from "./plan-tunnel-config.js";
import { RESOLV_CONF_PATH, type ResolvConfState } from "./resolv-conf.js";

/** The route in `ip -j route get` output, or undefined when it names no device. */
export function parseRouteGet(stdout: string): ServerRoute | undefined {
  let routes: unknown;
  try {
    routes = JSON.parse(stdout);
  } catch {
    return undefined;
  }
  const route = Array.isArray(routes) ? (routes[0] as Record<string, unknown> | undefined) : undefined;
  if (typeof route?.["dev"] !== "string") return undefined;
  return typeof route["gateway"] === "string"
    ? { gateway: route["gateway"], dev: route["dev"] }
    : { dev: route["dev"] };
}

/** How the server is reached now; a server the host has no route to cannot be reached by PPTP either. */
export async function discoverServerRoute(
  server: string,
  run: CommandRunner = execFileRunner,
): Promise<IoResult<ServerRoute>> {
  const outcome = await run(["ip", "-j", "route", "get", server]);
  const route = outcome.ok ? parseRouteGet(outcome.stdout) : undefined;
  if (route !== undefined) return opened(route);
  return failed(
    ferryError(
      "SERVER_UNREACHABLE",
      `This host has no route to the server ${server}.`,
      "Check the network connection (ip route get SERVER should name a gateway or an interface).",
      { server, stderr: outcome.ok ? "" : outcome.stderr },
    ),
  );
}

/** systemd-resolved is in charge when /etc/resolv.conf leads to its files and resolvectl can talk to it. */
export function chooseResolver(resolvConfTarget: string | undefined, hasResolvectl: boolean): Resolver {
  const managed = resolvConfTarget?.startsWith("/run/systemd/resolve/") ?? false;
  return managed && hasResolvectl ? "resolved" : "resolv.conf";
}

export async function detectResolver(): Promise<Resolver> {
  const target = await realpath(RESOLV_CONF_PATH).catch(() => undefined);
  return chooseResolver(target, await onPath("resolvectl"));
}

/**
 * The current resolver file, read before the plan so its undo can restore it byte for byte (latin1 maps
 * every byte to one character and back, whatever the file's encoding).
 */
export async function readResolvConf(path: string = RESOLV_CONF_PATH): Promise<IoResult<ResolvConfState>> {
  try {
    return opened({ path, original: await readFile(path, "latin1") });
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === "ENOENT") return opened({ path, original: null });
    return failed(osConfigError(`reading ${path}`, `read ${path}`, String(cause)));
  }
}

async function onPath(command: string): Promise<boolean> {
  for (const directory of (process.env["PATH"] ?? "").split(delimiter)) {
    if (directory === "") continue;
    try {
      await access(join(directory, command), constants.X_OK);
      return true;
    } catch {
      // Not in this directory.
    }
  }
  return false;
}
