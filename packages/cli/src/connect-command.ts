import { parseArgs } from "node:util";
import type { FerryError, SessionOptions } from "@ferry/pptp-client";
import type { ConfigureNetwork } from "@ferry/pptp-client/tunnel";
import { parseCidr } from "@ferry/pptp-client/wire";
import { type Connection, connect, type RelayConfig, type TransportMode } from "@ferry/wrap";
import { promptPassword, readPasswordFromStdin } from "./password.js";
import { type RelayPlan, readRelayToken, relayPlan } from "./relay-options.js";
import { humanReporter, jsonReporter, type Reporter } from "./reporter.js";
import { usageError as usage } from "./usage-error.js";

export const CONNECT_USAGE = `Usage: ferry connect --server HOST [--user NAME] [--password-stdin] [--mtu N]
                     [--default-route | --route CIDR ...] [--no-dns] [--mppe 128|any|optional]
                     [--mppe-stateful] [--json]
                     [--transport auto|direct|wrap] [--gre-timeout SECONDS]
                     [--relay wss://HOST:PORT --relay-token-file FILE
                      [--relay-ca FILE | --relay-fingerprint SHA256]]

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
  --json              one JSON object per line instead of sentences
  --transport MODE    auto (default): direct, switching to the relay when GRE does not get through;
                      direct: TCP 1723 and GRE only; wrap: always through the relay
  --gre-timeout S     how long auto waits for GRE after the call is set up (default 3)
  --relay URL         the Ferry relay, wss://HOST[:PORT][/PATH] (HTTPS_PROXY is honoured)
  --relay-token-file FILE   the file holding this profile's relay token
  --relay-ca FILE     trust only this CA for the relay's certificate (default: the system's CAs)
  --relay-fingerprint SHA256   accept only the relay certificate with this SHA-256 fingerprint`;

export interface ConnectPlan {
  readonly server: string;
  readonly session: Omit<SessionOptions, "password">;
  readonly passwordFromStdin: boolean;
  readonly routes: "default" | readonly string[];
  readonly dns: boolean;
  readonly json: boolean;
  readonly transport: TransportMode;
  readonly greTimeoutMs?: number;
  readonly relay?: RelayPlan;
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
  const transport = values.transport ?? "auto";
  if (transport !== "auto" && transport !== "direct" && transport !== "wrap")
    return usage("--transport must be auto, direct or wrap.");
  const greTimeout = values["gre-timeout"] === undefined ? undefined : Number(values["gre-timeout"]);
  if (greTimeout !== undefined && !(greTimeout > 0 && greTimeout <= 60))
    return usage("--gre-timeout must be a number of seconds from 0 to 60.");
  const relay = relayPlan(values);
  if (relay !== undefined && "code" in relay) return relay;
  if (transport === "wrap" && relay === undefined)
    return usage("--transport wrap needs --relay and --relay-token-file.");
  return {
    server: values.server,
    session: { userName, mtu, mppe },
    passwordFromStdin: values["password-stdin"] ?? false,
    // Without --default-route or --route, only the server's own network is reachable: the peer address.
    routes: values["default-route"] ? "default" : (values.route ?? []),
    dns: !(values["no-dns"] ?? false),
    json: values.json ?? false,
    transport,
    ...(greTimeout === undefined ? {} : { greTimeoutMs: greTimeout * 1000 }),
    ...(relay === undefined ? {} : { relay }),
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
      transport: { type: "string" },
      "gre-timeout": { type: "string" },
      relay: { type: "string" },
      "relay-token-file": { type: "string" },
      "relay-ca": { type: "string" },
      "relay-fingerprint": { type: "string" },
    },
  });
}

function mppeOptions(mode: string): SessionOptions["mppe"] | undefined {
  if (mode === "128") return { required: true, strengths: [128] };
  if (mode === "any") return { required: true, strengths: [128, 56, 40] };
  if (mode === "optional") return { required: false, strengths: [128, 56, 40] };
  return undefined;
}

export interface ConnectIo {
  readonly stdin: NodeJS.ReadableStream;
  readonly write: (line: string) => void;
  readonly configureFor: (plan: ConnectPlan) => ConfigureNetwork;
  /** Where `auto` remembers per network which transport worked. */
  readonly decisionsFile: string;
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
  let relay: RelayConfig | undefined;
  if (plan.relay !== undefined) {
    const token = await readRelayToken(plan.relay.tokenFile);
    if (!token.ok) {
      reporter.error(token.error);
      return 2;
    }
    relay = { url: plan.relay.url, token: token.value, trust: plan.relay.trust };
  }
  let userEnded = false;
  io.onInterrupt(() => {
    userEnded = true;
    connection.disconnect();
  });
  const connection: Connection = connect({
    server: plan.server,
    session: { ...plan.session, password: password.value },
    transport: plan.transport,
    ...(relay === undefined ? {} : { relay }),
    ...(plan.greTimeoutMs === undefined ? {} : { greTimeoutMs: plan.greTimeoutMs }),
    decisionsFile: io.decisionsFile,
    configure: io.configureFor(plan),
    onEvent: (event) => {
      if (event.type === "tun-opened") ifname = event.ifname;
      reporter.event(event);
    },
  });
  const { error, connected, stats } = await connection.closed;
  if (stats !== undefined) reporter.stats(stats);
  if (error !== undefined) {
    reporter.error(error);
    reporter.disconnected("error");
    return 1;
  }
  reporter.disconnected(userEnded ? "user" : "error");
  return userEnded && connected ? 0 : 1;
}
