/**
 * @ferry/wrap: a PPTP session carried over one WebSocket to ferry-relay when GRE cannot get through. So far: the
 * wire format (PROTOCOL.md) and the relay's Call ID translation; the transports, the relay server and the connect
 * policy come next.
 */
export { CallIdAllocator, ServerCallIds } from "./relay/call-id-allocator.js";
export { PptpTranslator, type TranslateResult } from "./relay/pptp-translator.js";
export * from "./wire/index.js";
