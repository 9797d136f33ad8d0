/**
 * A running tunnel: one PPTP session over a carrier (direct or wrapped), a TUN device, and the host's network
 * configuration once the session is up. The session is sans-IO; this pump moves bytes between it, the carrier and
 * the TUN device, and keeps the session's one timer.
 */
import { performance } from "node:perf_hooks";
import type { FerryError } from "../errors.js";
import { failed, type IoResult, opened } from "../io/io-result.js";
import { TunDevice } from "../io/tun-device.js";
import type { MppeMode } from "../mppe/mppe-mode.js";
import type { NetworkChange } from "../os/server-route-check.js";
import type { SessionOptions } from "../session/config.js";
import type { SessionEvent, SessionStats } from "../session/events.js";
import { PptpSession } from "../session/session.js";
import type { CarrierEvent, PptpCarrier } from "./carrier.js";
import { DeadlineTimer } from "./deadline-timer.js";
import { clampTcpMss, mssForMtu } from "./mss-clamp.js";
import { SelfLoopGuard } from "./self-loop.js";

/** What the network configuration needs to know once the tunnel is up. */
export interface TunnelAddresses {
  readonly ifname: string;
  /** Where the carrier's own packets go (server, relay or proxy): it must keep its route outside the tunnel. */
  readonly outerAddress: string;
  readonly localAddress: string;
  readonly peerAddress: string;
  readonly dns: readonly string[];
  readonly mtu: number;
}

/** What the network configuration and the running tunnel tell each other while the tunnel is up. */
export interface NetworkHooks {
  /** The network under the tunnel changed (a route lost or restored): reported as a `network-changed` event. */
  readonly changed: (change: NetworkChange) => void;
  /** Have the session check now that the server still answers (one LCP echo). */
  readonly probePeer: () => void;
  /** Registers what the tunnel calls when the session suspects the path (an LCP echo went unanswered). */
  readonly onPathSuspect: (check: () => void) => void;
}

/**
 * Puts addresses, routes and DNS in place, and may watch them while the tunnel runs (`hooks`); the returned
 * function stops watching and puts everything back.
 */
export type ConfigureNetwork = (
  tunnel: TunnelAddresses,
  hooks: NetworkHooks,
) => Promise<IoResult<() => Promise<void>>>;

/** Progress of the carrier and the device, then everything the session reports. */
export type TunnelEvent =
  | { readonly type: "resolved"; readonly server: string; readonly address: string }
  | { readonly type: "tcp-connected"; readonly server: string }
  | { readonly type: "tun-opened"; readonly ifname: string }
  | { readonly type: "network-configured"; readonly ifname: string }
  | ({ readonly type: "network-changed" } & NetworkChange)
  | CarrierEvent
  | Exclude<SessionEvent, { type: "closed" }>
  /** The carrier may know better than the session why it ended (a relay's refusal), hence the wider code. */
  | { readonly type: "closed"; readonly error?: FerryError<string> };

export interface TunnelOptions {
  readonly session: SessionOptions;
  /** TUN interface name or template (default "ferry%d"). */
  readonly tunName?: string;
  /** Omitted: the tunnel runs without touching addresses, routes or DNS (tests, benchmarks). */
  readonly configure?: ConfigureNetwork;
  readonly onEvent: (event: TunnelEvent) => void;
}

export type TunnelOutcome = { readonly error?: FerryError<string>; readonly connected: boolean };

export interface Tunnel {
  /** How the session travels: the carrier's transport name ("direct", "wrap"). */
  readonly transport: string;
  /** Clean disconnect; `closed` settles within about 2 s. */
  disconnect(): void;
  readonly closed: Promise<TunnelOutcome>;
  stats(): SessionStats;
}

export type OpenCarrier = () => Promise<IoResult<PptpCarrier, string>>;

const now = (): number => performance.now();

/** Describes the negotiated MPPE mode the way the CLI and the JSON events name it, e.g. "128-stateless". */
export function mppeLabel(mode: MppeMode | undefined): string {
  return mode === undefined ? "none" : `${mode.strength}-${mode.stateless ? "stateless" : "stateful"}`;
}

/**
 * Opens the TUN device first (a missing privilege shows before anything touches the network), then the carrier,
 * and starts the session on it.
 */
export async function openTunnel(
  options: TunnelOptions,
  openCarrier: OpenCarrier,
): Promise<IoResult<Tunnel, string>> {
  const tun = TunDevice.open({ name: options.tunName ?? "ferry%d" });
  if (!tun.ok) return tun;
  options.onEvent({ type: "tun-opened", ifname: tun.value.name });
  const carrier = await openCarrier();
  if (!carrier.ok) {
    tun.value.close();
    return failed(carrier.error);
  }
  return opened(new TunnelPump(options, carrier.value, tun.value));
}

