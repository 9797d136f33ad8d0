/** Health figures in words, shared by the tray tooltip (main) and the status panel (renderer). */
import type { Health, TunnelState } from "./service-api.js";

const STATE_LABELS: Readonly<Record<TunnelState, string>> = {
  disconnected: "Disconnected",
  connecting: "Connecting",
  "connected-direct": "Connected",
  "connected-relay": "Connected via relay",
  degraded: "Degraded",
  error: "Error",
};

export function stateLabel(state: TunnelState): string {
  return STATE_LABELS[state];
}

export function transportLabel(transport: NonNullable<Health["transport"]>): string {
  return transport === "direct" ? "direct" : "via relay";
}

/** Bits per second, in the unit a person reads at a glance. */
export function formatRate(bps: number): string {
  if (bps < 1000) return `${Math.round(bps)} bit/s`;
  if (bps < 1_000_000) return `${oneDecimal(bps / 1000)} kbit/s`;
  if (bps < 1_000_000_000) return `${oneDecimal(bps / 1_000_000)} Mbit/s`;
  return `${oneDecimal(bps / 1_000_000_000)} Gbit/s`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${oneDecimal(bytes / 1024)} KiB`;
  if (bytes < 1024 ** 3) return `${oneDecimal(bytes / 1024 ** 2)} MiB`;
  return `${oneDecimal(bytes / 1024 ** 3)} GiB`;
}

/** "42 s", "3 min 05 s", "2 h 07 min", "3 d 4 h". */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${pad(seconds % 60)} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${pad(minutes % 60)} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

export function formatRtt(ms: number): string {
  return `${Math.round(ms)} ms`;
}

export function formatLoss(percent: number): string {
  return `${oneDecimal(percent)} %`;
}

function oneDecimal(value: number): string {
  return value >= 100 ? String(Math.round(value)) : value.toFixed(1);
}

function pad(value: number): string {
  return String(value).padStart(2, "0");
}
