/**
 * What the tray shows, computed from what the tunnel reports: the connect policy's events give the state, a stats
 * sample every second gives the figures. Sans-IO: every input carries `now` (monotonic milliseconds).
 */
import type { SessionStats } from "@ferry/pptp-client";
import type { ConnectEvent, FallbackReason } from "@ferry/wrap";
import type { ApiError, Health } from "../api/protocol.js";
import { KEEPALIVE_OFF_WINDOW_MS } from "./keepalive-window.js";

export type StatsSample = Pick<
  SessionStats,
  "bytesIn" | "bytesOut" | "packetsIn" | "packetsOut" | "lost" | "lastRttMs"
>;

export interface HealthThresholds {
  /** Rates and loss are measured over this much history (default 5 s). */
  readonly windowMs: number;
  readonly maxLossPercent: number;
  readonly maxRttMs: number;
}

export const DEFAULT_HEALTH_THRESHOLDS: HealthThresholds = {
  windowMs: 5_000,
  maxLossPercent: 5,
  maxRttMs: 500,
};

type Phase =
  | { readonly kind: "idle" }
  | { readonly kind: "connecting" }
  | { readonly kind: "connected"; readonly since: number }
  | { readonly kind: "reconnecting"; readonly because: string }
  | { readonly kind: "closed"; readonly error?: ApiError };

interface Sample extends StatsSample {
  readonly at: number;
}

export class HealthMonitor {
  private readonly thresholds: HealthThresholds;
  private phase: Phase = { kind: "idle" };
  private profileId: string | undefined;
  /** Sent but nothing received this long: "looks up but passes nothing" (per tunnel: keepalive-window.ts). */
  private stallWindowMs = KEEPALIVE_OFF_WINDOW_MS;
  private transport: "direct" | "wrap" | undefined;
  private fallbackReason: FallbackReason | undefined;
  private localAddress: string | undefined;
  private ifname: string | undefined;
  private rttMs: number | undefined;
  /** Oldest first; the first one is the baseline at or before the window's start. */
  private samples: Sample[] = [];
  /** Since when output has gone out with nothing coming back; undefined while traffic flows both ways. */
  private unansweredSince: number | undefined;

  constructor(thresholds: Partial<HealthThresholds> = {}) {
    this.thresholds = { ...DEFAULT_HEALTH_THRESHOLDS, ...thresholds };
  }

  /**
   * A new tunnel for this profile: everything from the previous one is forgotten. `keepaliveWindowMs`: how long it
   * may send with nothing coming back before it counts as stalled (keepaliveWindowMs() of its profile).
   */
  start(profileId: string, keepaliveWindowMs: number): void {
    this.profileId = profileId;
    this.stallWindowMs = keepaliveWindowMs;
    this.phase = { kind: "connecting" };
    this.transport = undefined;
    this.fallbackReason = undefined;
    this.localAddress = undefined;
    this.ifname = undefined;
    this.rttMs = undefined;
    this.resetFigures();
  }

  event(event: ConnectEvent, now: number): void {
    switch (event.type) {
      case "transport-decided":
        this.transport = event.transport;
        this.fallbackReason = event.fallbackReason;
        return;
      case "tun-opened":
        this.ifname = event.ifname;
        return;
      case "connected":
        this.transport = event.transport;
        this.fallbackReason = event.fallbackReason;
        this.localAddress = event.localAddress;
        this.phase = { kind: "connected", since: now };
        this.resetFigures();
        return;
      case "rtt":
        this.rttMs = event.rttMs;
        return;
      case "reconnecting":
        this.phase = {
          kind: "reconnecting",
          because: `reconnecting (attempt ${event.attempt}): ${event.error.message}`,
        };
        return;
      default:
        return;
    }
  }

