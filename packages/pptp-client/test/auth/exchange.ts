/** Runs a client AuthPhase against a server AuthPhase on a shared fake clock, with optional packet loss. */
import type { AuthOutcome, AuthPhase } from "../../src/ppp/auth/auth-phase.js";
import type { RandomSource } from "../../src/util/random.js";

export interface ExchangeResult {
  readonly client: AuthOutcome | undefined;
  readonly server: AuthOutcome | undefined;
  readonly now: number;
}

export interface ExchangeOptions {
  /** Return true to lose the n-th packet (counting from 0) sent in that direction. */
  readonly drop?: (direction: "toServer" | "toClient", n: number) => boolean;
  /** Give up after this much simulated time. */
  readonly limitMs?: number;
}

export function runExchange(
  client: AuthPhase,
  server: AuthPhase,
  options: ExchangeOptions = {},
): ExchangeResult {
  const limit = options.limitMs ?? 120_000;
  const sent = { toServer: 0, toClient: 0 };
  let clientOutcome: AuthOutcome | undefined;
  let serverOutcome: AuthOutcome | undefined;
  let now = 0;
  client.start(now);
  server.start(now);
  const move = (from: AuthPhase, to: AuthPhase, direction: "toServer" | "toClient"): boolean => {
    let moved = false;
    for (let packet = from.pollPacket(); packet !== undefined; packet = from.pollPacket()) {
      moved = true;
      if (options.drop?.(direction, sent[direction]++)) continue;
      to.handlePacket(packet, now);
    }
    return moved;
  };
  while (now <= limit) {
    let moved = true;
    while (moved) moved = move(client, server, "toServer") || move(server, client, "toClient");
    clientOutcome ??= client.pollOutcome();
    serverOutcome ??= server.pollOutcome();
    if (clientOutcome !== undefined && serverOutcome !== undefined) break;
    const deadlines = [client.nextTimeout(), server.nextTimeout()].filter(
      (t): t is number => t !== undefined,
    );
    if (deadlines.length === 0) break;
    now = Math.max(now, Math.min(...deadlines));
    client.handleTimeout(now);
    server.handleTimeout(now);
  }
  return { client: clientOutcome, server: serverOutcome, now };
}

/** A RandomSource that hands out the given bytes in turn, then fails loudly. */
export function scriptedRandom(...chunks: Uint8Array[]): RandomSource & { readonly calls: () => number } {
  let calls = 0;
  const source = (length: number): Uint8Array => {
    const chunk = chunks[calls++];
    if (chunk === undefined || chunk.length !== length) {
      throw new Error(`unexpected random(${length}) call #${calls}`);
    }
    return chunk.slice();
  };
  return Object.assign(source, { calls: () => calls });
}

/** Drains every queued packet. */
export function drain(phase: AuthPhase): Uint8Array[] {
  const packets: Uint8Array[] = [];
  for (let p = phase.pollPacket(); p !== undefined; p = phase.pollPacket()) packets.push(p);
  return packets;
}
