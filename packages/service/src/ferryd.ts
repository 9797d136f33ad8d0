/**
 * ferryd: the privileged service. It puts back what a crashed run left, opens the API socket, and runs tunnels
 * for its clients; a client going away (a crashed GUI) leaves the tunnel up. SIGTERM disconnects cleanly,
 * removes the socket and exits 0.
 */
import { join } from "node:path";
import { ProfileStore } from "@ferry/profiles";
import { probeRelay, runDiagnosis, systemProbes } from "@ferry/wrap";
import type { ServiceEvent } from "./api/protocol.js";
import { type ApiServer, startApiServer } from "./api/server.js";
import { resolveSocketAccess } from "./api/socket-access.js";
import { FERRYD_USAGE, parseFerrydArgs } from "./ferryd-args.js";
import type { ConnectProfile } from "./profiles/profile-source.js";
import { storeProfileSource } from "./profiles/store-profile-source.js";
import { serviceHandlers } from "./service.js";
import { TunnelManager } from "./tunnel/tunnel-manager.js";

/** How long a clean disconnect may take at shutdown before ferryd exits anyway. */
const SHUTDOWN_BUDGET_MS = 5000;

const log = (line: string) => console.error(line);

function diagnose(profile: ConnectProfile) {
  const relays = profile.relay === undefined ? [] : [profile.relay.url];
  // Without the user's relay token the relay is checked up to its refusal, as `ferry diagnose` does.
  const relayProbe = probeRelay({
    server: profile.server,
    token: "",
    trust: profile.relay?.trust ?? { kind: "system" },
  });
  return runDiagnosis({ server: profile.server, relays }, systemProbes(relayProbe));
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseFerrydArgs(argv);
  if (args === "help") {
    console.log(FERRYD_USAGE);
    return 0;
  }
  if ("error" in args) {
    console.error(`ferryd: ${args.error}\n\n${FERRYD_USAGE}`);
    return 2;
  }
  let server: ApiServer | undefined;
  const publish = (event: ServiceEvent) => server?.publish(event);
  const tunnels = new TunnelManager({
    decisionsFile: join(process.env.FERRY_STATE_DIR ?? "/var/lib/ferry", "transport-decisions.json"),
    onHealth: (health) => publish({ event: "health", health }),
    onLog: ({ at, line }) => {
      log(line);
      publish({ event: "log", at, line });
    },
  });
  await tunnels.restoreLeftovers();
  const access = await resolveSocketAccess(
    {
      ...(args.group === undefined ? {} : { group: args.group }),
      ...(args.user === undefined ? {} : { user: args.user }),
    },
    { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 },
  );
  if ("error" in access) {
    console.error(`ferryd: ${access.error}`);
    return 2;
  }
  const store = await ProfileStore.open({
    systemDir: args.systemProfilesDir,
    ...(args.profilesDir === undefined ? {} : { userDir: args.profilesDir }),
  });
  const profiles = storeProfileSource(store);
  const started = await startApiServer({
    path: args.socket,
    access,
    handlers: serviceHandlers({ profiles, tunnels, diagnose }),
    log,
  });
  if (!started.ok) {
    store.close();
    console.error(`Error [${started.error.code}]: ${started.error.message}\n  Try: ${started.error.hint}`);
    return 1;
  }
  server = started.value;
  const stopWatching = profiles.onChange(() => publish({ event: "profiles-changed" }));
  const api = server;
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGTERM", stop);
      process.off("SIGINT", stop);
      resolve();
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
  });
  log("Stopping");
  stopWatching();
  store.close();
  await Promise.race([
    tunnels.disconnect(),
    new Promise((resolve) => setTimeout(resolve, SHUTDOWN_BUDGET_MS).unref()),
  ]);
  await api.close();
  return 0;
}

process.exit(await main(process.argv.slice(2)));
