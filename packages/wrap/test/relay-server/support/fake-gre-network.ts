/** An in-process GRE network for the relay: what it sends is recorded, and a test plays the server's side. */
import type { IoResult } from "@ferry/pptp-client/tunnel";
import type { GreNetwork, GrePort } from "../../../src/relay-server/gre-network.js";

class FakeGrePort implements GrePort {
  handler: ((packets: Uint8Array[]) => void) | undefined;
  closed = false;

  constructor(
    readonly server: string,
    private readonly network: FakeGreNetwork,
  ) {}

  send(packets: readonly Uint8Array[]): number {
    if (this.closed) return 0;
    for (const packet of packets)
      this.network.sent.push({ server: this.server, packet: Uint8Array.from(packet) });
    return packets.length;
  }

  onPackets(handler: (packets: Uint8Array[]) => void): void {
    this.handler = handler;
  }

  close(): void {
    this.closed = true;
  }
}

export class FakeGreNetwork implements GreNetwork {
  readonly sent: { server: string; packet: Uint8Array }[] = [];
  readonly ports: FakeGrePort[] = [];

  open(server: string): IoResult<GrePort> {
    const port = new FakeGrePort(server, this);
    this.ports.push(port);
    return { ok: true, value: port };
  }

  /** Open ports to `server` now. */
  openTo(server: string): number {
    return this.ports.filter((p) => p.server === server && !p.closed).length;
  }

  /** GRE from `server` to the relay (copies, since the relay rewrites in place). */
  fromServer(server: string, packets: readonly Uint8Array[]): void {
    const port = this.ports.find((p) => p.server === server && !p.closed);
    port?.handler?.(packets.map((p) => Uint8Array.from(p)));
  }
}
