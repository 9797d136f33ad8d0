/**
 * Connecting as a profile says: `direct`, `wrap`, or `auto`, where the transport policy (detect/transport-policy.ts)
 * watches a direct attempt and switches to the relay as soon as GRE proves blocked. A session that came up and then
 * lost its server or relay (keepalives unanswered, a restart, a goaway) reconnects by itself until the user
 * disconnects: over the transport that worked, except that in `auto` the policy watches each direct reconnect for GRE
 * again (a network can start dropping it) and decides afresh when the computer is on another network.
 *
 * The policy is the sans-IO core; this is the adapter that runs tunnels for it, owns its one timer, reads the network
 * it is on and keeps the remembered decisions.
 */
import type { FerryError, SessionOptions, SessionStats } from "@ferry/pptp-client";
import {
  type ConfigureNetwork,
  DeadlineTimer,
  type Tunnel,
  type TunnelEvent,
  type TunnelOutcome,
} from "@ferry/pptp-client/tunnel";
import { cgnatEvidence } from "../detect/cgnat.js";
import { recallDecision } from "../detect/decision-store.js";
import type { NetworkFacts } from "../detect/network-facts.js";
import {
  type FallbackReason,
  type Transport,
  type TransportDecision,
  type TransportMode,
  TransportPolicy,
} from "../detect/transport-policy.js";
import { relayRefusal, wrapError } from "../errors.js";
import { type ConnectDeps, defaultConnectDeps, type RelayConfig } from "./connect-deps.js";
import { nextReconnectDelayMs, shouldReconnect } from "./reconnect.js";

export interface ConnectOptions {
  readonly server: string;
  readonly session: SessionOptions;
  readonly transport: TransportMode;
  /** Needed for `wrap`; without it `auto` can only go direct. */
  readonly relay?: RelayConfig;
  /** How long `auto` waits for GRE after the call is set up (default 3000 ms). */
  readonly greTimeoutMs?: number;
  /** Where decisions are remembered per network; omitted: nothing is remembered. */
  readonly decisionsFile?: string;
  readonly configure?: ConfigureNetwork;
  readonly onEvent: (event: ConnectEvent) => void;
}

type ConnectedEvent = Extract<TunnelEvent, { type: "connected" }>;

export type ConnectEvent =
  | Exclude<TunnelEvent, { type: "connected" | "closed" }>
  | (ConnectedEvent & { readonly transport: Transport; readonly fallbackReason?: FallbackReason })
  | {
      readonly type: "transport-decided";
      readonly transport: Transport;
      readonly fallbackReason?: FallbackReason;
      readonly why: string;
      /** Set when a reconnect found this computer on another network than the last decision's. */
      readonly networkChanged?: true;
    }
  | {
      readonly type: "relay-connected";
      readonly relay: string;
      readonly observedAddress: string;
      readonly sessionId: string;
    }
  | {
      readonly type: "reconnecting";
      readonly afterMs: number;
      readonly attempt: number;
      readonly error: FerryError<string>;
    };

/** How a connection ended; `stats` is the final figures of the last tunnel that came up, if one did. */
export interface ConnectionOutcome extends TunnelOutcome {
  readonly stats?: SessionStats;
}

export interface Connection {
  /** Ends the session cleanly, or stops a reconnect wait; `closed` settles soon after. */
  disconnect(): void;
  /** The outcome: connected at some point or not, and the error that ended it unless the user did. */
  readonly closed: Promise<ConnectionOutcome>;
  /** The running tunnel's figures; undefined between tunnels (connecting, reconnecting). */
  stats(): SessionStats | undefined;
}

export function connect(options: ConnectOptions, deps: ConnectDeps = defaultConnectDeps): Connection {
  return new Connector(options, deps);
}

/** How a server ends a call it cannot carry: a Call-Disconnect-Notify, or closing TCP 1723. */
const HANG_UPS: ReadonlySet<string> = new Set(["CALL_DISCONNECTED", "SERVER_STOPPED"]);

/**
 * The server's TCP 1723 must answer within this in `auto` before the relay is tried instead; not on a resumed
 * attempt, where no answer means the server is away and the attempt waits as long as any direct one.
 */
const AUTO_CONNECT_TIMEOUT_MS = 3000;

