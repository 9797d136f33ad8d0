/** ferry-relay's programmatic API (the `ferry-relay` command is main.ts). */
export type { AuthThrottleLimits } from "../relay/auth-throttle.js";
export type { HandshakeLimits } from "../relay/handshake-gate.js";
export { type GreNetwork, type GrePort, rawGreNetwork } from "./gre-network.js";
export { type LogFields, type RelayLog, relayLog } from "./relay-log.js";
export { RelayMetrics } from "./relay-metrics.js";
export {
  type HostPort,
  RELAY_PROTOCOLS,
  type RelayOptions,
  RelayStartError,
  type RunningRelay,
  startRelay,
} from "./relay-server.js";
