/**
 * Shares one GRE port per PPTP server among every session to that server, and hands each packet from the server to
 * the session whose relay Call ID is in the packet's key (the Call ID allocator knows the owner). A port opens with
 * the first session to a server and closes with the last.
 */
import { failed, type IoResult, opened } from "@ferry/pptp-client/tunnel";
import { greCallId, greHeaderProblem } from "@ferry/pptp-client/wire";
import type { ServerCallIds } from "../relay/call-id-allocator.js";
import type { PptpTranslator } from "../relay/pptp-translator.js";
import { countFlow, type RelayCounters } from "../relay/relay-counters.js";
import type { GreNetwork, GrePort } from "./gre-network.js";

export type GreDelivery = (packet: Uint8Array) => void;

/** One session's use of a server's GRE port. */
export interface GreLink {
  /** Sends a batch to the server; packets the port does not take are counted as dropped. */
  send(packets: readonly Uint8Array[]): void;
  /** Stops delivery to this session; the port closes when no session uses it. */
  close(): void;
}

interface ServerPort {
  readonly port: GrePort;
  readonly sessions: Map<PptpTranslator, GreDelivery>;
}

export class GreRouter {
  private readonly ports = new Map<string, ServerPort>();
  /** Packets from other addresses that ports already closed had ignored. */
  private foreignOfClosedPorts = 0;

  constructor(
    private readonly network: GreNetwork,
    private readonly callIds: ServerCallIds<PptpTranslator>,
    private readonly counters: RelayCounters,
  ) {}

  /** Servers with an open port. */
  get openPorts(): number {
    return this.ports.size;
  }

  /** GRE packets that reached a server's port from another address and were dropped (see GrePort.stats). */
  foreignPackets(): number {
    let total = this.foreignOfClosedPorts;
    for (const { port } of this.ports.values()) total += port.stats().ignored;
    return total;
  }

  /** Routes the server's GRE for `translator`'s call to `deliver`, opening the server's port if needed. */
  attach(server: string, translator: PptpTranslator, deliver: GreDelivery): IoResult<GreLink> {
    let entry = this.ports.get(server);
    if (entry === undefined) {
      const port = this.network.open(server);
      if (!port.ok) return failed(port.error);
      const created: ServerPort = { port: port.value, sessions: new Map() };
      port.value.onPackets((packets) => this.fromServer(server, created, packets));
      this.ports.set(server, created);
      entry = created;
    }
    const { port, sessions } = entry;
    sessions.set(translator, deliver);
    let attached = true;
    return opened({
      send: (packets) => {
        if (!attached || packets.length === 0) return;
        this.counters.greDropped.send_failed += packets.length - port.send(packets);
      },
      close: () => {
        if (!attached) return;
        attached = false;
        sessions.delete(translator);
        if (sessions.size === 0 && this.ports.get(server) === entry) {
          this.ports.delete(server);
          this.closePort(port);
        }
      },
    });
  }

  /** Closes every port (relay shutdown). */
  close(): void {
    for (const { port } of this.ports.values()) this.closePort(port);
    this.ports.clear();
  }

  private closePort(port: GrePort): void {
    this.foreignOfClosedPorts += port.stats().ignored;
    port.close();
  }

  private fromServer(server: string, entry: ServerPort, packets: Uint8Array[]): void {
    const allocator = this.callIds.forServer(server);
    for (const packet of packets) {
      countFlow(this.counters, "from_server", "gre", packet.length);
      if (greHeaderProblem(packet) !== undefined) {
        this.counters.greDropped.malformed++;
        continue;
      }
      const owner = allocator.ownerOf(greCallId(packet));
      const deliver = owner === undefined ? undefined : entry.sessions.get(owner);
      if (deliver === undefined) this.counters.greDropped.unrouted++;
      else deliver(packet);
    }
  }
}
