/** ferry-relay's programmatic API (the `ferry-relay` command is main.ts). */
export type { AuthThrottleLimits } from "../relay/auth-throttle.js";
export type { HandshakeLimits } from "../relay/handshake-gate.js";
export { type GreNetwork, type GrePort, rawGreNetwork } from "./gre-network.js";
export { RELAY_PROTOCOLS, RelayStartError } from "./relay-listeners.js";
export { type LogFields, type RelayLog, relayLog } from "./relay-log.js";
export { RelayMetrics } from "./relay-metrics.js";
export type { HostPort, RelayOptions } from "./relay-options.js";
export { type RunningRelay, startRelay } from "./relay-server.js";
