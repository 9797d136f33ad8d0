/**
 * The GRE half of `ferry diagnose`'s relay check: GRE probes (PROTOCOL.md section 6.5) sent from a raw socket to
 * the address the relay named in its welcome. A reply shows that GRE gets from this network to the relay and back;
 * silence, that something on the way drops it. A few probes are spread over the wait, so that one lost packet does
 * not read as a blocked network.
 */
import { randomInt } from "node:crypto";
import { GreProbeSocket, type IoResult } from "@ferry/pptp-client/tunnel";
import { emitGreProbe, parseGreProbe } from "../relay/gre-probe.js";
import type { GreProbePort } from "../relay-server/gre-network.js";
import { probeRoundTripMs, probeTimestamp } from "../wire/relay-messages.js";
import type { RelayGreObservation } from "./observations.js";

export const DEFAULT_RELAY_GRE_WAIT_MS = 1500;
const DEFAULT_PROBES = 3;

export interface RelayGreProbeOptions {
  /** How long to wait for a reply (default 1.5 s). */
  readonly waitMs?: number;
  /** Probes sent, evenly spread over the wait (default 3). */
  readonly probes?: number;
  /** A raw GRE socket for probes by default; tests pass a fake. */
  readonly open?: () => IoResult<GreProbePort>;
}

export async function probeRelayGre(
  relayAddress: string,
  options: RelayGreProbeOptions = {},
): Promise<RelayGreObservation> {
  const opened = (options.open ?? openProbeSocket)();
  if (!opened.ok) {
    return {
      outcome: "unavailable",
      needsRoot: opened.error.code === "NOT_PERMITTED",
      error: opened.error.message,
    };
  }
  const socket = opened.value;
  try {
    return await exchangeProbes(
      socket,
      relayAddress,
      options.waitMs ?? DEFAULT_RELAY_GRE_WAIT_MS,
      options.probes ?? DEFAULT_PROBES,
    );
  } finally {
    socket.close();
  }
}

function openProbeSocket(): IoResult<GreProbePort> {
  return GreProbeSocket.open({ bufferBytes: 64 * 1024 });
}

function exchangeProbes(
  socket: GreProbePort,
  relayAddress: string,
  waitMs: number,
  probes: number,
): Promise<RelayGreObservation> {
  // One id for the run: a reply to any of its probes counts, and other probers' replies (on this host) do not.
  const id = randomInt(0, 2 ** 32);
  return new Promise((resolve) => {
    let sent = 0;
    const timers: NodeJS.Timeout[] = [];
    const finish = (observation: RelayGreObservation): void => {
      for (const timer of timers) clearTimeout(timer);
      resolve(observation);
    };
    socket.onDatagrams((datagrams) => {
      for (const { packet } of datagrams) {
        const reply = parseGreProbe(packet);
        if (reply?.type === "probe-reply" && reply.id === id) {
          finish({
            outcome: "answered",
            roundTripMs: probeRoundTripMs(reply.sentAt, performance.now()),
            sent,
          });
          return;
        }
      }
    });
    for (let seq = 1; seq <= probes; seq++) {
      const send = () => {
        const probe = emitGreProbe({ type: "probe", id, sentAt: probeTimestamp(performance.now()), seq });
        sent += socket.sendTo(relayAddress, [probe]);
      };
      timers.push(setTimeout(send, ((seq - 1) * waitMs) / probes));
    }
    timers.push(setTimeout(() => finish({ outcome: "no-answer", waitedMs: waitMs, sent }), waitMs));
  });
}
