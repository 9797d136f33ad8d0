import { describe, expect, it } from "vitest";
import { toHex } from "../../src/util/bytes.js";
import { ipPacket } from "../support/ip-packets.js";
import type { Impairments } from "../support/lossy-link.js";
import { Simulation } from "../support/simulation.js";

const MODES = [
  { name: "stateless MPPE-128", allowStateless: true, allowStateful: true },
  { name: "stateful MPPE-128", allowStateless: false, allowStateful: true },
] as const;

const ROUGH: Impairments = { loss: 0.03, duplicate: 0.03, reorder: 0.05, delayMs: 10 };

function connectedSim(mode: (typeof MODES)[number], impairments: Impairments, seed: number): Simulation {
  const mppe = {
    strengths: [128 as const],
    allowStateless: mode.allowStateless,
    allowStateful: mode.allowStateful,
  };
  const sim = new Simulation({
    seed,
    upstream: impairments,
    downstream: impairments,
    client: { mppe },
    peer: { mppe: { ...mppe, required: true } },
  });
  // Negotiation itself survives the impairments: PPP retransmits what GRE loses.
  const event = sim.connect(120_000);
  if (event?.type !== "connected") throw new Error(`seed ${seed}: ${JSON.stringify(event)}`);
  return sim;
}

/** Sends `count` packets each way, 2 ms apart, and lets everything settle. */
function exchange(sim: Simulation, count: number): { sent: Set<string> } {
  const sent = new Set<string>();
  for (let i = 0; i < count; i++) {
    const packet = ipPacket(i, 60 + ((i * 37) % 1300));
    sent.add(toHex(packet));
    sim.sendFromClient(packet);
    sim.sendFromPeer(packet);
    sim.runUntil(() => false, 2);
  }
  sim.runUntil(() => false, 2_000);
  return { sent };
}

describe.each(MODES)("data through the tunnel ($name)", (mode) => {
  it("delivers every IP packet intact and in order over a clean path", () => {
    const sim = connectedSim(mode, { loss: 0, duplicate: 0, reorder: 0, delayMs: 5 }, 1);
    const packets = Array.from({ length: 300 }, (_, i) => ipPacket(i, 20 + i * 4));
    for (const p of packets) {
      sim.sendFromClient(p);
      sim.sendFromPeer(p);
    }
    sim.runUntil(() => false, 1_000);
    expect(sim.peer.received).toEqual(packets);
    expect(sim.clientTun).toEqual(packets);
    const stats = sim.client.stats();
    expect(stats).toMatchObject({ packetsIn: 300, packetsOut: 300, lost: 0, dropped: 0, txDropped: 0 });
    expect(stats.bytesOut).toBe(packets.reduce((n, p) => n + p.length, 0));
  });

  it.each([11, 12, 13])(
    "never delivers a corrupted or duplicated packet under loss, reordering and duplication (seed %i)",
    (seed) => {
      const sim = connectedSim(mode, ROUGH, seed);
      const { sent } = exchange(sim, 400);
      for (const received of [sim.clientTun, sim.peer.received]) {
        const seen = new Set<string>();
        for (const p of received) {
          const hex = toHex(p);
          expect(sent.has(hex), "a packet arrived that was never sent").toBe(true);
          expect(seen.has(hex), "a packet arrived twice").toBe(false);
          seen.add(hex);
        }
        // Stateless MPPE loses only what GRE lost. Stateful MPPE discards everything after a gap until the sender
        // re-keys on our CCP Reset-Request, as pptp-linux and Windows do: it must recover, not keep up.
        expect(received.length).toBeGreaterThan(mode.allowStateless ? 0.9 * 400 : 0.1 * 400);
      }
      const stats = sim.client.stats();
      expect(stats.lost + stats.reordered + stats.duplicates).toBeGreaterThan(0);
      expect(sim.client.state).toBe("connected");

      // Once the bad spell ends, every packet gets through again: both ends are back in sync.
      sim.setImpairments({ loss: 0, duplicate: 0, reorder: 0, delayMs: 10 });
      sim.runUntil(() => false, 3_000);
      const before = { client: sim.clientTun.length, peer: sim.peer.received.length };
      const after = Array.from({ length: 50 }, (_, i) => ipPacket(1000 + i, 300));
      for (const p of after) {
        sim.sendFromClient(p);
        sim.sendFromPeer(p);
        sim.runUntil(() => false, 2);
      }
      sim.runUntil(() => false, 500);
      expect(sim.clientTun.slice(before.client)).toEqual(after);
      expect(sim.peer.received.slice(before.peer)).toEqual(after);
    },
  );
});

describe("the MTU", () => {
  it("drops, and counts, an IP packet larger than the tunnel MTU instead of sending it", () => {
    const sim = new Simulation();
    sim.connect();
    sim.sendFromClient(ipPacket(1, 1397));
    sim.sendFromClient(ipPacket(2, 1396));
    sim.runUntil(() => false, 100);
    expect(sim.peer.received.map((p) => p.length)).toEqual([1396]);
    expect(sim.client.stats().txDropped).toBe(1);
  });

  it("drops IP packets from the TUN side before the session is connected", () => {
    const sim = new Simulation();
    sim.client.handleTunPacket(ipPacket(1), 0);
    expect(sim.client.pollGre()).toBeUndefined();
    expect(sim.client.stats().txDropped).toBe(1);
  });
});