class Connector implements Connection {
  readonly closed: Promise<ConnectionOutcome>;
  private userEnded = false;
  private current: Tunnel | undefined;
  /** A copy, not the tunnel: holding an ended tunnel would keep all of it in memory through the reconnects. */
  private lastStats: SessionStats | undefined;
  private wake: (() => void) | undefined;
  private decision: TransportDecision | undefined;
  /** The network `auto` last decided on; undefined when not known (no default route, or not `auto`). */
  private networkKey: string | undefined;
  private goawayAfterMs: number | undefined;

  constructor(
    private readonly options: ConnectOptions,
    private readonly deps: ConnectDeps,
  ) {
    this.closed = this.run().then((outcome) =>
      this.lastStats === undefined ? outcome : { ...outcome, stats: this.lastStats },
    );
  }

  stats(): SessionStats | undefined {
    return this.current?.stats();
  }

  disconnect(): void {
    this.userEnded = true;
    this.current?.disconnect();
    this.wake?.();
  }

  private async run(): Promise<TunnelOutcome> {
    const first = await this.firstTunnel();
    if (!first.ok)
      return first.error === undefined ? { connected: false } : { error: first.error, connected: false };
    let tunnel = first.tunnel;
    let everConnected = false;
    for (let attempt = 1; ; ) {
      const outcome = await this.hold(tunnel);
      everConnected ||= outcome.connected;
      if (this.userEnded) return { connected: everConnected };
      const goaway = this.goawayAfterMs;
      this.goawayAfterMs = undefined;
      if (!shouldReconnect(outcome, goaway, everConnected)) {
        return outcome.error === undefined
          ? { connected: everConnected }
          : { error: outcome.error, connected: everConnected };
      }
      const reason =
        outcome.error ?? relayRefusal("RELAY_SHUTTING_DOWN", "goaway", this.options.server, undefined);
      const next = await this.reconnect(reason, goaway, attempt);
      if (!next.ok)
        return next.error === undefined
          ? { connected: everConnected }
          : { error: next.error, connected: everConnected };
      tunnel = next.tunnel;
      attempt = outcome.connected ? 1 : attempt + 1;
    }
  }

  /** Waits for the tunnel to end; `current` lets disconnect() reach it meanwhile. */
  private async hold(tunnel: Tunnel): Promise<TunnelOutcome> {
    this.current = tunnel;
    if (this.userEnded) tunnel.disconnect();
    const outcome = await tunnel.closed;
    this.current = undefined;
    if (outcome.connected) this.lastStats = { ...tunnel.stats() };
    return outcome;
  }

  /**
   * Keeps trying (reopen()), waiting longer each time, until a tunnel opens or an error is not worth retrying. Each
   * tunnel undid its network configuration when it ended; the next one sets it up again.
   */
  private async reconnect(
    reason: FerryError<string>,
    goawayAfterMs: number | undefined,
    firstAttempt: number,
  ): Promise<Opened> {
    let error = reason;
    for (let attempt = firstAttempt; ; attempt++) {
      const afterMs = goawayAfterMs ?? nextReconnectDelayMs(attempt);
      goawayAfterMs = undefined;
      this.options.onEvent({ type: "reconnecting", afterMs, attempt, error });
      await this.sleep(afterMs);
      if (this.userEnded) return { ok: false };
      const opened = await this.reopen();
      if (opened.ok || opened.error === undefined) return opened;
      if (!shouldReconnect({ error: opened.error, connected: false }, undefined, true)) return opened;
      error = opened.error;
    }
  }

  private async firstTunnel(): Promise<Opened> {
    const { transport: mode, relay } = this.options;
    if (mode === "wrap" && relay === undefined) return { ok: false, error: noRelayError() };
    // Without a relay, `auto` has nowhere to fall back to: it is direct, and GRE_TIMEOUT explains a blocked path.
    if (mode === "auto" && relay === undefined)
      return this.openDecided(DIRECT_FOR_LACK_OF_RELAY, { facts: undefined, resumed: false });
    const facts = mode === "auto" ? await this.deps.networkFacts() : undefined;
    return this.choose({ facts, resumed: false });
  }

  /**
   * One reconnect attempt. Fixed transports (and `auto` without a relay) retry what they ran. `auto` on another
   * network decides afresh, as a first connect there would; on the same network a wrapped session stays wrapped (a
   * network that passes GRE again does not make it flap back), and a direct one goes through the policy again, which
   * switches to the relay when GRE no longer gets through and remembers that for the network.
   */
  private async reopen(): Promise<Opened> {
    const transport = this.decision?.transport ?? "direct";
    if (this.options.transport !== "auto" || this.options.relay === undefined)
      return transport === "wrap" ? this.openWrap() : this.openDirect();
    const facts = await this.deps.networkFacts();
    // No default route (a link still down) is no new network: nothing to decide on yet.
    if (facts.key !== undefined && facts.key !== this.networkKey)
      return this.choose({ facts, resumed: false, networkChanged: true });
    return transport === "wrap" ? this.openWrap() : this.choose({ facts, resumed: true });
  }

