/**
 * The relay's raw GRE I/O behind a small interface, so that everything above it runs unprivileged in tests with an
 * in-process network. The real one is one raw IPv4 protocol-47 socket per PPTP server (GreSocket from the client
 * stack: packets arrive without their IP header, only from that server), and one more for GRE probes from anyone
 * (Call ID 0 only, with each packet's source); the relay needs CAP_NET_RAW for them.
 */
import { GreProbeSocket, GreSocket, type IoResult } from "@ferry/pptp-client/tunnel";

/** GRE to and from one PPTP server's address. */
export interface GrePort {
  /** Hands packets to the network without blocking; returns how many it took (the rest are dropped). */
  send(packets: readonly Uint8Array[]): number;
  /** Receives every later batch of packets from the server (each from its GRE header on). */
  onPackets(handler: (packets: Uint8Array[]) => void): void;
  /**
   * `ignored`: packets read but not handed on, chiefly GRE from an address other than the server's. The port is
   * connected to the server, so the kernel drops most such packets before they are read; these got past it.
   */
  stats(): { readonly ignored: number };
  close(): void;
}

/** A GRE packet (from its GRE header on) and the IPv4 address it came from or goes to. */
export interface GreDatagram {
  readonly source: string;
  readonly packet: Uint8Array;
}

/** GRE probes (Call ID 0) from and to any address (PROTOCOL.md section 6.5). */
export interface GreProbePort {
  onDatagrams(handler: (datagrams: GreDatagram[]) => void): void;
  /** Returns how many packets the network took. */
  sendTo(address: string, packets: readonly Uint8Array[]): number;
  close(): void;
}

export interface GreNetwork {
  open(server: string): IoResult<GrePort>;
  /** Absent where probes cannot be received at all; the relay then answers none. */
  openProbes?(): IoResult<GreProbePort>;
}

/** Probes are a few small packets a second: a small socket buffer is enough. */
const PROBE_BUFFER_BYTES = 256 * 1024;

/** Raw sockets through the native addon (Linux, CAP_NET_RAW). */
export const rawGreNetwork: GreNetwork = {
  open: (server) => GreSocket.open({ server }),
  openProbes: () => GreProbeSocket.open({ bufferBytes: PROBE_BUFFER_BYTES }),
};
