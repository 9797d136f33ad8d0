/** The wrap wire format: frames on the one WebSocket, and the relay messages (see ../../PROTOCOL.md). */

export type { ParseResult } from "@ferry/pptp-client/wire";
export { isWireAddress } from "./address.js";
export * from "./frame.js";
export * from "./relay-messages.js";