class TunnelPump implements Tunnel {
  readonly closed: Promise<TunnelOutcome>;
  readonly transport: string;
  private readonly session: PptpSession;
  private readonly timer = new DeadlineTimer(() => this.step(() => this.session.handleTimeout(now())), now);
  private maxMss = 0;
  private readonly selfLoop: SelfLoopGuard;
  /** Packets from the TUN device dropped because they were the carrier's own (self-loop.ts). */
  private looped = 0;
  private undoNetwork: (() => Promise<void>) | undefined;
  /** The network watch's look-now, called when the session suspects the path. */
  private checkPath: (() => void) | undefined;
  /** Why the session ended when the carrier or the network setup knows better than the session. */
  private overridingError: FerryError<string> | undefined;
  private wasConnected = false;
  private finished = false;
  private settle!: (result: TunnelOutcome) => void;

  constructor(
    private readonly options: TunnelOptions,
    private readonly carrier: PptpCarrier,
    private readonly tun: TunDevice,
  ) {
    this.transport = carrier.transport;
    this.closed = new Promise((resolve) => {
      this.settle = resolve;
    });
    this.session = new PptpSession(options.session);
    this.selfLoop = new SelfLoopGuard(carrier.outerAddress);
    carrier.start({
      control: (bytes) => this.step(() => this.session.handleControlBytes(bytes, now())),
      gre: (packets) =>
        this.step(() => {
          const t = now();
          for (const p of packets) this.session.handleGre(p, t);
        }),
      closed: (error) =>
        this.step(() => {
          this.overridingError ??= error;
          this.session.handleControlClosed(now());
        }),
      event: (event) => options.onEvent(event),
    });
    tun.onPackets((packets) =>
      this.step(() => {
        const t = now();
        for (const p of packets) {
          if (this.selfLoop.loops(p)) {
            this.looped++;
            continue;
          }
          if (this.maxMss > 0) clampTcpMss(p, this.maxMss);
          this.session.handleTunPacket(p, t);
        }
      }),
    );
    this.step(() => this.session.start(now()));
  }

  disconnect(): void {
    this.step(() => this.session.disconnect(now()));
  }

  stats(): SessionStats {
    const stats = this.session.stats();
    return { ...stats, txDropped: stats.txDropped + this.looped };
  }

  /** Feeds one input, then moves every output: one wake-up, one batch per destination. */
  private step(input: () => void): void {
    if (this.finished) return;
    input();
    for (
      let bytes = this.session.pollControlBytes();
      bytes !== undefined;
      bytes = this.session.pollControlBytes()
    ) {
      this.carrier.sendControl(bytes);
    }
    const toServer: Uint8Array[] = [];
    for (let p = this.session.pollGre(); p !== undefined; p = this.session.pollGre()) toServer.push(p);
    if (toServer.length > 0) this.carrier.sendGre(toServer);
    const toTun: Uint8Array[] = [];
    for (let p = this.session.pollTun(); p !== undefined; p = this.session.pollTun()) {
      if (this.maxMss > 0) clampTcpMss(p, this.maxMss);
      toTun.push(p);
    }
    if (toTun.length > 0) this.tun.send(toTun);
    for (let event = this.session.pollEvent(); event !== undefined; event = this.session.pollEvent()) {
      this.onSessionEvent(event);
    }
    this.timer.set(this.finished ? undefined : this.session.pollTimeout());
  }

  private onSessionEvent(event: SessionEvent): void {
    if (event.type === "connected") {
      this.wasConnected = true;
      this.maxMss = mssForMtu(event.mtu);
      void this.configure(event);
      return;
    }
    if (event.type === "closed") {
      void this.finish(this.overridingError ?? event.error);
      return;
    }
    if (event.type === "echo-unanswered") this.checkPath?.();
    this.options.onEvent(event);
  }

  /** Announces `connected` only once addresses, routes and DNS are in place, so "connected" means usable. */
  private async configure(event: Extract<SessionEvent, { type: "connected" }>): Promise<void> {
    const configure = this.options.configure;
    if (configure !== undefined) {
      const result = await configure(
        {
          ifname: this.tun.name,
          outerAddress: this.carrier.outerAddress,
          localAddress: event.localAddress,
          peerAddress: event.peerAddress,
          dns: event.dns,
          mtu: event.mtu,
        },
        {
          changed: (change) => {
            if (!this.finished) this.options.onEvent({ type: "network-changed", ...change });
          },
          probePeer: () => this.step(() => this.session.probePeer(now())),
          onPathSuspect: (check) => {
            this.checkPath = check;
          },
        },
      );
      if (!result.ok) {
        this.overridingError ??= result.error;
        this.disconnect();
        return;
      }
      this.undoNetwork = result.value;
      if (this.finished) {
        await this.undoNetwork();
        return;
      }
      this.options.onEvent({ type: "network-configured", ifname: this.tun.name });
    }
    this.options.onEvent(event);
  }

  /** Puts the host back as it was: network configuration, TUN device, carrier. */
  private async finish(error: FerryError<string> | undefined): Promise<void> {
    this.finished = true;
    this.timer.set(undefined);
    this.carrier.close();
    await this.undoNetwork?.();
    this.tun.close();
    this.options.onEvent(error === undefined ? { type: "closed" } : { type: "closed", error });
    this.settle(
      error === undefined ? { connected: this.wasConnected } : { error, connected: this.wasConnected },
    );
  }
}
