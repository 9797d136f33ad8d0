/**
 * An in-process GRE network for the relay: what it sends is recorded (or answered by `reflect`), and a test plays
 * the server's side, spoofers' packets from other addresses and, with a probe port, clients sending GRE probes.
 */
import { ferryError } from "@ferry/pptp-client";
import { failed, type IoResult } from "@ferry/pptp-client/tunnel";
import type {
  GreDatagram,
  GreNetwork,
  GrePort,
  GreProbePort,
} from "../../../src/relay-server/gre-network.js";

class FakeGrePort implements GrePort {
  handler: ((packets: Uint8Array[]) => void) | undefined;
  closed = false;
  /** Packets from addresses other than the server's, dropped as GreSocket's source filter drops them. */
  ignored = 0;

  constructor(
    readonly server: string,
    private readonly network: FakeGreNetwork,
  ) {}

  send(packets: readonly Uint8Array[]): number {
    if (this.closed) return 0;
    const reflect = this.network.reflect;
    if (reflect === undefined) {
      for (const packet of packets)
        this.network.sent.push({ server: this.server, packet: Uint8Array.from(packet) });
      return packets.length;
    }
    const answers = packets.flatMap((packet) => reflect(this.server, packet) ?? []);
    if (answers.length > 0)
      setImmediate(() => {
        if (!this.closed) this.handler?.(answers);
      });
    return packets.length;
  }

  onPackets(handler: (packets: Uint8Array[]) => void): void {
    this.handler = handler;
  }

  stats(): { ignored: number } {
    return { ignored: this.ignored };
  }

  close(): void {
    this.closed = true;
  }
}

class FakeGreProbePort implements GreProbePort {
  handler: ((datagrams: GreDatagram[]) => void) | undefined;
  /** Replies the relay sent, with their destination in `source`. */
  readonly sent: GreDatagram[] = [];
  closed = false;

  onDatagrams(handler: (datagrams: GreDatagram[]) => void): void {
    this.handler = handler;
  }

  sendTo(address: string, packets: readonly Uint8Array[]): number {
    if (this.closed) return 0;
    for (const packet of packets) this.sent.push({ source: address, packet: Uint8Array.from(packet) });
    return packets.length;
  }

  close(): void {
    this.closed = true;
  }
}

export class FakeGreNetwork implements GreNetwork {
  readonly sent: { server: string; packet: Uint8Array }[] = [];
  readonly ports: FakeGrePort[] = [];
  /** Set once the relay opened it. */
  probePort: FakeGreProbePort | undefined;
  readonly openProbes?: () => IoResult<GreProbePort>;
  /** When set, the server answers each packet the relay sends it at once with this (nothing is recorded). */
  reflect: ((server: string, packet: Uint8Array) => Uint8Array | undefined) | undefined;

  /** `probes`: "none" has no probe socket at all, "refused" fails to open one (no CAP_NET_RAW). */
  constructor(probes: "open" | "refused" | "none" = "none") {
    if (probes === "open") {
      this.openProbes = () => {
        this.probePort = new FakeGreProbePort();
        return { ok: true, value: this.probePort };
      };
    } else if (probes === "refused") {
      this.openProbes = () =>
        failed(ferryError("NOT_PERMITTED", "Opening a raw GRE socket for probes failed.", "Run as root."));
    }
  }

  open(server: string): IoResult<GrePort> {
    const port = new FakeGrePort(server, this);
    this.ports.push(port);
    return { ok: true, value: port };
  }

  /** Open ports to `server` now. */
  openTo(server: string): number {
    return this.ports.filter((p) => p.server === server && !p.closed).length;
  }

  /** GRE probes (or anything with Call ID 0) from `source` to the relay's probe socket. */
  probeFrom(source: string, packets: readonly Uint8Array[]): void {
    this.probePort?.handler?.(packets.map((packet) => ({ source, packet })));
  }

  /**
   * GRE from `source` reaching every open port, as a raw socket reads any GRE to the host: each port hands on only
   * its server's packets and counts the rest as ignored.
   */
  fromAddress(source: string, packets: readonly Uint8Array[]): void {
    for (const port of this.ports.filter((p) => !p.closed)) {
      if (port.server === source) port.handler?.(packets.map((p) => Uint8Array.from(p)));
      else port.ignored += packets.length;
    }
  }

  /** GRE from `server` to the relay (copies, since the relay rewrites in place). */
  fromServer(server: string, packets: readonly Uint8Array[]): void {
    const port = this.ports.find((p) => p.server === server && !p.closed);
    port?.handler?.(packets.map((p) => Uint8Array.from(p)));
  }
}
