/**
 * The commands that drive ferryd, the service that owns tunnels: `ferry status`, `ferry up PROFILE`, `ferry down`,
 * `ferry profiles`. Without the service, `ferry connect` still runs a tunnel in the foreground.
 */
import { parseArgs } from "node:util";
import {
  type ConnectSecrets,
  connectService,
  DEFAULT_SOCKET_PATH,
  type Health,
  type ProfileSummary,
  type ServiceClient,
} from "@ferry/service";
import { keytarKeychain, readConnectSecrets } from "@ferry/service/keychain";
import { readPasswordFromStdin } from "./password.js";
import { usageError } from "./usage-error.js";

export const SERVICE_USAGE = `Usage: ferry status [--json]          the tunnel's state and health figures
       ferry profiles [--json]        the profiles the service knows (managed ones pushed by IT)
       ferry up PROFILE [--password-stdin]   connect through the service (password from the keychain by default)
       ferry down                     disconnect
  --socket PATH   the service's socket (default ${DEFAULT_SOCKET_PATH}, or $FERRY_SOCKET)`;

export type ServiceCommand = "status" | "profiles" | "up" | "down";

export interface ServiceIo {
  readonly write: (line: string) => void;
  readonly stdin: NodeJS.ReadableStream;
  readonly env: NodeJS.ProcessEnv;
}

type Values = ReturnType<typeof parse>["values"];

/** Exit status 0 on success, 1 when the service refused or failed, 2 for a usage mistake. */
export async function runServiceCommand(
  command: ServiceCommand,
  args: readonly string[],
  io: ServiceIo,
): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    return fail(io, usageError((error as Error).message, command));
  }
  const { values, positionals } = parsed;
  const wantsProfile = command === "up";
  if (positionals.length !== (wantsProfile ? 1 : 0)) {
    const sentence = wantsProfile ? "Name the profile: ferry up PROFILE." : "No arguments expected.";
    return fail(io, usageError(sentence, command));
  }
  let client: ServiceClient | undefined;
  try {
    client = await connectService(values.socket ?? io.env.FERRY_SOCKET ?? DEFAULT_SOCKET_PATH);
    return await dispatch(command, client, values, positionals[0], io);
  } catch (error) {
    return fail(io, error as { code: string; message: string; hint: string });
  } finally {
    client?.close();
  }
}

async function dispatch(
  command: ServiceCommand,
  client: ServiceClient,
  values: Values,
  profileId: string | undefined,
  io: ServiceIo,
): Promise<number> {
  switch (command) {
    case "status":
      return show(io, await client.status(), values.json ?? false);
    case "profiles":
      return listProfiles(io, await client.listProfiles(), values.json ?? false);
    case "down":
      return show(io, await client.disconnect(), false);
    case "up": {
      const profile = (await client.listProfiles()).find((p) => p.id === profileId);
      if (profile === undefined || profileId === undefined)
        return fail(io, usageError(`There is no profile "${profileId}"; see ferry profiles.`, "up"));
      const secrets = await secretsFor(profile, values["password-stdin"] ?? false, io);
      return show(io, await client.connect(profileId, secrets), false);
    }
  }
}

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    strict: true,
    allowPositionals: true,
    options: {
      socket: { type: "string" },
      json: { type: "boolean" },
      "password-stdin": { type: "boolean" },
    },
  });
}

/** The password from standard input when asked, else from the user's keychain (with the relay token). */
async function secretsFor(
  profile: ProfileSummary,
  fromStdin: boolean,
  io: ServiceIo,
): Promise<ConnectSecrets> {
  if (!fromStdin) return readConnectSecrets(keytarKeychain(), profile);
  const password = await readPasswordFromStdin(io.stdin);
  if (!password.ok) throw password.error;
  return { password: password.value };
}

function show(io: ServiceIo, health: Health, json: boolean): number {
  if (json) {
    io.write(JSON.stringify(health));
    return 0;
  }
  io.write(describeHealth(health));
  if (health.error !== undefined)
    io.write(`  Error [${health.error.code}]: ${health.error.message}\n  Try: ${health.error.hint}`);
  return health.state === "error" ? 1 : 0;
}

/** One line: the state, the profile and transport, and the figures a person glances at. */
export function describeHealth(health: Health): string {
  const parts: string[] = [health.state];
  if (health.profileId !== undefined) parts.push(`profile ${health.profileId}`);
  if (health.transport !== undefined) parts.push(health.transport === "wrap" ? "via relay" : "direct");
  if (health.degradedBecause !== undefined) parts.push(health.degradedBecause);
  if (health.rttMs !== undefined) parts.push(`RTT ${Math.round(health.rttMs)} ms`);
  if (health.lossPercent !== undefined) parts.push(`loss ${health.lossPercent.toFixed(1)} %`);
  if (health.state !== "disconnected" && health.state !== "connecting")
    parts.push(`in ${formatRate(health.rateInBps)}, out ${formatRate(health.rateOutBps)}`);
  if (health.uptimeMs !== undefined) parts.push(`up ${Math.round(health.uptimeMs / 1000)} s`);
  return parts.join(", ");
}

function formatRate(bitsPerSecond: number): string {
  if (bitsPerSecond >= 1e6) return `${(bitsPerSecond / 1e6).toFixed(1)} Mbit/s`;
  if (bitsPerSecond >= 1e3) return `${(bitsPerSecond / 1e3).toFixed(1)} kbit/s`;
  return `${Math.round(bitsPerSecond)} bit/s`;
}

function listProfiles(io: ServiceIo, profiles: readonly ProfileSummary[], json: boolean): number {
  if (json) {
    io.write(JSON.stringify(profiles));
    return 0;
  }
  if (profiles.length === 0) io.write("No profiles. Put one in ~/.config/ferry/profiles or ask IT.");
  for (const p of profiles) {
    const flags = [
      p.managed ? "managed" : "",
      p.problems.length > 0 ? `${p.problems.length} problem(s)` : "",
    ];
    io.write(
      `${p.id}\t${p.name}\t${p.userName}@${p.server}\t${p.transport}\t${flags.filter(Boolean).join(", ")}`,
    );
  }
  return 0;
}

function fail(io: ServiceIo, error: { code: string; message: string; hint: string }): number {
  io.write(`Error [${error.code}]: ${error.message}\n  Try: ${error.hint}`);
  return error.code === "USAGE" ? 2 : 1;
}
