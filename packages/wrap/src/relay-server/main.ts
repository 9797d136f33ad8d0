/** The `ferry-relay` command: arguments, start, and a graceful stop on SIGTERM/SIGINT. */
import { loadRelayOptions, parseRelayArgs, RELAY_USAGE } from "./cli-options.js";
import { startRelay } from "./relay-server.js";

const args = parseRelayArgs(process.argv.slice(2));
if (!args.ok) {
  if (args.help) {
    process.stdout.write(RELAY_USAGE);
    process.exit(0);
  }
  process.stderr.write(`ferry-relay: ${args.message}\n\n${RELAY_USAGE}`);
  process.exit(2);
}
const options = await loadRelayOptions(args.value);
if (!options.ok) {
  process.stderr.write(`ferry-relay: ${options.message}\n`);
  process.exit(1);
}
const relay = await startRelay(options.value).catch((error: Error) => {
  process.stderr.write(`ferry-relay: ${error.message}\n`);
  process.exit(1);
});
const stop = () => {
  relay.shutdown().then(() => process.exit(0));
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
