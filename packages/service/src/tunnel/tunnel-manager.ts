/**
 * Owns ferryd's one tunnel: starts it with the connect policy, samples its figures every second for the health
 * display, reconnects by itself when the peer died (PEER_DEAD) or the tunnel passed nothing for two keepalive
 * windows (the profile's: keepalive-window.ts), and ends it when asked. The secrets of a connect live here, in memory
 * only, for as long as its tunnel (reconnects need them) and are dropped when it ends. The tunnel belongs to the
 * service, not to any client.
 */
import type { FerryError, SessionStats } from "@ferry/pptp-client";
import {
  type ConfigureNetwork,
  configureLinuxNetwork,
  type LeftoverOutcome,
  restoreLeftovers,
  type TunnelOutcome,
} from "@ferry/pptp-client/tunnel";
import { type ConnectEvent, type ConnectOptions, connect, describeConnectEvent } from "@ferry/wrap";
import { apiError, toApiError } from "../api/errors.js";
import type { ConnectSecrets, Health } from "../api/protocol.js";
import type { ConnectProfile } from "../profiles/profile-source.js";
import { connectOptionsFor } from "./connect-options.js";
import { HealthMonitor, type HealthThresholds } from "./health.js";
import { keepaliveWindowMs } from "./keepalive-window.js";
import { type LogLine, LogRing } from "./log-ring.js";
import { type Scheduler, systemScheduler } from "./scheduler.js";

/** A running connect: wrap's Connection plus its live figures. */
export interface ManagedConnection {
  disconnect(): void;
  readonly closed: Promise<TunnelOutcome>;
  /** The current session's counters; undefined while no session runs (between reconnects). */
  stats(): SessionStats | undefined;
}

export type ConnectFn = (options: ConnectOptions) => ManagedConnection;

/** The connect policy of @ferry/wrap. */
export const wrapConnect: ConnectFn = connect;

export interface TunnelManagerOptions {
  readonly connect?: ConnectFn;
  readonly configureFor?: (profile: ConnectProfile) => ConfigureNetwork;
  /** Where `auto` remembers per network which transport worked. */
  readonly decisionsFile: string;
  readonly scheduler?: Scheduler;
  readonly health?: Partial<HealthThresholds>;
  /** Every change of the health figures (at least once a second while a tunnel runs). */
  readonly onHealth: (health: Health) => void;
  readonly onLog: (line: LogLine) => void;
}

const SAMPLE_INTERVAL_MS = 1000;
const MAX_RECONNECT_DELAY_MS = 30_000;
/** A tunnel that was up and ended this way is brought back by itself. */
const RECONNECT_AFTER: ReadonlySet<string> = new Set(["PEER_DEAD", "TUNNEL_STALLED"]);
/** While reconnecting, these mean "the network is not back yet" (after sleep, a change of Wi-Fi): keep trying. */
const STILL_AWAY: ReadonlySet<string> = new Set([
  ...RECONNECT_AFTER,
  "SERVER_UNREACHABLE",
  "CONTROL_TIMEOUT",
  "GRE_TIMEOUT",
  "SERVER_STOPPED",
  "CALL_DISCONNECTED",
  "RELAY_UNREACHABLE",
  "RELAY_CONNECTION_LOST",
  "PROXY_FAILED",
]);

interface Run {
  readonly profile: ConnectProfile;
  secrets: ConnectSecrets | undefined;
  connection: ManagedConnection | undefined;
  /** Counts the connections of this run: events and outcomes of an older one are ignored. */
  generation: number;
  userEnded: boolean;
  /** This service dropped the connection because it passed nothing. */
  stalled: boolean;
  /** Reconnect attempts since the tunnel was last up. */
  attempt: number;
  cancelReconnect: (() => void) | undefined;
  readonly stopSampling: () => void;
  readonly ended: Promise<void>;
  readonly end: () => void;
}

export class TunnelManager {
  private readonly scheduler: Scheduler;
  private readonly connectFn: ConnectFn;
  private readonly configureFor: (profile: ConnectProfile) => ConfigureNetwork;
  private readonly monitor: HealthMonitor;
  private readonly ring = new LogRing();
  private run: Run | undefined;

  constructor(private readonly options: TunnelManagerOptions) {
    this.scheduler = options.scheduler ?? systemScheduler;
    this.connectFn = options.connect ?? wrapConnect;
    this.configureFor =
      options.configureFor ??
      ((profile) => configureLinuxNetwork({ routes: profile.routes, dns: profile.dns }));
    this.monitor = new HealthMonitor(options.health);
  }

  health(): Health {
    return this.monitor.health(this.scheduler.now());
  }

  logs(): readonly LogLine[] {
    return this.ring.all();
  }

  /** Puts back the network settings a crashed run left behind; call once, before the first connect. */
  async restoreLeftovers(restore: () => Promise<LeftoverOutcome[]> = restoreLeftovers): Promise<void> {
    for (const leftover of await restore()) {
      if (leftover.kind === "restored")
        this.log(`Restored the network settings a crashed run left on ${leftover.ifname}`);
      else if (leftover.kind === "unreadable")
        this.log(`Moved an unreadable state file aside to ${leftover.movedTo}`);
    }
  }

