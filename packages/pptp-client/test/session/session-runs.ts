import { Simulation, type SimulationOptions } from "../support/simulation.js";

/** A simulation run until the client is connected (it throws otherwise). */
export function connectedSim(options: SimulationOptions = {}): Simulation {
  const sim = new Simulation(options);
  const event = sim.connect();
  if (event?.type !== "connected") throw new Error(JSON.stringify(event));
  return sim;
}

/** Runs until the client reports `closed`: its error, and how long that took on the simulated clock. */
export function runUntilClosed(sim: Simulation, limitMs: number) {
  const start = sim.now;
  sim.runUntil(() => sim.closedEvent() !== undefined, limitMs);
  const closed = sim.closedEvent();
  if (closed === undefined) throw new Error(`not closed after ${limitMs} ms: ${JSON.stringify(sim.events)}`);
  return { error: closed.error, tookMs: sim.now - start };
}
