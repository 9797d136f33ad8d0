/** The status panel: the state in words, the health figures, and the live chart. */
import {
  formatBytes,
  formatDuration,
  formatLoss,
  formatRate,
  formatRtt,
  stateLabel,
  transportLabel,
} from "../shared/format.js";
import type { ApiError, Health } from "../shared/service-api.js";
import { drawChart } from "./chart.js";
import { byId, el } from "./dom.js";
import type { Sample } from "./samples.js";

export function renderStatus(
  health: Health,
  profileName: string | undefined,
  samples: readonly Sample[],
): void {
  const panel = byId<HTMLElement>("status");
  panel.dataset.state = health.state;
  byId("status-state").textContent = stateLabel(health.state);
  byId("status-profile").textContent = profileName ?? "";
  byId("status-reason").textContent = reasonOf(health);
  byId<HTMLElement>("status-figures").replaceChildren(
    ...figures(health).flatMap(([label, value, key]) => [
      el("dt", {}, label),
      el("dd", { "data-figure": key }, value),
    ]),
  );
  const chart = byId<HTMLCanvasElement>("status-chart");
  chart.hidden = samples.length === 0;
  if (!chart.hidden) drawChart(chart, samples);
}

/** An error from the bridge itself (the service unreachable, a refused connect), shown until the next action. */
export function showActionError(error: ApiError | undefined): void {
  const box = byId<HTMLElement>("action-error");
  box.hidden = error === undefined;
  box.replaceChildren(...(error === undefined ? [] : [el("strong", {}, error.message), " ", error.hint]));
}

function reasonOf(health: Health): string {
  if (health.state === "error" && health.error !== undefined)
    return `${health.error.message} ${health.error.hint}`;
  if (health.state === "degraded" && health.degradedBecause !== undefined) return health.degradedBecause;
  if (health.state === "connected-relay" && health.fallbackReason !== undefined) {
    return `Direct PPTP did not get through (${health.fallbackReason}); the session runs inside TLS via the relay.`;
  }
  return "";
}

type Figure = readonly [label: string, value: string, key: string];

function figures(health: Health): Figure[] {
  if (health.state === "disconnected" || health.state === "error") return [];
  const list: (Figure | undefined)[] = [
    health.transport === undefined ? undefined : ["Transport", transportLabel(health.transport), "transport"],
    health.rttMs === undefined ? undefined : ["RTT", formatRtt(health.rttMs), "rtt"],
    health.lossPercent === undefined ? undefined : ["Loss", formatLoss(health.lossPercent), "loss"],
    ["Download", formatRate(health.rateInBps), "rate-in"],
    ["Upload", formatRate(health.rateOutBps), "rate-out"],
    ["Received", formatBytes(health.bytesIn), "bytes-in"],
    ["Sent", formatBytes(health.bytesOut), "bytes-out"],
    health.uptimeMs === undefined ? undefined : ["Uptime", formatDuration(health.uptimeMs), "uptime"],
    health.localAddress === undefined ? undefined : ["Address", health.localAddress, "address"],
    health.interface === undefined ? undefined : ["Interface", health.interface, "interface"],
  ];
  return list.filter((figure) => figure !== undefined);
}
