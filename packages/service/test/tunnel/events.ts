import { codedError } from "@ferry/pptp-client";
import type { ConnectEvent } from "@ferry/wrap";

type Connected = Extract<ConnectEvent, { type: "connected" }>;

export const CONNECTED_DIRECT: Connected = {
  type: "connected",
  transport: "direct",
  localAddress: "10.200.0.100",
  peerAddress: "10.200.0.1",
  dns: [],
  mtu: 1396,
  mppe: { strength: 128, stateless: true },
  authMethod: "mschapv2",
};

export const CONNECTED_RELAY: Connected = {
  ...CONNECTED_DIRECT,
  transport: "wrap",
  fallbackReason: "gre-timeout",
};

export const RELAY_CONNECTED: ConnectEvent = {
  type: "relay-connected",
  relay: "wss://relay.example/ferry",
  observedAddress: "198.51.100.7",
  sessionId: "s1",
};

export const PEER_DEAD = codedError(
  "PEER_DEAD",
  "The server stopped answering keepalives.",
  "Check the network.",
);

export function stats(
  bytesIn: number,
  bytesOut: number,
  extra: Partial<{ packetsIn: number; lost: number; lastRttMs: number }> = {},
) {
  return {
    bytesIn,
    bytesOut,
    packetsIn: extra.packetsIn ?? Math.floor(bytesIn / 100),
    packetsOut: Math.floor(bytesOut / 100),
    lost: extra.lost ?? 0,
    reordered: 0,
    duplicates: 0,
    dropped: 0,
    txDropped: 0,
    lastRttMs: extra.lastRttMs,
  };
}
