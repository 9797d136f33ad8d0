/** ferryd's command line. */
import { parseArgs } from "node:util";
import { DEFAULT_SOCKET_PATH } from "./api/protocol.js";

export const FERRYD_USAGE = `Usage: ferryd [--socket PATH] [--group NAME | --user NAME] [--profiles-dir DIR]
              [--system-profiles-dir DIR]

The Ferry service: owns the tunnel and serves the local API (run as root; systemd starts it).
  --socket PATH               where the API listens (default ${DEFAULT_SOCKET_PATH})
  --group NAME                members of this group may use the API (default ferry; without such a group, root only)
  --user NAME                 this user owns the socket (a per-user service; no group unless --group is given)
  --profiles-dir DIR          the user profiles folder
  --system-profiles-dir DIR   the system profiles IT pushes (default /etc/ferry/profiles.d)`;

export interface FerrydArgs {
  readonly socket: string;
  readonly group?: string;
  readonly user?: string;
  readonly profilesDir?: string;
  readonly systemProfilesDir: string;
}

export const DEFAULT_SYSTEM_PROFILES_DIR = "/etc/ferry/profiles.d";

/** The arguments, "help", or the usage mistake in one sentence. */
export function parseFerrydArgs(args: readonly string[]): FerrydArgs | "help" | { readonly error: string } {
  let values: ReturnType<typeof parse>["values"];
  try {
    values = parse(args).values;
  } catch (error) {
    return { error: (error as Error).message };
  }
  if (values.help) return "help";
  for (const name of ["socket", "group", "user", "profiles-dir", "system-profiles-dir"] as const)
    if (values[name] === "") return { error: `--${name} needs a value.` };
  // A per-user service is that user's alone unless a group is named too.
  const group = values.group ?? (values.user === undefined ? "ferry" : undefined);
  return {
    socket: values.socket ?? DEFAULT_SOCKET_PATH,
    ...(group === undefined ? {} : { group }),
    ...(values.user === undefined ? {} : { user: values.user }),
    ...(values["profiles-dir"] === undefined ? {} : { profilesDir: values["profiles-dir"] }),
    systemProfilesDir: values["system-profiles-dir"] ?? DEFAULT_SYSTEM_PROFILES_DIR,
  };
}

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    strict: true,
    allowPositionals: false,
    options: {
      socket: { type: "string" },
      group: { type: "string" },
      user: { type: "string" },
      "profiles-dir": { type: "string" },
      "system-profiles-dir": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}
