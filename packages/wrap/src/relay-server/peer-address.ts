/** Addresses of the client listener's peers, as the relay names them. */
import type { IncomingMessage } from "node:http";
import { isWireAddress } from "../wire/address.js";

/** Names a TCP connection on the listener while it lasts: its peer's address and port. */
export function peerKey(socket: { readonly remoteAddress?: string; readonly remotePort?: number }): string {
  return `${socket.remoteAddress ?? "?"}|${socket.remotePort ?? 0}`;
}

/** The WebSocket's TCP peer, as the wire's address text ("" if Node does not know it). */
export function observedAddressOf(request: IncomingMessage): string {
  const text = unmappedAddress(request.socket.remoteAddress ?? "");
  return isWireAddress(text) ? text : "";
}

/** An IPv4 address as Node writes it on a dual-stack socket ("::ffff:a.b.c.d") as a dotted quad. */
export function unmappedAddress(address: string): string {
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return v4 === null ? address : v4[1]!;
}
