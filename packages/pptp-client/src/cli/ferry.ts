import { configureLinuxNetwork } from "../direct/configure-linux.js";
import { restoreLeftovers } from "../os/restore-leftovers.js";
import { CONNECT_USAGE, parseConnectArgs, runConnect } from "./connect-command.js";

const USAGE = `Usage: ferry <command> [options]

Commands:
  connect    run a PPTP tunnel in the foreground (ferry connect --help)`;

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined || command === "--help" || command === "-h") {
    console.log(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command !== "connect") {
    console.error(`ferry: unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }
  if (args.includes("--help") || args.includes("-h")) {
    console.log(CONNECT_USAGE);
    return 0;
  }
  const plan = parseConnectArgs(args, process.env);
  if ("code" in plan) {
    console.error(`Error [${plan.code}]: ${plan.message}\n  Try: ${plan.hint}`);
    return 2;
  }
  // A run that was killed left its routes and DNS in place: put them back before anything else.
  for (const leftover of await restoreLeftovers()) {
    if (leftover.kind === "restored")
      console.error(`Restored the network settings a previous run left on ${leftover.ifname}.`);
  }
  return runConnect(plan, {
    stdin: process.stdin,
    write: (line) => console.log(line),
    configureFor: (p) => configureLinuxNetwork({ routes: p.routes, dns: p.dns }),
    onInterrupt: (handler) => {
      process.on("SIGINT", handler);
      process.on("SIGTERM", handler);
    },
  });
}

process.exitCode = await main(process.argv.slice(2));
