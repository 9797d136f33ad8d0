/**
 * The relay's raw GRE I/O behind a small interface, so that everything above it runs unprivileged in tests with an
 * in-process network. The real one is one raw IPv4 protocol-47 socket per PPTP server (GreSocket from the client
 * stack: packets arrive without their IP header, only from that server); the relay needs CAP_NET_RAW for it.
 */
import { GreSocket, type IoResult } from "@ferry/pptp-client/tunnel";

/** GRE to and from one PPTP server's address. */
export interface GrePort {
  /** Hands packets to the network without blocking; returns how many it took (the rest are dropped). */
  send(packets: readonly Uint8Array[]): number;
  /** Receives every later batch of packets from the server (each from its GRE header on). */
  onPackets(handler: (packets: Uint8Array[]) => void): void;
  close(): void;
}

export interface GreNetwork {
  open(server: string): IoResult<GrePort>;
}

/** Raw sockets through the native addon (Linux, CAP_NET_RAW). */
export const rawGreNetwork: GreNetwork = {
  open: (server) => GreSocket.open({ server }),
};
