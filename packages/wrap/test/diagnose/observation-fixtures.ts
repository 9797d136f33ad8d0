/** Observations of the scenarios the field guide describes, for the checklist and runner tests. */
import type { Observations } from "../../src/diagnose/observations.js";

/** A home network with a PPTP-aware NAT, a public server, a 1500-byte path and a working relay. */
export const FINE: Observations = {
  server: "vpn.example.net",
  address: "203.0.113.10",
  tcp: { outcome: "connected", elapsedMs: 31, localAddress: "192.168.1.20" },
  control: { outcome: "answered", resultCode: 1, errorCode: 0, hostName: "pptpd", vendorName: "Linux" },
  call: { outcome: "answered", resultCode: 1, errorCode: 0, causeCode: 0, callId: 4660, serverCallId: 128 },
  gre: { outcome: "listened", waitedMs: 40, received: 2, sent: 1, socketErrors: 0 },
  network: {
    localAddresses: ["192.168.1.20"],
    gateway: "192.168.1.1",
    routerExternalAddress: "198.51.100.7",
  },
  pathMtu: { outcome: "measured", pathMtu: 1500, probes: 2 },
  relays: [{ url: "wss://relay.example.net/ferry", ok: true, observedAddress: "198.51.100.7" }],
};

/** The same network where GRE never comes back within the window. */
export const GRE_SILENT: Observations = {
  ...FINE,
  gre: { outcome: "listened", waitedMs: 3000, received: 0, sent: 1, socketErrors: 0 },
};
