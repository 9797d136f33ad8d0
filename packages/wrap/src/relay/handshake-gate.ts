/**
 * Bounds what a connection may hold before it is a session, so that clients which connect and then stall
 * (slowloris) cannot use up the relay:
 *
 *   accepted --TLS done--> secured --WebSocket upgrade--> awaiting hello --hello--> (a session; the gate forgets it)
 *
 * - Deadlines: the TLS handshake within `tlsTimeoutMs` of the TCP accept, the upgrade within `upgradeTimeoutMs` of
 *   the TLS handshake. The hello deadline after the upgrade is RelaySession's (PROTOCOL.md section 4).
 * - Counts, in all and per source: connections not yet upgraded, and WebSockets awaiting hello. A source at its
 *   limit is refused (it is the one stalling); a relay at its limit closes the oldest stalled connection to make
 *   room, so a flood from many sources delays honest clients, which finish in a few round trips, but cannot lock
 *   them out.
 *
 * Pure: the I/O layer names each connection by a key, passes `now`, closes what it is told to and follows
 * `nextTimeout()`.
 */
import type { HandshakeCut } from "./relay-counters.js";

/** Each limit at least 1. */
export interface HandshakeLimits {
  /** TCP connections not yet upgraded to a WebSocket (TLS handshake or HTTP request under way). */
  readonly connecting: number;
  readonly connectingPerSource: number;
  /** WebSockets whose hello has not arrived yet. */
  readonly awaitingHello: number;
  readonly awaitingHelloPerSource: number;
  readonly tlsTimeoutMs: number;
  readonly upgradeTimeoutMs: number;
}

export const DEFAULT_HANDSHAKE_LIMITS: HandshakeLimits = {
  connecting: 1024,
  connectingPerSource: 32,
  awaitingHello: 256,
  awaitingHelloPerSource: 8,
  tlsTimeoutMs: 10_000,
  upgradeTimeoutMs: 10_000,
};

/** Let in (after closing `evict`, connections the gate has already forgotten), or refused: close this one. */
export type Admission<K> =
  | { readonly admitted: true; readonly evict: readonly K[] }
  | { readonly admitted: false };

type Stage = "tls" | "http" | "hello";

interface Entry {
  readonly source: string;
  readonly stage: Stage;
  /** When the stage times out (hello: never here; RelaySession has that deadline). */
  readonly deadline: number;
}

interface SourceCounts {
  connecting: number;
  hello: number;
}

export class HandshakeGate<K> {
  /**
   * One map per stage, in order of entry. Every entry of a stage gets the same timeout from its `now`, and `now`
   * never goes back, so the first entry of a map is the first to time out (and the oldest to evict).
   */
  private readonly stages: Record<Stage, Map<K, Entry>> = {
    tls: new Map(),
    http: new Map(),
    hello: new Map(),
  };
  private readonly sources = new Map<string, SourceCounts>();

  constructor(
    private readonly limits: HandshakeLimits,
    /** Where cuts are counted (RelayCounters.handshakesCut). */
    private readonly cuts: Record<HandshakeCut, number>,
  ) {}

  /** Connections in each stage now. */
  pending(): Record<Stage, number> {
    return { tls: this.stages.tls.size, http: this.stages.http.size, hello: this.stages.hello.size };
  }

  /** Whether the gate tracks `key` (in any stage). */
  tracks(key: K): boolean {
    return this.stageOf(key) !== undefined;
  }

  /** A new TCP connection from `source`. */
  accepted(key: K, source: string, now: number): Admission<K> {
    const counts = this.countsOf(source);
    if (counts.connecting >= this.limits.connectingPerSource) {
      this.cuts.source_limit++;
      return { admitted: false };
    }
    const evict: K[] = [];
    while (this.stages.tls.size + this.stages.http.size >= this.limits.connecting) {
      const oldest = this.nearestDeadline();
      if (oldest === undefined) break;
      this.remove(oldest);
      this.cuts.evicted++;
      evict.push(oldest);
    }
    this.add(key, { source, stage: "tls", deadline: now + this.limits.tlsTimeoutMs });
    return { admitted: true, evict };
  }