  sample(stats: StatsSample, now: number): void {
    const previous = this.samples.at(-1);
    if (previous !== undefined && (stats.bytesIn < previous.bytesIn || stats.bytesOut < previous.bytesOut)) {
      this.resetFigures(); // Counters went back: a new session under the same connection.
    }
    const last = this.samples.at(-1);
    if (last !== undefined) {
      if (stats.bytesIn > last.bytesIn) this.unansweredSince = undefined;
      // The output went out somewhere after the last sample: count from there, so degraded shows in time.
      else if (stats.bytesOut > last.bytesOut) this.unansweredSince ??= last.at;
    }
    if (stats.lastRttMs !== undefined) this.rttMs = stats.lastRttMs;
    this.samples.push({ ...stats, at: now });
    const windowStart = now - this.thresholds.windowMs;
    while (this.samples.length > 2 && this.samples[1]!.at <= windowStart) this.samples.shift();
  }

  /** The tunnel ended: by the user (no error) or for good (an error). */
  closed(error: ApiError | undefined): void {
    this.phase = error === undefined ? { kind: "closed" } : { kind: "closed", error };
  }

  /** How long output has gone unanswered; 0 while traffic flows both ways or nothing is sent. */
  silentForMs(now: number): number {
    return this.phase.kind !== "connected" || this.unansweredSince === undefined
      ? 0
      : now - this.unansweredSince;
  }

  get keepaliveWindowMs(): number {
    return this.stallWindowMs;
  }

  health(now: number): Health {
    const figures = this.figures();
    const base = {
      ...(this.profileId === undefined ? {} : { profileId: this.profileId }),
      ...(this.transport === undefined ? {} : { transport: this.transport }),
      ...(this.fallbackReason === undefined ? {} : { fallbackReason: this.fallbackReason }),
      ...(this.ifname === undefined ? {} : { interface: this.ifname }),
      bytesIn: figures.bytesIn,
      bytesOut: figures.bytesOut,
      rateInBps: figures.rateInBps,
      rateOutBps: figures.rateOutBps,
    };
    const phase = this.phase;
    switch (phase.kind) {
      case "idle":
        return { state: "disconnected", ...base };
      case "connecting":
        return { state: "connecting", ...base };
      case "reconnecting":
        return { state: "degraded", ...base, degradedBecause: phase.because };
      case "closed":
        return phase.error === undefined
          ? { state: "disconnected", ...base }
          : { state: "error", ...base, error: phase.error };
      case "connected": {
        const live = {
          ...base,
          ...(this.localAddress === undefined ? {} : { localAddress: this.localAddress }),
          ...(this.rttMs === undefined ? {} : { rttMs: this.rttMs }),
          ...(figures.lossPercent === undefined ? {} : { lossPercent: figures.lossPercent }),
          uptimeMs: now - phase.since,
        };
        const because = this.degradedBecause(now, figures.lossPercent);
        if (because !== undefined) return { state: "degraded", ...live, degradedBecause: because };
        return { state: this.transport === "wrap" ? "connected-relay" : "connected-direct", ...live };
      }
    }
  }

  private degradedBecause(now: number, lossPercent: number | undefined): string | undefined {
    const reasons: string[] = [];
    const silentMs = this.silentForMs(now);
    if (silentMs >= this.stallWindowMs) reasons.push(`nothing received for ${Math.floor(silentMs / 1000)} s`);
    if (lossPercent !== undefined && lossPercent > this.thresholds.maxLossPercent)
      reasons.push(`${Math.round(lossPercent)} % loss`);
    if (this.rttMs !== undefined && this.rttMs > this.thresholds.maxRttMs)
      reasons.push(`round trip ${Math.round(this.rttMs)} ms`);
    return reasons.length === 0 ? undefined : reasons.join(", ");
  }

  private figures() {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (first === undefined || last === undefined)
      return { bytesIn: 0, bytesOut: 0, rateInBps: 0, rateOutBps: 0, lossPercent: undefined };
    const seconds = (last.at - first.at) / 1000;
    const rate = (bytes: number) => (seconds > 0 ? Math.round((bytes * 8) / seconds) : 0);
    const lost = last.lost - first.lost;
    const expected = last.packetsIn - first.packetsIn + lost;
    return {
      bytesIn: last.bytesIn,
      bytesOut: last.bytesOut,
      rateInBps: rate(last.bytesIn - first.bytesIn),
      rateOutBps: rate(last.bytesOut - first.bytesOut),
      lossPercent: expected > 0 ? (lost * 100) / expected : 0,
    };
  }

  private resetFigures(): void {
    this.samples = [];
    this.unansweredSince = undefined;
  }
}
