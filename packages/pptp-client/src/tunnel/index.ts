/**
 * The I/O side of a tunnel (`@ferry/pptp-client/tunnel`): the carrier seam, the TUN pump, direct mode, and Linux
 * network configuration with crash recovery. Upper layers (the wrap transport, the CLI, the service) build on this.
 */

export { configureLinuxNetwork, type NetworkChoice } from "../direct/configure-linux.js";
export { type DirectTunnelOptions, openDirectTunnel, resolveServer } from "../direct/direct-tunnel.js";
export {
  type GreDatagram,
  GreProbeSocket,
  type GreProbeSocketOptions,
} from "../io/gre-probe-socket.js";
export { GreSocket, type GreSocketOptions } from "../io/gre-socket.js";
export { failed, type IoResult, opened } from "../io/io-result.js";
export { type LeftoverOutcome, restoreLeftovers } from "../os/restore-leftovers.js";
export type { NetworkChange } from "../os/server-route-check.js";
export type { CarrierEvent, CarrierHandlers, PptpCarrier } from "./carrier.js";
export { DeadlineTimer } from "./deadline-timer.js";
export {
  type ConfigureNetwork,
  mppeLabel,
  type NetworkHooks,
  type OpenCarrier,
  openTunnel,
  type Tunnel,
  type TunnelAddresses,
  type TunnelEvent,
  type TunnelOptions,
  type TunnelOutcome,
} from "./tunnel.js";