  /** Runs the policy for one attempt: a transport decided at once, or a direct attempt that it watches. */
  private async choose(footing: Footing): Promise<Opened> {
    const policy = new TransportPolicy({
      mode: this.options.transport,
      ...(this.options.greTimeoutMs === undefined ? {} : { greTimeoutMs: this.options.greTimeoutMs }),
    });
    const now = this.deps.monotonic();
    if (footing.resumed) policy.resumeDirect(now);
    else policy.start(now, await this.recall(footing.facts));
    const decided = policy.pollDecision();
    if (decided !== undefined) return this.openDecided(decided, footing);
    return this.probe(policy, footing as Footing & { facts: NetworkFacts });
  }

  /** `auto`: a direct attempt that the policy watches, with CGNAT evidence fed in as it arrives. */
  private probe(
    policy: TransportPolicy,
    footing: Footing & { readonly facts: NetworkFacts },
  ): Promise<Opened> {
    const { facts } = footing;
    return new Promise((resolve) => {
      let direct: Tunnel | undefined;
      let decided: Transport | undefined;
      let settled = false;
      const timer = new DeadlineTimer(
        () => feed(() => policy.handleTimeout(this.deps.monotonic())),
        () => this.deps.monotonic(),
      );
      const settle = (result: Opened | Promise<Opened>) => {
        if (settled) return;
        settled = true;
        timer.set(undefined);
        resolve(result);
      };
      const feed = (input: () => void) => {
        if (settled) return;
        input();
        const decision = policy.pollDecision();
        if (decision === undefined) {
          timer.set(policy.nextTimeout());
          return;
        }
        decided = decision.transport;
        this.adopt(decision, footing);
        if (decision.transport === "direct" && direct !== undefined) settle({ ok: true, tunnel: direct });
        else settle(this.abandonThenWrap(direct));
      };
      const onEvent = (event: TunnelEvent) => {
        if (settled && decided === "wrap") return; // the abandoned attempt's wind-down
        const now = this.deps.monotonic();
        if (event.type === "call-established") feed(() => policy.callEstablished(now));
        else if (event.type === "gre-received") feed(() => policy.greReceived(now));
        else if (event.type === "gre-unreachable") feed(() => policy.greUnreachable(now));
        this.forward(event);
      };
      feed(() => policy.cgnat(cgnatEvidence({ localAddresses: facts.localAddresses })));
      if (settled) return;
      void this.routerEvidence(facts).then((evidence) => {
        if (evidence !== undefined) feed(() => policy.cgnat(evidence));
      });
      void this.deps
        .openDirect({
          ...this.tunnelOptions(onEvent),
          server: this.options.server,
          ...(footing.resumed ? {} : { connectTimeoutMs: AUTO_CONNECT_TIMEOUT_MS }),
        })
        .then((opened) => {
          if (settled) {
            // Decided for the relay while this attempt was still opening.
            if (opened.ok) opened.value.disconnect();
            return;
          }
          if (!opened.ok) {
            if (opened.error.code === "SERVER_UNREACHABLE")
              feed(() => policy.controlUnreachable(this.deps.monotonic(), opened.error.message));
            settle(opened);
            return;
          }
          direct = opened.value;
          this.current = direct;
          if (this.userEnded) direct.disconnect();
          if (decided === "direct") settle({ ok: true, tunnel: direct });
          // A server hanging up the call before any GRE had its GRE refused, and the session's own GRE window may run
          // out before the policy's; any other end before the policy decides (a refused call, a wrong password, the
          // server away on a reconnect) is the outcome.
          void direct.closed.then((outcome) => {
            const code = outcome.error?.code ?? "";
            if (HANG_UPS.has(code)) feed(() => policy.callDroppedBeforeGre(this.deps.monotonic()));
            else if (code === "GRE_TIMEOUT") feed(() => policy.greTimedOut(this.deps.monotonic()));
            settle({ ok: true, tunnel: direct as Tunnel });
          });
        });
    });
  }

  /** The router's external address over NAT-PMP, as CGNAT evidence; undefined when the router does not answer. */
  private async routerEvidence(facts: NetworkFacts) {
    if (facts.gateway === undefined) return undefined;
    const external = await this.deps.routerExternalAddress(facts.gateway);
    return external === undefined
      ? undefined
      : cgnatEvidence({ localAddresses: facts.localAddresses, routerExternalAddress: external });
  }

