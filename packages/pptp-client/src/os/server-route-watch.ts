/**
 * The thin half of the route watch: every couple of seconds (and when asked), reads the routes and the link with
 * `ip -j`, lets the decider (server-route-check.ts) judge, and carries out what it says. The only route it ever
 * adds is the planned host route to the server, with the very command the plan ran, so the state file's undo of
 * that change still fits.
 */
import { type CommandRunner, execFileRunner } from "./command-runner.js";
import { serverRouteChange } from "./plan-tunnel-config.js";
import {
  checkServerRoute,
  type NetworkChange,
  type PlannedServerRoute,
  type RouteAddOutcome,
  type RouteWatchAction,
  ServerRouteDecider,
} from "./server-route-check.js";

/** Often enough that a link back after a short drop-out finds its route before the keepalive gives up. */
export const ROUTE_WATCH_INTERVAL_MS = 2_000;

export interface ServerRouteWatchOptions {
  readonly planned: PlannedServerRoute;
  readonly changed: (change: NetworkChange) => void;
  readonly probePeer: () => void;
  readonly run?: CommandRunner;
  readonly intervalMs?: number;
}

export class ServerRouteWatch {
  /** Starts watching the planned host route; none is planned (nothing to watch) for a server reached through loopback. */
  static start(options: ServerRouteWatchOptions): ServerRouteWatch | undefined {
    const change = serverRouteChange(options.planned.server, options.planned);
    if (change === undefined || change.apply.kind !== "run") return undefined;
    return new ServerRouteWatch(options, change.apply.argv);
  }

  private readonly decider: ServerRouteDecider;
  private readonly run: CommandRunner;
  private readonly timer: NodeJS.Timeout;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  /** `addArgv`: the plan's own command for the route, so that the state file's undo of it still fits. */
  private constructor(
    private readonly options: ServerRouteWatchOptions,
    private readonly addArgv: readonly string[],
  ) {
    this.decider = new ServerRouteDecider(options.planned);
    this.run = options.run ?? execFileRunner;
    this.timer = setInterval(() => void this.check(), options.intervalMs ?? ROUTE_WATCH_INTERVAL_MS);
    // The tunnel's sockets keep the process alive; the watch alone must not.
    this.timer.unref();
  }

  /** Checks now; a check already running is followed by one more. Resolves when the checks are done. */
  check(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running !== undefined) {
      this.again = true;
      return this.running;
    }
    this.running = this.checkUntilSettled().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** No check after this one; resolves once a running check is over, so nothing is added after the undo. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  private async checkUntilSettled(): Promise<void> {
    do {
      this.again = false;
      await this.checkOnce();
    } while (this.again && !this.stopped);
  }

  private async checkOnce(): Promise<void> {
    const { planned } = this.options;
    const [routes, link] = await Promise.all([
      this.run(["ip", "-j", "-4", "route", "show", "table", "main"]),
      this.run(["ip", "-j", "link", "show", "dev", planned.dev]),
    ]);
    if (this.stopped || !routes.ok) return;
    const state = checkServerRoute(planned, routes.stdout, link.ok ? link.stdout : undefined);
    if (state !== undefined) await this.carryOut(this.decider.observe(state));
  }

  private async carryOut(actions: readonly RouteWatchAction[]): Promise<void> {
    for (const action of actions) {
      if (this.stopped) return;
      switch (action.kind) {
        case "add-route":
          await this.carryOut(this.decider.added(await this.addRoute()));
          break;
        case "probe-peer":
          this.options.probePeer();
          break;
        case "report":
          this.options.changed(action.change);
          break;
      }
    }
  }

  private async addRoute(): Promise<RouteAddOutcome> {
    const outcome = await this.run(this.addArgv);
    // Somebody (a network manager) put the very same route back first: ours again.
    if (outcome.ok || /File exists/i.test(outcome.stderr)) return { ok: true };
    return { ok: false, reason: outcome.stderr.trim() };
  }
}
