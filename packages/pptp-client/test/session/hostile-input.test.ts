import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ipPacket } from "../support/ip-packets.js";
import { Simulation } from "../support/simulation.js";

/** Real GRE packets from the server, to mutate: negotiation, data and acks. */
function capturedServerPackets(): Uint8Array[] {
  const sim = new Simulation();
  const packets: Uint8Array[] = [];
  const pollGre = sim.peer.pollGre.bind(sim.peer);
  sim.peer.pollGre = () => {
    const p = pollGre();
    if (p !== undefined) packets.push(p.slice());
    return p;
  };
  sim.connect();
  for (let i = 0; i < 20; i++) sim.sendFromPeer(ipPacket(i, 100 + i));
  sim.runUntil(() => false, 15_000);
  return packets;
}

const CAPTURED = capturedServerPackets();

/** Feeds `inputs` to a fresh session at the given phase, then lets time run: nothing may throw or spin. */
function survives(phase: "connecting" | "connected", feed: (sim: Simulation) => void): void {
  const sim = new Simulation();
  if (phase === "connected") expect(sim.connect()?.type).toBe("connected");
  else sim.start();
  feed(sim);
  sim.flush();
  sim.runUntil(() => sim.client.state === "closed", 120_000);
  // Whatever happened, the session either still works or ended with a coded error.
  const closed = sim.closedEvent();
  if (closed?.error !== undefined) expect(closed.error.code).toMatch(/^[A-Z_]+$/);
}

const bytes = (max: number) => fc.uint8Array({ minLength: 0, maxLength: max });

describe("a live session fed hostile bytes from the network", () => {
  it("never throws or hangs on random control-channel bytes", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("connecting" as const, "connected" as const),
        fc.array(bytes(300)),
        (phase, chunks) => {
          survives(phase, (sim) => {
            for (const c of chunks) sim.client.handleControlBytes(c, sim.now);
          });
        },
      ),
      { numRuns: 150 },
    );
  });

  it("never throws or hangs on random GRE packets", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("connecting" as const, "connected" as const),
        fc.array(bytes(1600)),
        (phase, packets) => {
          survives(phase, (sim) => {
            for (const p of packets) sim.client.handleGre(p, sim.now);
          });
        },
      ),
      { numRuns: 150 },
    );
  });

  it("never throws or hangs on mutated real GRE packets (headers, PPP, LCP, CHAP, CCP, MPPE)", () => {
    const mutated = fc
      .tuple(
        fc.constantFrom(...CAPTURED),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.option(fc.nat(), { nil: undefined }),
      )
      .map(([packet, flips, cut]) => {
        const copy = packet.slice(0, cut === undefined ? packet.length : cut % (packet.length + 1));
        for (const [at, value] of flips) if (copy.length > 0) copy[at % copy.length] = value;
        return copy;
      });
    fc.assert(
      fc.property(
        fc.constantFrom("connecting" as const, "connected" as const),
        fc.array(mutated, { maxLength: 30 }),
        (phase, packets) => {
          survives(phase, (sim) => {
            for (const p of packets) sim.client.handleGre(p, sim.now);
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it("keeps a connected tunnel working after a burst of garbage GRE", () => {
    const sim = new Simulation();
    sim.connect();
    for (let i = 0; i < 200; i++) sim.client.handleGre(new Uint8Array(40).fill(i), sim.now);
    sim.sendFromPeer(ipPacket(7));
    sim.runUntil(() => sim.clientTun.length > 0, 1_000);
    expect(sim.clientTun).toEqual([ipPacket(7)]);
    expect(sim.client.stats().dropped).toBeGreaterThanOrEqual(200);
  });
});