  /** Starts a tunnel for the profile (ending the one that runs, if any); answers at once with "connecting". */
  async connect(profile: ConnectProfile, secrets: ConnectSecrets): Promise<Health> {
    if (this.run !== undefined) await this.disconnect();
    let end!: () => void;
    const ended = new Promise<void>((resolve) => {
      end = resolve;
    });
    const run: Run = {
      profile,
      secrets,
      connection: undefined,
      generation: 0,
      userEnded: false,
      stalled: false,
      attempt: 0,
      cancelReconnect: undefined,
      stopSampling: this.scheduler.every(SAMPLE_INTERVAL_MS, () => this.sample(run)),
      ended,
      end,
    };
    this.run = run;
    this.monitor.start(profile.id, keepaliveWindowMs(profile.keepalive));
    this.log(
      `Connecting to ${profile.server} as ${profile.userName} (profile ${profile.id}, ${profile.transport})`,
    );
    this.open(run);
    this.publish();
    return this.health();
  }

  /** Ends the tunnel cleanly (or stops a reconnect wait) and answers once it is down. */
  async disconnect(): Promise<Health> {
    const run = this.run;
    if (run === undefined) return this.health();
    run.userEnded = true;
    run.cancelReconnect?.();
    this.log("Disconnecting");
    if (run.connection === undefined) this.finish(run, undefined);
    else run.connection.disconnect();
    await run.ended;
    return this.health();
  }

  private open(run: Run): void {
    const secrets = run.secrets;
    if (secrets === undefined) return;
    const generation = ++run.generation;
    const current = () => this.run === run && run.generation === generation;
    const connection = this.connectFn(
      connectOptionsFor(run.profile, secrets, {
        configureFor: this.configureFor,
        decisionsFile: this.options.decisionsFile,
        onEvent: (event) => {
          if (current()) this.handleEvent(run, event);
        },
      }),
    );
    run.connection = connection;
    void connection.closed.then((outcome) => {
      if (current()) this.closed(run, outcome);
    });
  }

  private handleEvent(run: Run, event: ConnectEvent): void {
    this.monitor.event(event, this.scheduler.now());
    if (event.type === "connected") run.attempt = 0;
    const line = describeConnectEvent(event);
    if (line !== undefined) this.log(line);
    this.publish();
  }

  private sample(run: Run): void {
    if (this.run !== run) return;
    const stats = run.connection?.stats();
    if (stats === undefined) return;
    const now = this.scheduler.now();
    this.monitor.sample(stats, now);
    const silentMs = this.monitor.silentForMs(now);
    if (!run.stalled && silentMs >= 2 * this.monitor.keepaliveWindowMs) {
      run.stalled = true;
      this.log(
        `Nothing came back for ${Math.floor(silentMs / 1000)} s: the tunnel is stale, connecting again`,
      );
      run.connection?.disconnect();
    }
    this.publish();
  }

  private closed(run: Run, outcome: TunnelOutcome): void {
    run.connection = undefined;
    if (run.userEnded) {
      this.finish(run, undefined);
      return;
    }
    const error = run.stalled ? stalledError(2 * this.monitor.keepaliveWindowMs) : outcome.error;
    run.stalled = false;
    const code = error?.code ?? "";
    const again = outcome.connected ? RECONNECT_AFTER.has(code) : run.attempt > 0 && STILL_AWAY.has(code);
    if (error === undefined || !again) {
      this.finish(run, error);
      return;
    }
    run.attempt += 1;
    const afterMs = Math.min(1000 * 2 ** (run.attempt - 1), MAX_RECONNECT_DELAY_MS);
    this.handleEvent(run, { type: "reconnecting", afterMs, attempt: run.attempt, error });
    run.cancelReconnect = this.scheduler.after(afterMs, () => {
      run.cancelReconnect = undefined;
      if (this.run === run && !run.userEnded) this.open(run);
    });
  }

  private finish(run: Run, error: FerryError<string> | undefined): void {
    run.stopSampling();
    run.secrets = undefined;
    this.run = undefined;
    this.monitor.closed(error === undefined ? undefined : toApiError(error));
    this.log(
      error === undefined ? "Disconnected" : `Stopped: ${error.message} [${error.code}] Try: ${error.hint}`,
    );
    this.publish();
    run.end();
  }

  private log(line: string): void {
    const entry = { at: this.scheduler.wallClock(), line };
    this.ring.push(entry);
    this.options.onLog(entry);
  }

  private publish(): void {
    this.options.onHealth(this.health());
  }
}

function stalledError(silentMs: number): FerryError<string> {
  return apiError(
    "TUNNEL_STALLED",
    `The tunnel sent traffic but received nothing for ${Math.floor(silentMs / 1000)} s.`,
    "Ferry reconnects by itself; if this repeats, the network drops GRE or the server stopped answering.",
  );
}
