/**
 * Prometheus metrics for ferry-relay, in a Registry of its own (never prom-client's global one, so that embedding
 * the relay in another process mixes nothing). Traffic counters mirror the RelayCounters totals the sans-IO core
 * keeps: they are read when scraped, so the per-packet path touches plain numbers only.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import {
  FLOW_CHANNELS,
  FLOW_DIRECTIONS,
  type Flow,
  GRE_DROP_REASONS,
  HANDSHAKE_CUTS,
  type RelayCounters,
} from "../relay/relay-counters.js";
import type { SessionOutcome } from "../relay/relay-session.js";
import type { GreProbeCounts } from "./gre-probe-answerer.js";

export interface RelayState {
  activeSessions(): number;
  clientUnsentBytes(): number;
  draining(): boolean;
  greProbes(): GreProbeCounts;
  /** GRE that reached a server's port from another address (GreRouter.foreignPackets). */
  greForeign(): number;
  /** Connections not yet sessions, by stage (HandshakeGate.pending). */
  handshakesPending(): Readonly<Record<"tls" | "http" | "hello", number>>;
  /** New connections refused over their source's rate (ConnectionRateLimit.refused). */
  connectionsRateLimited(): number;
}

export class RelayMetrics {
  readonly registry = new Registry();
  private readonly sessionsTotal: Counter<"outcome">;
  private readonly authFailures: Counter;
  private readonly handshakeSeconds: Histogram;

  constructor(counters: RelayCounters, state: RelayState) {
    const registers = [this.registry];
    new Gauge({
      name: "ferry_relay_sessions_active",
      help: "Client sessions open now (WebSockets accepted and not yet closed).",
      registers,
      collect() {
        this.set(state.activeSessions());
      },
    });
    new Gauge({
      name: "ferry_relay_client_unsent_bytes",
      help: "Bytes queued on client WebSockets, not yet sent; GRE is dropped per session above 64 KiB.",
      registers,
      collect() {
        this.set(state.clientUnsentBytes());
      },
    });
    new Gauge({
      name: "ferry_relay_draining",
      help: "1 while the relay is shutting down and draining its sessions.",
      registers,
      collect() {
        this.set(state.draining() ? 1 : 0);
      },
    });
    this.sessionsTotal = new Counter({
      name: "ferry_relay_sessions_total",
      help: "Client sessions ended, by outcome (a relay error code, client_closed or server_closed).",
      labelNames: ["outcome"],
      registers,
    });
    this.authFailures = new Counter({
      name: "ferry_relay_auth_failures_total",
      help: "Hellos refused for a wrong token or a missing client certificate.",
      registers,
    });
    new Counter({
      name: "ferry_relay_auth_throttled_total",
      help: "Hellos refused unchecked (RELAY_AUTH_FAILED) while their source cooled down after 5 wrong tokens in a minute.",
      registers,
      collect() {
        this.reset();
        this.inc(counters.authThrottled);
      },
    });
    new Counter({
      name: "ferry_relay_handshakes_cut_total",
      help: "Connections closed before they became sessions, by reason (timeouts, TLS errors, per-source limits, evictions).",
      labelNames: ["reason"],
      registers,
      collect() {
        this.reset();
        for (const reason of HANDSHAKE_CUTS) this.inc({ reason }, counters.handshakesCut[reason]);
      },
    });
    new Counter({
      name: "ferry_relay_connections_rate_limited_total",
      help: "New TCP connections closed at accept, before TLS, because their source opened them faster than its rate.",
      registers,
      collect() {
        this.reset();
        this.inc(state.connectionsRateLimited());
      },
    });
    new Gauge({
      name: "ferry_relay_handshakes_pending",
      help: "Connections not yet sessions, by stage: tls (handshake under way), http (no upgrade yet), hello (no hello yet).",
      labelNames: ["stage"],
      registers,
      collect() {
        const pending = state.handshakesPending();
        for (const stage of ["tls", "http", "hello"] as const) this.set({ stage }, pending[stage]);
      },
    });
    this.handshakeSeconds = new Histogram({
      name: "ferry_relay_handshake_seconds",
      help: "Time from the WebSocket upgrade to welcome (hello, allowlist, DNS and the TCP 1723 connect).",
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    const flowCounter = (name: string, help: string, read: (flow: Flow) => number) =>
      new Counter({
        name,
        help,
        labelNames: ["direction", "channel"],
        registers,
        collect() {
          this.reset();
          for (const direction of FLOW_DIRECTIONS)
            for (const channel of FLOW_CHANNELS)
              this.inc({ direction, channel }, read(counters.flows[direction][channel]));
        },
      });
    flowCounter(
      "ferry_relay_packets_total",
      "Frames (client side) and packets or TCP reads (server side), by direction and channel.",
      (flow) => flow.packets,
    );
    flowCounter("ferry_relay_bytes_total", "Bytes by direction and channel.", (flow) => flow.bytes);
    new Counter({
      name: "ferry_relay_gre_dropped_total",
      help: "GRE packets not forwarded, by reason (backpressure: the client's WebSocket had over 64 KiB unsent; foreign_source: not from the server its port is for).",
      labelNames: ["reason"],
      registers,
      collect() {
        this.reset();
        for (const reason of GRE_DROP_REASONS) this.inc({ reason }, counters.greDropped[reason]);
        this.inc({ reason: "foreign_source" }, state.greForeign());
      },
    });
    new Counter({
      name: "ferry_relay_probes_total",
      help: "Probes from clients: answered, or ignored over the limit of 10 per second per session.",
      labelNames: ["result"],
      registers,
      collect() {
        this.reset();
        this.inc({ result: "answered" }, counters.probesAnswered);
        this.inc({ result: "ignored" }, counters.probesIgnored);
      },
    });
    new Counter({
      name: "ferry_relay_gre_probes_total",
      help: "GRE packets with Call ID 0 (GRE probes): answered, or ignored (not a probe, or over 10 per second per source).",
      labelNames: ["result"],
      registers,
      collect() {
        this.reset();
        const probes = state.greProbes();
        this.inc({ result: "answered" }, probes.answered);
        this.inc({ result: "ignored" }, probes.ignored);
      },
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  sessionEnded(outcome: SessionOutcome): void {
    this.sessionsTotal.inc({ outcome: outcomeLabel(outcome) });
    if (outcome === "RELAY_AUTH_FAILED") this.authFailures.inc();
  }

  handshakeDone(ms: number): void {
    this.handshakeSeconds.observe(ms / 1000);
  }
}

/** "RELAY_AUTH_FAILED" -> "auth_failed", "CLIENT_CLOSED" -> "client_closed": short, stable label values. */
export function outcomeLabel(outcome: SessionOutcome): string {
  return outcome.replace(/^RELAY_/, "").toLowerCase();
}
