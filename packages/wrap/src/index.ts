/**
 * @ferry/wrap: a PPTP session carried over one WebSocket to ferry-relay when GRE cannot get through: the wire format
 * (PROTOCOL.md), the client transport, the relay, detection and the connect policy, and `ferry diagnose`'s checks.
 */
export * from "./client/proxy-connect.js";
export * from "./client/tls-trust.js";
export * from "./client/wrap-carrier.js";
export * from "./client/wrap-client-session.js";
export type { ConnectDeps, RelayConfig } from "./connect/connect-deps.js";
export {
  type ConnectEvent,
  type Connection,
  type ConnectionOutcome,
  type ConnectOptions,
  connect,
} from "./connect/connect-tunnel.js";
export { describeConnectEvent } from "./connect/describe-event.js";
export { RECONNECTABLE } from "./connect/reconnect.js";
export * from "./detect/index.js";
export * from "./diagnose/index.js";
export { relayRefusal, type WrapError, type WrapErrorCode, wrapError } from "./errors.js";
export { CallIdAllocator, ServerCallIds } from "./relay/call-id-allocator.js";
export { PptpTranslator, type TranslateResult } from "./relay/pptp-translator.js";
export * from "./relay-server/index.js";
export * from "./wire/index.js";
