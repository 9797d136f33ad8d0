/** The service's log lines about the tunnel, newest at the bottom, the last few hundred kept. */
import { byId, el } from "./dom.js";

const KEEP_LINES = 500;

export function appendLog(at: number, line: string): void {
  const list = byId<HTMLOListElement>("log");
  const stickToBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 4;
  const time = new Date(at).toLocaleTimeString([], { hour12: false });
  list.append(el("li", {}, el("time", { datetime: new Date(at).toISOString() }, time), " ", line));
  while (list.childElementCount > KEEP_LINES) list.firstElementChild?.remove();
  if (stickToBottom) list.scrollTop = list.scrollHeight;
}
