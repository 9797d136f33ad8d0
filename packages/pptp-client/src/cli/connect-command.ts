import { parseArgs } from "node:util";
import { type ConfigureNetwork, type DirectTunnel, openDirectTunnel } from "../direct/direct-tunnel.js";
import { type FerryError, ferryError } from "../errors.js";
import type { SessionOptions } from "../session/config.js";
import { parseCidr } from "../util/ipv4.js";
import { promptPassword, readPasswordFromStdin } from "./password.js";
import { humanReporter, jsonReporter, type Reporter } from "./reporter.js";

export const CONNECT_USAGE = `Usage: ferry connect --server HOST [--user NAME] [--password-stdin] [--mtu N]
                     [--default-route | --route CIDR ...] [--no-dns] [--mppe 128|any|optional]
                     [--mppe-stateful] [--json]

Runs a PPTP tunnel in the foreground (as root) until Ctrl-C.
  --server HOST       the PPTP server (name or IPv4 address)
  --user NAME         the user name (default: $USER); DOMAIN\\\\user works
  --password-stdin    read the password from standard input instead of asking
  --mtu N             tunnel MTU (default 1400; the server's MRU may lower it)
  --default-route     send all traffic through the tunnel
  --route CIDR        send only this network through the tunnel (repeatable)
  --no-dns            leave DNS settings alone
  --mppe MODE         128: only 128-bit MPPE; any (default): 128, 56 or 40-bit; optional: allow no encryption
  --mppe-stateful     use stateful MPPE only (for servers whose stateless mode is broken; recovers worse from loss)
  --json              one JSON object per line instead of sentences`;

export interface ConnectPlan {
  readonly server: string;
  readonly session: Omit<SessionOptions, "password">;
  readonly passwordFromStdin: boolean;
  readonly routes: "default" | readonly string[];
  readonly dns: boolean;
  readonly json: boolean;
}

/** Parses `ferry connect` arguments; a mistake comes back as a USAGE error with the sentence to show. */
export function parseConnectArgs(args: readonly string[], env: NodeJS.ProcessEnv): ConnectPlan | FerryError {
  let values: ReturnType<typeof parse>["values"];
  try {
    values = parse(args).values;
  } catch (error) {
    return usage((error as Error).message);
  }
  if (values.server === undefined) return usage("--server is required.");
  if (values["default-route"] && values.route !== undefined) {
    return usage("--default-route and --route exclude each other: choose one.");
  }
  for (const cidr of values.route ?? [])
    if (parseCidr(cidr) === undefined) return usage(`--route ${cidr} is not an IPv4 CIDR.`);
  const mtu = values.mtu === undefined ? 1400 : Number(values.mtu);
  if (!Number.isInteger(mtu) || mtu < 576 || mtu > 1500)
    return usage("--mtu must be a whole number from 576 to 1500.");
  const strength = mppeOptions(values.mppe ?? "any");
  if (strength === undefined) return usage("--mppe must be 128, any or optional.");
  const mppe = values["mppe-stateful"]
    ? { ...strength, allowStateless: false, allowStateful: true }
    : strength;
  const userName = values.user ?? env.USER;
  if (userName === undefined || userName === "") return usage("--user is required (no $USER to default to).");
  return {
    server: values.server,
    session: { userName, mtu, mppe },
    passwordFromStdin: values["password-stdin"] ?? false,
    // Without --default-route or --route, only the server's own network is reachable: the peer address.
    routes: values["default-route"] ? "default" : (values.route ?? []),
    dns: !(values["no-dns"] ?? false),
    json: values.json ?? false,
  };
}

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    strict: true,
    allowPositionals: false,
    options: {
      server: { type: "string" },
      user: { type: "string" },
      "password-stdin": { type: "boolean" },
      mtu: { type: "string" },
      "default-route": { type: "boolean" },
      route: { type: "string", multiple: true },
      "no-dns": { type: "boolean" },
      mppe: { type: "string" },
      "mppe-stateful": { type: "boolean" },
      json: { type: "boolean" },
    },
  });
}

function mppeOptions(mode: string): SessionOptions["mppe"] | undefined {
  if (mode === "128") return { required: true, strengths: [128] };
  if (mode === "any") return { required: true, strengths: [128, 56, 40] };
  if (mode === "optional") return { required: false, strengths: [128, 56, 40] };
  return undefined;
}

function usage(sentence: string): FerryError {
  return ferryError("USAGE", sentence, "Run `ferry connect --help` for the options.");
}

export interface ConnectIo {
  readonly stdin: NodeJS.ReadableStream;
  readonly write: (line: string) => void;
  readonly configureFor: (plan: ConnectPlan) => ConfigureNetwork;
  /** Registers the handler for Ctrl-C / SIGTERM. */
  readonly onInterrupt: (handler: () => void) => void;
}

/**
 * Runs `ferry connect` to the end. Exit status 0 only after a session that came up and was ended by the user;
 * 1 for a failure, 2 for a usage mistake.
 */
export async function runConnect(plan: ConnectPlan, io: ConnectIo): Promise<number> {
  let ifname: string | undefined;
  const reporter: Reporter = plan.json ? jsonReporter(io.write, () => ifname) : humanReporter(io.write);
  const password = plan.passwordFromStdin
    ? await readPasswordFromStdin(io.stdin)
    : await promptPassword(`Password for ${plan.session.userName}@${plan.server}: `);
  if (!password.ok) {
    reporter.error(password.error);
    return 2;
  }
  let userEnded = false;
  let tunnel: DirectTunnel | undefined;
  io.onInterrupt(() => {
    userEnded = true;
    tunnel?.disconnect();
  });
  const opened = await openDirectTunnel({
    server: plan.server,
    session: { ...plan.session, password: password.value },
    configure: io.configureFor(plan),
    onEvent: (event) => {
      if (event.type === "tun-opened") ifname = event.ifname;
      reporter.event(event);
    },
  });
  if (!opened.ok) {
    reporter.error(opened.error);
    reporter.disconnected("error");
    return 1;
  }
  tunnel = opened.value;
  if (userEnded) tunnel.disconnect();
  const { error, connected } = await tunnel.closed;
  if (error !== undefined) {
    reporter.error(error);
    reporter.disconnected("error");
    return 1;
  }
  reporter.disconnected(userEnded ? "user" : "error");
  return userEnded && connected ? 0 : 1;
}
