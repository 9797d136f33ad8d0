import { lookup } from "node:dns/promises";
import type { Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { type FerryError, ferryError } from "../errors.js";
import { GreSocket } from "../io/gre-socket.js";
import { failed, type IoResult, opened } from "../io/io-result.js";
import { TunDevice } from "../io/tun-device.js";
import type { MppeMode } from "../mppe/mppe-mode.js";
import type { SessionOptions } from "../session/config.js";
import type { SessionEvent, SessionStats } from "../session/events.js";
import { PptpSession } from "../session/session.js";
import { clampTcpMss, mssForMtu } from "../tunnel/mss-clamp.js";
import { DeadlineTimer } from "./deadline-timer.js";
import { connectControl } from "./tcp-control.js";

/** What the network configuration needs to know once the tunnel is up. */
export interface TunnelAddresses {
  readonly ifname: string;
  readonly server: string;
  readonly localAddress: string;
  readonly peerAddress: string;
  readonly dns: readonly string[];
  readonly mtu: number;
}

/** Puts addresses, routes and DNS in place; the returned function puts everything back. */
export type ConfigureNetwork = (tunnel: TunnelAddresses) => Promise<IoResult<() => Promise<void>>>;

/** Progress before the session itself starts talking, then everything the session reports. */
export type TunnelEvent =
  | { readonly type: "resolved"; readonly server: string; readonly address: string }
  | { readonly type: "tcp-connected"; readonly server: string }
  | { readonly type: "tun-opened"; readonly ifname: string }
  | { readonly type: "network-configured"; readonly ifname: string }
  | SessionEvent;

export interface DirectTunnelOptions {
  /** Host name or IPv4 address of the PPTP server. */
  readonly server: string;
  readonly session: SessionOptions;
  /** TUN interface name or template (default "ferry%d"). */
  readonly tunName?: string;
  readonly connectTimeoutMs?: number;
  /** Omitted: the tunnel runs without touching addresses, routes or DNS (tests, benchmarks). */
  readonly configure?: ConfigureNetwork;
  readonly onEvent: (event: TunnelEvent) => void;
}

export interface DirectTunnel {
  /** Clean disconnect; `closed` settles within about 2 s. */
  disconnect(): void;
  readonly closed: Promise<{ readonly error?: FerryError; readonly connected: boolean }>;
  stats(): SessionStats;
}

const now = (): number => performance.now();

/** Describes the negotiated MPPE mode the way the CLI and the JSON events name it, e.g. "128-stateless". */
export function mppeLabel(mode: MppeMode | undefined): string {
  return mode === undefined ? "none" : `${mode.strength}-${mode.stateless ? "stateless" : "stateful"}`;
}

/**
 * Direct mode: the PPTP session on TCP 1723, a raw GRE socket and a TUN device. The GRE socket opens before the
 * call is placed, because a server whose first GRE packet draws an ICMP protocol-unreachable hangs up (pptpd does).
 */
export async function openDirectTunnel(options: DirectTunnelOptions): Promise<IoResult<DirectTunnel>> {
  const address = await resolveServer(options.server);
  if (!address.ok) return address;
  options.onEvent({ type: "resolved", server: options.server, address: address.value });

  const gre = GreSocket.open({ server: address.value });
  if (!gre.ok) return gre;
  const tun = TunDevice.open({ name: options.tunName ?? "ferry%d" });
  if (!tun.ok) {
    gre.value.close();
    return tun;
  }
  options.onEvent({ type: "tun-opened", ifname: tun.value.name });
  const socket = await connectControl(address.value, options.connectTimeoutMs ?? 10_000);
  if (!socket.ok) {
    tun.value.close();
    gre.value.close();
    return socket;
  }
  options.onEvent({ type: "tcp-connected", server: address.value });
  return opened(new DirectPump(options, address.value, socket.value, gre.value, tun.value));
}

async function resolveServer(server: string): Promise<IoResult<string>> {
  try {
    return opened((await lookup(server, { family: 4 })).address);
  } catch (cause) {
    return failed(
      ferryError(
        "SERVER_UNREACHABLE",
        `The name ${server} could not be resolved to an IPv4 address.`,
        "Check the spelling of the server name and that DNS works on this network (PPTP runs over IPv4 only).",
        { server },
        cause,
      ),
    );
  }
}

/** Moves bytes between the OS and the session, and keeps the session's one timer. */
class DirectPump implements DirectTunnel {
  readonly closed: Promise<{ error?: FerryError; connected: boolean }>;
  private readonly session: PptpSession;
  private readonly timer = new DeadlineTimer(() => this.step(() => this.session.handleTimeout(now())), now);
  private maxMss = 0;
  private undoNetwork: (() => Promise<void>) | undefined;
  private configureError: FerryError | undefined;
  private wasConnected = false;
  private finished = false;
  private settle!: (result: { error?: FerryError; connected: boolean }) => void;

  constructor(
    private readonly options: DirectTunnelOptions,
    private readonly server: string,
    private readonly socket: Socket,
    private readonly gre: GreSocket,
    private readonly tun: TunDevice,
  ) {
    this.closed = new Promise((resolve) => {
      this.settle = resolve;
    });
    this.session = new PptpSession(options.session);
    socket.on("data", (bytes: Buffer) => this.step(() => this.session.handleControlBytes(bytes, now())));
    socket.on("close", () => this.step(() => this.session.handleControlClosed(now())));
    socket.on("error", () => {}); // "close" follows and carries the news
    gre.onPackets((packets) =>
      this.step(() => {
        const t = now();
        for (const p of packets) this.session.handleGre(p, t);
      }),
    );
    tun.onPackets((packets) =>
      this.step(() => {
        const t = now();
        for (const p of packets) {
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
    return this.session.stats();
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
      this.socket.write(bytes);
    }
    const toServer: Uint8Array[] = [];
    for (let p = this.session.pollGre(); p !== undefined; p = this.session.pollGre()) toServer.push(p);
    if (toServer.length > 0) this.gre.send(toServer);
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
      void this.finish(this.configureError ?? event.error);
      return;
    }
    this.options.onEvent(event);
  }

  /** Announces `connected` only once addresses, routes and DNS are in place, so "connected" means usable. */
  private async configure(event: Extract<SessionEvent, { type: "connected" }>): Promise<void> {
    const configure = this.options.configure;
    if (configure !== undefined) {
      const result = await configure({
        ifname: this.tun.name,
        server: this.server,
        localAddress: event.localAddress,
        peerAddress: event.peerAddress,
        dns: event.dns,
        mtu: event.mtu,
      });
      if (!result.ok) {
        this.configureError = result.error;
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

  /** Puts the host back as it was: network configuration, TUN device, sockets. */
  private async finish(error: FerryError | undefined): Promise<void> {
    this.finished = true;
    this.timer.set(undefined);
    this.socket.end();
    await this.undoNetwork?.();
    this.tun.close();
    this.gre.close();
    this.options.onEvent(error === undefined ? { type: "closed" } : { type: "closed", error });
    this.settle(
      error === undefined ? { connected: this.wasConnected } : { error, connected: this.wasConnected },
    );
  }
}
