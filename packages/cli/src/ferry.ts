import { join } from "node:path";
import type { FerryError } from "@ferry/pptp-client";
import { configureLinuxNetwork, restoreLeftovers } from "@ferry/pptp-client/tunnel";
import { CONNECT_USAGE, parseConnectArgs, runConnect } from "./connect-command.js";
import { DIAGNOSE_USAGE, parseDiagnoseArgs, runDiagnose } from "./diagnose-command.js";
import { PROFILE_USAGE, runProfileCommand } from "./profile-command.js";
import { runServiceCommand, SERVICE_USAGE, type ServiceCommand } from "./service-commands.js";

const USAGE = `Usage: ferry <command> [options]

Commands:
  connect    run a PPTP tunnel in the foreground (ferry connect --help)
  diagnose   run the PPTP troubleshooting checklist against a server (ferry diagnose --help)
  profile    validate connection profiles, or import them from rasphone.pbk / NetworkManager (ferry profile --help)
  status, profiles, up PROFILE, down
             drive the Ferry service (ferryd), which keeps tunnels up in the background (ferry status --help)`;

const SERVICE_COMMANDS: readonly string[] = ["status", "profiles", "up", "down"] satisfies ServiceCommand[];

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined || command === "--help" || command === "-h") {
    console.log(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === "profile") {
    if (args.length === 0 || args[0] === "--help" || args[0] === "-h") {
      console.log(PROFILE_USAGE);
      return args.length === 0 ? 2 : 0;
    }
    return runProfileCommand(args, {
      write: (line) => console.log(line),
      error: (line) => console.error(line),
    });
  }
  if (SERVICE_COMMANDS.includes(command)) {
    if (args.includes("--help") || args.includes("-h")) {
      console.log(SERVICE_USAGE);
      return 0;
    }
    return runServiceCommand(command as ServiceCommand, args, {
      write: (line) => console.log(line),
      stdin: process.stdin,
      env: process.env,
    });
  }
  if (command !== "connect" && command !== "diagnose") {
    console.error(`ferry: unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }
  if (args.includes("--help") || args.includes("-h")) {
    console.log(command === "connect" ? CONNECT_USAGE : DIAGNOSE_USAGE);
    return 0;
  }
  if (command === "diagnose") {
    const plan = parseDiagnoseArgs(args);
    if ("code" in plan) return usageFailure(plan);
    return runDiagnose(plan, (text) => console.log(text));
  }
  const plan = parseConnectArgs(args, process.env);
  if ("code" in plan) return usageFailure(plan);
  // A run that was killed left its routes and DNS in place: put them back before anything else.
  for (const leftover of await restoreLeftovers()) {
    if (leftover.kind === "restored")
      console.error(`Restored the network settings a previous run left on ${leftover.ifname}.`);
  }
  return runConnect(plan, {
    stdin: process.stdin,
    write: (line) => console.log(line),
    configureFor: (p) => configureLinuxNetwork({ routes: p.routes, dns: p.dns }),
    decisionsFile: join(process.env.FERRY_STATE_DIR ?? "/var/lib/ferry", "transport-decisions.json"),
    onInterrupt: (handler) => {
      process.on("SIGINT", handler);
      process.on("SIGTERM", handler);
    },
  });
}

function usageFailure(error: FerryError): number {
  console.error(`Error [${error.code}]: ${error.message}\n  Try: ${error.hint}`);
  return 2;
}

process.exitCode = await main(process.argv.slice(2));
