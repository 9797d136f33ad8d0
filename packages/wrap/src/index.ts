/**
 * @ferry/wrap: a PPTP session carried over one WebSocket to ferry-relay when GRE cannot get through. So far: the
 * wire format (PROTOCOL.md), the relay's Call ID translation, and the pure core of detection (CGNAT evidence, the
 * network key, the auto-transport decision, remembered decisions); the transports and the relay server come next.
 */
export * from "./detect/index.js";
export { CallIdAllocator, ServerCallIds } from "./relay/call-id-allocator.js";
export { PptpTranslator, type TranslateResult } from "./relay/pptp-translator.js";
export * from "./wire/index.js";
