/**
 * Where the PPTP probe got to, as the checks after the control connection read it: whether the call came up, and
 * whether GRE came back for it. Each is undefined while the probe is still on the way.
 */
import type { Observations } from "./observations.js";

export type CallState = { readonly up: true } | { readonly up: false; readonly why: string };

export function callState(o: Observations): CallState | undefined {
  if (o.tcp === undefined) return undefined;
  if (o.tcp.outcome !== "connected") return { up: false, why: "TCP 1723 did not connect" };
  if (o.control === undefined) return undefined;
  if (o.control.outcome !== "answered" || o.control.resultCode !== 1) {
    return { up: false, why: "the server did not open a control connection" };
  }
  if (o.call === undefined) return undefined;
  if (o.call.outcome !== "answered" || o.call.resultCode !== 1) {
    return { up: false, why: "the server did not accept the call" };
  }
  return { up: true };
}

export type GreState = "came-back" | "silent" | "untested";

export function greState(o: Observations): GreState | undefined {
  const call = callState(o);
  if (call === undefined) return undefined;
  if (!call.up) return "untested";
  if (o.gre === undefined) return undefined;
  if (o.gre.outcome !== "listened") return "untested";
  return o.gre.received > 0 ? "came-back" : "silent";
}
