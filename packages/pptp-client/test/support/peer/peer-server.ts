/**
 * The test peer on real I/O (Linux, root), for benchmarks and manual runs, not shipped: a PPTP server that accepts
 * one client on TCP 1723, runs PptpPeer's control and PPP over a raw GRE socket, and moves the client's IP packets
 * to and from a TUN device, so the kernel on this side can answer them (iperf3, ping).
 */

import { createServer, type Server, type Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { GreSocket } from "../../../src/io/gre-socket.js";
import type { IoResult } from "../../../src/io/io-result.js";
import type { PacketFdStats } from "../../../src/io/packet-fd.js";
import { TunDevice } from "../../../src/io/tun-device.js";
import { DeadlineTimer } from "../../../src/tunnel/deadline-timer.js";
import type { PptpPeer } from "./pptp-peer.js";

export interface PeerServerOptions {
  /** Answers the client; its IP packets go to the TUN device (the server takes the peer's onIp). */
  readonly peer: PptpPeer;
  /** Address to listen on (TCP 1723). */
  readonly host: string;
  readonly port?: number;
  readonly tunName: string;
  readonly log: (line: string) => void;
}

export interface PeerServerStats {
  readonly toClient: number;
  readonly fromClient: number;
  readonly channelDropped: number;
  readonly tun: PacketFdStats;
  readonly gre?: PacketFdStats;
}

const now = (): number => performance.now();

/** Serves one client, then stops listening; `ended` settles when that client's control connection closes. */
export class PeerServer {
  readonly ended: Promise<void>;
  private readonly server: Server;
  private socket: Socket | undefined;
  private gre: GreSocket | undefined;
  private readonly timer = new DeadlineTimer(() => {
    this.options.peer.handleTimeout(now());
    this.flush();
  }, now);
  private toClient = 0;
  private fromClient = 0;
  /** IP packets the peer decrypted during one GRE batch, written to the TUN device together. */
  private toTun: Uint8Array[] = [];
  private loggedPppEvents = 0;
  private finish!: () => void;

  private constructor(
    private readonly options: PeerServerOptions,
    readonly tun: TunDevice,
  ) {
    this.ended = new Promise((resolve) => {
      this.finish = resolve;
    });
    this.server = createServer({ noDelay: true }, (socket) => this.accept(socket));
    tun.onPackets((packets) => this.fromTun(packets));
    options.peer.onIp = (ip) => this.toTun.push(ip);
  }

  /** Opens the TUN device and starts listening; the caller addresses the device (`tun.name`) and brings it up. */
  static async listen(options: PeerServerOptions): Promise<IoResult<PeerServer>> {
    const tun = TunDevice.open({ name: options.tunName });
    if (!tun.ok) return tun;
    const server = new PeerServer(options, tun.value);
    await new Promise<void>((resolve, reject) => {
      server.server.once("error", reject);
      server.server.listen(options.port ?? 1723, options.host, resolve);
    });
    return { ok: true, value: server };
  }

  stats(): PeerServerStats {
    return {
      toClient: this.toClient,
      fromClient: this.fromClient,
      channelDropped: this.options.peer.channel.dropped,
      tun: this.tun.stats(),
      ...(this.gre === undefined ? {} : { gre: this.gre.stats() }),
    };
  }

  close(): void {
    this.timer.set(undefined);
    this.server.close();
    this.socket?.destroy();
    this.gre?.close();
    this.tun.close();
    this.finish();
  }

  private accept(socket: Socket): void {
    if (this.socket !== undefined) {
      socket.destroy();
      return;
    }
    const client = socket.remoteAddress?.replace(/^::ffff:/, "") ?? "";
    // The GRE socket must exist before the call is up, or the client's first GRE packet draws an ICMP error.
    const gre = GreSocket.open({ server: client });
    if (!gre.ok) {
      this.options.log(`GRE socket towards ${client} failed: ${gre.error.message}`);
      socket.destroy();
      return;
    }
    this.socket = socket;
    this.gre = gre.value;
    this.server.close();
    this.options.log(`client ${client} connected`);
    gre.value.onPackets((packets) => this.fromGre(packets));
    socket.on("data", (bytes: Buffer) => {
      this.options.peer.handleControlBytes(bytes, now());
      this.flush();
    });
    socket.on("error", () => {}); // "close" follows
    socket.on("close", () => {
      this.options.log("client closed the control connection");
      this.close();
    });
  }

  /** One batch of GRE into the peer; the IP packets it decrypts (views, not copies) go to the TUN device at once. */
  private fromGre(packets: Uint8Array[]): void {
    const { peer } = this.options;
    const t = now();
    for (const p of packets) peer.handleGre(p, t);
    const toTun = this.toTun;
    this.toTun = [];
    this.fromClient += toTun.length;
    if (toTun.length > 0) this.tun.send(toTun);
    for (const event of peer.pppEvents.slice(this.loggedPppEvents)) this.options.log(`ppp ${event.type}`);
    this.loggedPppEvents = peer.pppEvents.length;
    this.flush();
  }

  private fromTun(packets: Uint8Array[]): void {
    // Before the call is up there is no link to carry anything (the kernel sends on a fresh device at once).
    if (this.options.peer.channel.ppp === undefined) return;
    const t = now();
    for (const p of packets) this.options.peer.sendIp(p, t);
    this.toClient += packets.length;
    this.flush();
  }

  /** Moves every output of the peer to its socket, then re-arms the peer's one timer. */
  private flush(): void {
    const { peer } = this.options;
    for (let bytes = peer.pollControlBytes(); bytes !== undefined; bytes = peer.pollControlBytes()) {
      this.socket?.write(bytes);
    }
    const toClient: Uint8Array[] = [];
    for (let p = peer.pollGre(); p !== undefined; p = peer.pollGre()) toClient.push(p);
    if (toClient.length > 0) this.gre?.send(toClient);
    this.timer.set(peer.pollTimeout());
  }
}
