/**
 * ferry-relay's command line: parsed with node:util parseArgs, then the files it names are read. Usage mistakes and
 * unreadable files are values with a sentence saying what to fix; main.ts turns them into exit codes 2 and 1.
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { parseIpv4 } from "@ferry/pptp-client/wire";
import { Allowlist } from "../relay/allowlist.js";
import { type ConnectionRateLimits, DEFAULT_CONNECTION_RATE } from "../relay/connection-rate-limit.js";
import { TokenSet } from "../relay/relay-tokens.js";
import {
  DEFAULT_DRAIN_MS,
  DEFAULT_MAX_SESSIONS,
  DEFAULT_MAX_SESSIONS_PER_SOURCE,
  type HostPort,
  type RelayOptions,
} from "./relay-options.js";

export const RELAY_USAGE = `Usage: ferry-relay --listen HOST:PORT --cert FILE --key FILE --tokens-file FILE --allow HOST[,HOST...]
                   [--metrics HOST:PORT] [--max-sessions N] [--max-sessions-per-source N]
                   [--drain-seconds N] [--client-ca FILE [--require-client-cert]] [--gre-probe-address IPV4]
                   [--connection-rate N [--connection-burst N]]

  --listen HOST:PORT          where clients connect (TLS WebSocket, path /ferry), e.g. 0.0.0.0:443
  --cert FILE, --key FILE     the relay's PEM certificate (chain) and private key
  --tokens-file FILE          bearer tokens, one per line; # comments and blank lines are ignored
  --allow HOST[,HOST...]      the PPTP servers clients may reach: IPv4 addresses or host names (repeatable)
  --metrics HOST:PORT         serve /metrics (Prometheus) and /healthz over plain HTTP, e.g. 127.0.0.1:9723
  --max-sessions N            sessions at once (default ${DEFAULT_MAX_SESSIONS})
  --max-sessions-per-source N sessions at once from one client address (default ${DEFAULT_MAX_SESSIONS_PER_SOURCE})
  --drain-seconds N           on SIGTERM/SIGINT, how long sessions drain after goaway (default ${DEFAULT_DRAIN_MS / 1000})
  --client-ca FILE            accept TLS client certificates signed by this CA in place of a token
  --require-client-cert       with --client-ca: refuse clients without a valid certificate
  --gre-probe-address IPV4    the address clients send GRE probes to, when it is not the relay's own address
                              toward the servers (a relay behind a 1:1 NAT names its public address)
  --connection-rate N         new connections a second from one client address (IPv6: /64), checked before TLS;
                              faster ones are closed at once (default ${DEFAULT_CONNECTION_RATE.perSecond}; 0 turns the limit off)
  --connection-burst N        new connections one address may open at once (default twice the rate: ${DEFAULT_CONNECTION_RATE.burst})
`;

export interface RelayArgs {
  readonly listen: HostPort;
  readonly cert: string;
  readonly key: string;
  readonly tokensFile: string;
  readonly allow: readonly string[];
  readonly metrics?: HostPort;
  readonly maxSessions: number;
  readonly maxSessionsPerSource: number;
  readonly drainMs: number;
  readonly clientCa?: string;
  readonly requireClientCert: boolean;
  readonly greProbeAddress?: string;
  readonly connectionRate: Pick<ConnectionRateLimits, "perSecond" | "burst">;
}

export type ArgsResult =
  | { readonly ok: true; readonly value: RelayArgs }
  | { readonly ok: false; readonly help: true }
  | { readonly ok: false; readonly help?: false; readonly message: string };

export function parseRelayArgs(argv: readonly string[]): ArgsResult {
  let values: ReturnType<typeof parse>["values"];
  try {
    values = parse(argv).values;
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
  if (values.help) return { ok: false, help: true };
  for (const name of ["listen", "cert", "key", "tokens-file", "allow"] as const) {
    if (values[name] === undefined) return { ok: false, message: `--${name} is required.` };
  }
  const listen = parseHostPort(values.listen!);
  if (listen === undefined) return { ok: false, message: `--listen ${values.listen} is not HOST:PORT.` };
  const metrics = values.metrics === undefined ? undefined : parseHostPort(values.metrics);
  if (values.metrics !== undefined && metrics === undefined) {
    return { ok: false, message: `--metrics ${values.metrics} is not HOST:PORT.` };
  }
  const maxSessions = positiveInteger(values["max-sessions"], DEFAULT_MAX_SESSIONS);
  const maxSessionsPerSource = positiveInteger(
    values["max-sessions-per-source"],
    DEFAULT_MAX_SESSIONS_PER_SOURCE,
  );
  const drainSeconds = positiveInteger(values["drain-seconds"], DEFAULT_DRAIN_MS / 1000, true);
  if (maxSessions === undefined) return { ok: false, message: "--max-sessions must be a positive integer." };
  if (maxSessionsPerSource === undefined) {
    return { ok: false, message: "--max-sessions-per-source must be a positive integer." };
  }
  if (drainSeconds === undefined)
    return { ok: false, message: "--drain-seconds must be a whole number of seconds." };
  if (values["require-client-cert"] && values["client-ca"] === undefined) {
    return { ok: false, message: "--require-client-cert needs --client-ca." };
  }
  const perSecond = positiveInteger(values["connection-rate"], DEFAULT_CONNECTION_RATE.perSecond, true);
  if (perSecond === undefined) {
    return {
      ok: false,
      message: "--connection-rate must be a whole number of connections a second (0: off).",
    };
  }
  const burst = positiveInteger(values["connection-burst"], Math.max(1, 2 * perSecond));
  if (burst === undefined) return { ok: false, message: "--connection-burst must be a positive integer." };
  const greProbeAddress = values["gre-probe-address"];
  if (greProbeAddress !== undefined && parseIpv4(greProbeAddress) === undefined) {
    return { ok: false, message: `--gre-probe-address ${greProbeAddress} is not an IPv4 address.` };
  }
  return {
    ok: true,
    value: {
      listen,
      cert: values.cert!,
      key: values.key!,
      tokensFile: values["tokens-file"]!,
      allow: values.allow!.flatMap((list) => list.split(",")),
      ...(metrics === undefined ? {} : { metrics }),
      maxSessions,
      maxSessionsPerSource,
      drainMs: drainSeconds * 1000,
      ...(values["client-ca"] === undefined ? {} : { clientCa: values["client-ca"] }),
      requireClientCert: values["require-client-cert"] ?? false,
      ...(greProbeAddress === undefined ? {} : { greProbeAddress }),
      connectionRate: { perSecond, burst },
    },
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      listen: { type: "string" },
      cert: { type: "string" },
      key: { type: "string" },
      "tokens-file": { type: "string" },
      allow: { type: "string", multiple: true },
      metrics: { type: "string" },
      "max-sessions": { type: "string" },
      "max-sessions-per-source": { type: "string" },
      "drain-seconds": { type: "string" },
      "client-ca": { type: "string" },
      "require-client-cert": { type: "boolean" },
      "gre-probe-address": { type: "string" },
      "connection-rate": { type: "string" },
      "connection-burst": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}

/** "host:port", "[v6]:port"; the port 0..65535. */
export function parseHostPort(text: string): HostPort | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  if (match === null) return undefined;
  const port = Number(match[3]);
  if (port > 65535) return undefined;
  return { host: match[1] ?? match[2]!, port };
}