  private async abandonThenWrap(direct: Tunnel | undefined): Promise<Opened> {
    if (direct !== undefined) {
      direct.disconnect();
      await direct.closed;
    }
    if (this.userEnded) return { ok: false };
    return this.openWrap();
  }

  private async openDecided(decision: TransportDecision, footing: Footing): Promise<Opened> {
    this.adopt(decision, footing);
    return decision.transport === "wrap" ? this.openWrap() : this.openDirect();
  }

  private async openDirect(): Promise<Opened> {
    const opened = await this.deps.openDirect({
      ...this.tunnelOptions((event) => this.forward(event)),
      server: this.options.server,
    });
    return opened.ok ? { ok: true, tunnel: opened.value } : opened;
  }

  private async openWrap(): Promise<Opened> {
    const relay = this.options.relay;
    if (relay === undefined) return { ok: false, error: noRelayError() };
    const opened = await this.deps.openWrap(
      this.tunnelOptions((event) => this.forward(event)),
      relay,
      this.options.server,
      (event) => this.options.onEvent(event),
    );
    return opened.ok ? { ok: true, tunnel: opened.value } : opened;
  }

  /**
   * Records the decision, tells the user, and remembers what `auto` learned about this network (replacing what was
   * remembered, so a remembered direct that stopped working is not tried first again).
   */
  private adopt(decision: TransportDecision, footing: Footing): void {
    const { facts } = footing;
    this.decision = decision;
    if (facts?.key !== undefined) this.networkKey = facts.key;
    this.options.onEvent({
      type: "transport-decided",
      transport: decision.transport,
      ...(decision.fallbackReason === undefined ? {} : { fallbackReason: decision.fallbackReason }),
      why: decision.why,
      ...(footing.networkChanged === true ? { networkChanged: true } : {}),
    });
    const file = this.options.decisionsFile;
    if (!decision.learned || file === undefined || facts?.key === undefined) return;
    // The memory only saves time on the next connect: failing to write it must not fail this one.
    void this.deps
      .rememberDecision(file, facts.key, decision.transport, this.deps.wallClock())
      .catch(() => {});
  }

  private async recall(facts: NetworkFacts | undefined): Promise<Transport | undefined> {
    const file = this.options.decisionsFile;
    if (facts?.key === undefined || file === undefined) return undefined;
    return recallDecision(await this.deps.loadDecisions(file), facts.key, this.deps.wallClock());
  }

  private tunnelOptions(onEvent: (event: TunnelEvent) => void) {
    return {
      session: this.options.session,
      ...(this.options.configure === undefined ? {} : { configure: this.options.configure }),
      onEvent,
    };
  }

  /** Passes tunnel events on: `connected` says how, `goaway` starts the hand-over, `closed` is the outcome's job. */
  private forward(event: TunnelEvent): void {
    switch (event.type) {
      case "closed":
        return;
      case "connected": {
        const decision = this.decision;
        this.options.onEvent({
          ...event,
          transport: decision?.transport ?? "direct",
          ...(decision?.fallbackReason === undefined ? {} : { fallbackReason: decision.fallbackReason }),
        });
        return;
      }
      case "goaway":
        this.goawayAfterMs = event.reconnectAfterMs;
        this.options.onEvent(event);
        this.current?.disconnect();
        return;
      default:
        this.options.onEvent(event);
    }
  }

  /** Waits, or less if the user disconnects meanwhile. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

const DIRECT_FOR_LACK_OF_RELAY: TransportDecision = {
  transport: "direct",
  why: "No relay is configured, so the connection is direct (TCP 1723 and GRE).",
  learned: false,
};

/** What an attempt's decision rests on: the network (`auto` only), and whether it resumes a direct session there. */
interface Footing {
  readonly facts: NetworkFacts | undefined;
  readonly resumed: boolean;
  readonly networkChanged?: true;
}

/** A tunnel, or why there is none; no error when the user disconnected first. */
type Opened =
  | { readonly ok: true; readonly tunnel: Tunnel }
  | { readonly ok: false; readonly error?: FerryError<string> };

function noRelayError(): FerryError<string> {
  return wrapError(
    "USAGE",
    "The wrap transport needs a relay, and this connection names none.",
    "Give the relay's URL and token (--relay wss://HOST:PORT --relay-token-file FILE), or use --transport direct.",
  );
}
