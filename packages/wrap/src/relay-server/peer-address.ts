/** Addresses of the client listener's peers, as the relay names them. */
import type { IncomingMessage } from "node:http";
import { isWireAddress, unmappedAddress } from "../wire/address.js";

/** Names a TCP connection on the listener while it lasts: its peer's address and port. */
export function peerKey(socket: { readonly remoteAddress?: string; readonly remotePort?: number }): string {
  return `${socket.remoteAddress ?? "?"}|${socket.remotePort ?? 0}`;
}

/** The WebSocket's TCP peer, as the wire's address text ("" if Node does not know it). */
export function observedAddressOf(request: IncomingMessage): string {
  const text = unmappedAddress(request.socket.remoteAddress ?? "");
  return isWireAddress(text) ? text : "";
}
