/**
 * One GRE packet through an open relay session, either way: forwarded, or the reason it is dropped (the session
 * counts it). GRE to the client is never queued behind a backed-up WebSocket (PROTOCOL.md section 7, backpressure.ts).
 */
import { WRAP_MAX_GRE_PACKET } from "../wire/frame.js";
import { dropGreToClient } from "./backpressure.js";
import type { PptpTranslator } from "./pptp-translator.js";
import type { GreDropReason } from "./relay-counters.js";

/**
 * A well-formed GRE packet from the server, rewritten for the client, or why it is dropped. `clientUnsent` is the
 * WebSocket's bufferedAmount: above 64 KiB the packet is dropped.
 */
export function greToClient(
  pptp: PptpTranslator,
  packet: Uint8Array,
  clientUnsent: number,
): Uint8Array | GreDropReason {
  if (packet.length > WRAP_MAX_GRE_PACKET) return "oversize";
  if (dropGreToClient(clientUnsent)) return "backpressure";
  return pptp.rewriteGreFromServer(packet) ?? "unrouted";
}

/** Why the client's GRE packet may not go to the server, or undefined when it may. */
export function greToServerRefusal(pptp: PptpTranslator, packet: Uint8Array): GreDropReason | undefined {
  const malformedBefore = pptp.counters.greFromClientMalformed;
  if (pptp.checkGreFromClient(packet)) return undefined;
  return pptp.counters.greFromClientMalformed > malformedBefore ? "malformed" : "unrouted";
}