  /** Its TLS handshake is done: the upgrade deadline starts. */
  secured(key: K, now: number): void {
    const entry = this.stages.tls.get(key);
    if (entry === undefined) return;
    this.stages.tls.delete(key);
    this.stages.http.set(key, {
      source: entry.source,
      stage: "http",
      deadline: now + this.limits.upgradeTimeoutMs,
    });
  }

  /** Its TLS handshake failed (the socket is closing anyway). */
  failed(key: K): void {
    if (this.stageOf(key) !== "tls") return;
    this.remove(key);
    this.cuts.tls_error++;
  }

  /** It is a WebSocket now; until its hello arrives it counts against the awaiting-hello limits. */
  upgraded(key: K, _now: number): Admission<K> {
    const entry = this.stages.http.get(key) ?? this.stages.tls.get(key);
    if (entry === undefined) return { admitted: false };
    this.remove(key);
    const counts = this.countsOf(entry.source);
    if (counts.hello >= this.limits.awaitingHelloPerSource) {
      this.cuts.hello_source_limit++;
      return { admitted: false };
    }
    const evict: K[] = [];
    while (this.stages.hello.size >= this.limits.awaitingHello) {
      const oldest = this.stages.hello.keys().next();
      if (oldest.done) break;
      this.remove(oldest.value);
      this.cuts.hello_evicted++;
      evict.push(oldest.value);
    }
    this.add(key, { source: entry.source, stage: "hello", deadline: Number.POSITIVE_INFINITY });
    return { admitted: true, evict };
  }

  /** Its hello arrived, or it is gone: the gate forgets it. Idempotent. */
  closed(key: K): void {
    this.remove(key);
  }

  /** When the next TLS or upgrade deadline falls, if any. */
  nextTimeout(): number | undefined {
    const at = this.nearestDeadline();
    return at === undefined ? undefined : this.entryOf(at)!.deadline;
  }

  /** The connections whose deadline has passed, forgotten and counted: close them. */
  handleTimeout(now: number): K[] {
    const expired: K[] = [];
    for (const stage of ["tls", "http"] as const) {
      for (const [key, entry] of this.stages[stage]) {
        if (entry.deadline > now) break;
        this.remove(key);
        this.cuts[stage === "tls" ? "tls_timeout" : "upgrade_timeout"]++;
        expired.push(key);
      }
    }
    return expired;
  }

  /** The not-yet-upgraded connection closest to its deadline. */
  private nearestDeadline(): K | undefined {
    const tls = this.stages.tls.entries().next();
    const http = this.stages.http.entries().next();
    if (tls.done) return http.done ? undefined : http.value[0];
    if (http.done) return tls.value[0];
    return tls.value[1].deadline <= http.value[1].deadline ? tls.value[0] : http.value[0];
  }

  private stageOf(key: K): Stage | undefined {
    return this.entryOf(key)?.stage;
  }

  private entryOf(key: K): Entry | undefined {
    return this.stages.tls.get(key) ?? this.stages.http.get(key) ?? this.stages.hello.get(key);
  }

  private countsOf(source: string): SourceCounts {
    return this.sources.get(source) ?? { connecting: 0, hello: 0 };
  }

  private add(key: K, entry: Entry): void {
    this.remove(key);
    this.stages[entry.stage].set(key, entry);
    const counts = this.countsOf(entry.source);
    if (entry.stage === "hello") counts.hello++;
    else counts.connecting++;
    this.sources.set(entry.source, counts);
  }

  private remove(key: K): void {
    const entry = this.entryOf(key);
    if (entry === undefined) return;
    this.stages[entry.stage].delete(key);
    const counts = this.countsOf(entry.source);
    if (entry.stage === "hello") counts.hello--;
    else counts.connecting--;
    if (counts.connecting + counts.hello === 0) this.sources.delete(entry.source);
  }
}
