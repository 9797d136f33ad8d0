/**
 * @ferry/service: ferryd's local API (types, codec, client) for the GUI and the CLI, and the service's parts for
 * tests and embedding. The keychain lives at `@ferry/service/keychain`.
 */
export { connectFailure, connectService } from "./api/client.js";
export * from "./api/codec.js";
export { type ApiErrorCode, ServiceError } from "./api/errors.js";
export { MAX_LINE_BYTES } from "./api/line-reader.js";
export * from "./api/protocol.js";
export {
  type ApiHandlers,
  type ApiServer,
  type ApiServerOptions,
  type Outcome,
  startApiServer,
} from "./api/server.js";
export { resolveSocketAccess, type SocketAccess, type SocketAccessSpec } from "./api/socket-access.js";
export * from "./profiles/profile-source.js";
export { type ServiceParts, serviceHandlers } from "./service.js";
export { HealthMonitor, type HealthThresholds, type StatsSample } from "./tunnel/health.js";
export type { LogLine } from "./tunnel/log-ring.js";
export {
  type ConnectFn,
  type ManagedConnection,
  TunnelManager,
  type TunnelManagerOptions,
} from "./tunnel/tunnel-manager.js";
