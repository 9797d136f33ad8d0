/** What the tray shows for a Health: an icon per state and a tooltip with the figures. Pure. */
import {
  formatDuration,
  formatLoss,
  formatRate,
  formatRtt,
  stateLabel,
  transportLabel,
} from "../shared/format.js";
import type { Health, TunnelState } from "../shared/service-api.js";

/** Every tray state, in the order the icons are drawn and checked. */
export const TRAY_STATES: readonly TunnelState[] = [
  "disconnected",
  "connecting",
  "connected-direct",
  "connected-relay",
  "degraded",
  "error",
];

/** Icon sizes shipped in resources/icons: 32 for normal panels, 64 for HiDPI ones. */
export const ICON_SIZES = [32, 64] as const;

/** resources/icons/<state>-<size>.png, rendered from resources/icons/<state>.svg. */
export function trayIconFile(state: TunnelState, size: (typeof ICON_SIZES)[number]): string {
  return `${state}-${size}.png`;
}

/**
 * The tooltip, one fact per line: state and profile first (all some panels show), then the figures.
 * `profileName` is the profile's display name when the main process knows it.
 */
export function trayTooltip(health: Health, profileName?: string): string {
  const profile = profileName ?? health.profileId;
  const headline = `Ferry: ${stateLabel(health.state).toLowerCase()}${profile === undefined ? "" : ` · ${profile}`}`;
  switch (health.state) {
    case "disconnected":
      return headline;
    case "connecting":
      return `${headline}…`;
    case "error":
      return health.error === undefined ? headline : `${headline}\n${health.error.message}`;
    case "connected-direct":
    case "connected-relay":
    case "degraded":
      return [headline, ...figureLines(health)].join("\n");
  }
}

function figureLines(health: Health): string[] {
  const lines: string[] = [];
  if (health.state === "degraded" && health.degradedBecause !== undefined) lines.push(health.degradedBecause);
  if (health.transport !== undefined) lines.push(`Transport: ${transportLabel(health.transport)}`);
  const quality = [
    health.rttMs === undefined ? undefined : `RTT ${formatRtt(health.rttMs)}`,
    health.lossPercent === undefined ? undefined : `loss ${formatLoss(health.lossPercent)}`,
  ].filter((part) => part !== undefined);
  if (quality.length > 0) lines.push(quality.join(" · "));
  lines.push(`↓ ${formatRate(health.rateInBps)} · ↑ ${formatRate(health.rateOutBps)}`);
  if (health.uptimeMs !== undefined) lines.push(`Up ${formatDuration(health.uptimeMs)}`);
  return lines;
}