function positiveInteger(text: string | undefined, fallback: number, zeroOk = false): number | undefined {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) && (value > 0 || zeroOk) ? value : undefined;
}

export type OptionsResult =
  | { readonly ok: true; readonly value: RelayOptions }
  | { readonly ok: false; readonly message: string };

/** Reads the certificate, key, CA and tokens files; checks the tokens and the allowlist. */
export async function loadRelayOptions(args: RelayArgs): Promise<OptionsResult> {
  const read = async (file: string, flag: string): Promise<Buffer | string> => {
    try {
      return await readFile(file);
    } catch (error) {
      return `cannot read ${flag} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
    }
  };
  const [cert, key, tokensText, clientCa] = await Promise.all([
    read(args.cert, "--cert"),
    read(args.key, "--key"),
    read(args.tokensFile, "--tokens-file"),
    args.clientCa === undefined ? undefined : read(args.clientCa, "--client-ca"),
  ]);
  for (const file of [cert, key, tokensText, clientCa])
    if (typeof file === "string") return { ok: false, message: file };
  const tokens = TokenSet.parseFile(tokensText!.toString("utf8"), args.tokensFile);
  if (!tokens.ok) return { ok: false, message: `${tokens.error.message} ${tokens.error.hint}` };
  const allow = Allowlist.parse(args.allow);
  if (!allow.ok) return { ok: false, message: `${allow.error.message} ${allow.error.hint}` };
  return {
    ok: true,
    value: {
      listen: args.listen,
      cert: cert as Buffer,
      key: key as Buffer,
      ...(clientCa === undefined
        ? {}
        : { clientCa: clientCa as Buffer, requireClientCert: args.requireClientCert }),
      tokens: tokens.value,
      allow: allow.value,
      ...(args.metrics === undefined ? {} : { metrics: args.metrics }),
      maxSessions: args.maxSessions,
      maxSessionsPerSource: args.maxSessionsPerSource,
      drainMs: args.drainMs,
      ...(args.greProbeAddress === undefined ? {} : { greProbeAddress: args.greProbeAddress }),
      connectionRate: args.connectionRate,
    },
  };
}
