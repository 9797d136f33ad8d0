/**
 * The relay's sessions open now, counted per source (sourceKey: an IPv4 address or an IPv6 /64) against its limits
 * on sessions in all and from one source, so that a new WebSocket past a limit is told RELAY_BUSY, and a shutdown
 * can wait for the last session to go.
 */
import type { ClientConnection } from "./client-connection.js";

export class OpenSessions implements Iterable<ClientConnection> {
  private readonly connections = new Set<ClientConnection>();
  private readonly perSource = new Map<string, number>();
  private onEmpty: (() => void) | undefined;

  constructor(
    private readonly maxSessions: number,
    private readonly maxPerSource: number,
  ) {}

  get size(): number {
    return this.connections.size;
  }

  [Symbol.iterator](): Iterator<ClientConnection> {
    return this.connections.values();
  }

  /** RELAY_BUSY's message when one more session from `source` would pass a limit; undefined when it fits. */
  busy(source: string): string | undefined {
    if (this.connections.size >= this.maxSessions) {
      return `The relay is at its limit of ${this.maxSessions} sessions.`;
    }
    if ((this.perSource.get(source) ?? 0) >= this.maxPerSource) {
      return `The relay is at its limit of ${this.maxPerSource} sessions from one address.`;
    }
    return undefined;
  }

  add(connection: ClientConnection, source: string): void {
    this.perSource.set(source, (this.perSource.get(source) ?? 0) + 1);
    this.connections.add(connection);
  }

  remove(connection: ClientConnection, source: string): void {
    if (!this.connections.delete(connection)) return;
    const left = (this.perSource.get(source) ?? 1) - 1;
    if (left <= 0) this.perSource.delete(source);
    else this.perSource.set(source, left);
    if (this.connections.size === 0) this.onEmpty?.();
  }

  /** Resolves once no session is open (at once if none is). */
  emptied(): Promise<void> {
    return new Promise((resolve) => {
      this.onEmpty = resolve;
      if (this.connections.size === 0) resolve();
    });
  }

  /** Bytes queued on all client WebSockets and not yet sent. */
  clientUnsentBytes(): number {
    let total = 0;
    for (const connection of this.connections) total += connection.clientUnsent;
    return total;
  }
}
