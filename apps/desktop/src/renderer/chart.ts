/**
 * The live chart on a canvas: throughput (in and out) above, RTT below, newest on the right. Colours come from the
 * page's CSS so the chart follows light and dark themes.
 */
import { formatRate, formatRtt } from "../shared/format.js";
import { CHART_SAMPLES, niceCeiling, type Sample } from "./samples.js";

export function drawChart(canvas: HTMLCanvasElement, samples: readonly Sample[]): void {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  const context = canvas.getContext("2d");
  if (context === null) return;
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.clearRect(0, 0, width, height);
  const style = getComputedStyle(canvas);
  const colour = (name: string) => style.getPropertyValue(name).trim() || "gray";
  const paneHeight = (height - 8) / 2;
  const rateMax = niceCeiling(Math.max(...samples.map((s) => Math.max(s.rateInBps, s.rateOutBps)), 0));
  const rttMax = niceCeiling(Math.max(...samples.map((s) => s.rttMs ?? 0), 0));
  const pane = { width, height: paneHeight, grid: colour("--chart-grid"), text: colour("--chart-text") };
  drawPane(context, { ...pane, top: 0 }, `Throughput (max ${formatRate(rateMax)})`, [
    { colour: colour("--chart-in"), values: samples.map((s) => s.rateInBps / rateMax), label: "in" },
    { colour: colour("--chart-out"), values: samples.map((s) => s.rateOutBps / rateMax), label: "out" },
  ]);
  drawPane(context, { ...pane, top: paneHeight + 8 }, `RTT (max ${formatRtt(rttMax)})`, [
    {
      colour: colour("--chart-rtt"),
      values: samples.map((s) => (s.rttMs ?? Number.NaN) / rttMax),
      label: "rtt",
    },
  ]);
}

interface Pane {
  readonly top: number;
  readonly width: number;
  readonly height: number;
  readonly grid: string;
  readonly text: string;
}

interface Line {
  readonly colour: string;
  /** 0..1 of the pane's height, oldest first; NaN leaves a gap. */
  readonly values: readonly number[];
  readonly label: string;
}

function drawPane(
  context: CanvasRenderingContext2D,
  pane: Pane,
  title: string,
  lines: readonly Line[],
): void {
  context.strokeStyle = pane.grid;
  context.lineWidth = 1;
  context.strokeRect(0.5, pane.top + 0.5, pane.width - 1, pane.height - 1);
  context.fillStyle = pane.text;
  context.font = "11px system-ui, sans-serif";
  context.fillText(title, 6, pane.top + 13);
  const step = pane.width / (CHART_SAMPLES - 1);
  const plotTop = pane.top + 18;
  const plotHeight = pane.height - 22;
  let legendX = pane.width - 8;
  for (const line of [...lines].reverse()) {
    context.fillStyle = line.colour;
    legendX -= context.measureText(line.label).width;
    context.fillText(line.label, legendX, pane.top + 13);
    legendX -= 10;
  }
  for (const line of lines) {
    context.strokeStyle = line.colour;
    context.lineWidth = 1.5;
    context.beginPath();
    const offset = CHART_SAMPLES - line.values.length;
    let drawing = false;
    line.values.forEach((value, index) => {
      if (Number.isNaN(value)) {
        drawing = false;
        return;
      }
      const x = (offset + index) * step;
      const y = plotTop + plotHeight * (1 - Math.min(1, Math.max(0, value)));
      if (drawing) context.lineTo(x, y);
      else context.moveTo(x, y);
      drawing = true;
    });
    context.stroke();
  }
}
