/**
 * The attacks, each built from how many attackers run at once and the source addresses they use. Child attacks
 * speak TCP, TLS and WebSocket from the attacker process; in-process ones feed GRE straight into the relay's fake
 * network, which lives in the relay's process.
 */
import { setTimeout as wait } from "node:timers/promises";
import { emitControlMessage, writeGreHeaderFields } from "@ferry/pptp-client/wire";
import { emitGreProbe } from "../../src/relay/gre-probe.js";
import { emitControlFrames } from "../../src/wire/frame.js";
import type { RelayMessage } from "../../src/wire/relay-messages.js";
import { sccrq } from "../../test/relay/relay-fixtures.js";
import {
  exchange,
  type Held,
  type Outcome,
  silentTcp,
  silentWebSocket,
  stalledHttp,
  type Target,
} from "../../test/relay-server/support/attackers.js";
import { type RelayHarness, TOKEN } from "../../test/relay-server/support/relay-harness.js";
import { GRE_PACKET_BYTES, PAC } from "./setup.js";

/** What an attacker reports: attempts made and how they ended ("4001 RELAY_AUTH_FAILED", "closed", ...). */
export interface AttackReport {
  readonly attempts: number;
  readonly outcomes: Record<string, number>;
}

/** Counts `count` attempts that ended as `outcome`. */
export type Report = (outcome: string, count?: number) => void;

/** Runs in the attacker child until `until` (a `performance.now()` time). */
export type ChildAttack = (target: Target, until: number, report: Report) => Promise<void>;

/** Runs in the relay's process until `until` (GRE floods through the fake network). */
export type InProcessAttack = (h: RelayHarness, until: number, report: Report) => Promise<void>;

export function reporter(report: AttackReport): Report {
  return (outcome, count = 1) => {
    (report as { attempts: number }).attempts += count;
    report.outcomes[outcome] = (report.outcomes[outcome] ?? 0) + count;
  };
}

/** Keeps `count` loops going until `until`, each repeating `attempt`. */
async function loops(count: number, until: number, attempt: (i: number) => Promise<void>): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      while (performance.now() < until) await attempt(i);
    }),
  );
}

/** `count` loops, each opening TCP from one of `from` and dropping it a millisecond later. */
export function connectionFlood(count: number, from: readonly string[]): ChildAttack {
  return (target, until, report) =>
    loops(count, until, async (i) => {
      const connection = silentTcp(target, from[i % from.length]!);
      await wait(1);
      connection.socket.destroy();
      await connection.closed;
      report("dropped by attacker");
    });
}

/** A connection an attacker holds: `closed` settles with how the relay ended it, `drop` ends it from this side. */
interface Holding {
  readonly closed: Promise<string>;
  drop(): void;
}

const holdingSocket = (connection: Held): Holding => ({
  closed: connection.closed.then(() => "closed by relay"),
  drop: () => connection.socket.destroy(),
});

/**
 * `count` connections from `from`, each held until the relay cuts it or the attack ends, and opened again 50 ms
 * later; one the relay turns away before it is held counts as `refused`.
 */
function holding(
  count: number,
  from: readonly string[],
  open: (target: Target, source: string) => Promise<Holding>,
  refused: string,
): ChildAttack {
  return (target, until, report) =>
    loops(count, until, async (i) => {
      const connection = await open(target, from[i % from.length]!).catch(() => undefined);
      if (connection === undefined) {
        report(refused);
      } else {
        const cut = await Promise.race([
          connection.closed,
          wait(until - performance.now()).then(() => undefined),
        ]);
        if (cut === undefined) connection.drop();
        else report(cut);
      }
      await wait(50);
    });
}

/** TCP connections that never speak TLS. */
export const silentTcpHold = (count: number, from: readonly string[]): ChildAttack =>
  holding(
    count,
    from,
    async (target, source) => holdingSocket(silentTcp(target, source)),
    "refused before TLS",
  );

/** TLS connections that start an HTTP upgrade and never finish it (slowloris). */
export const stalledHttpHold = (count: number, from: readonly string[]): ChildAttack =>
  holding(
    count,
    from,
    async (target, source) => holdingSocket(await stalledHttp(target, source)),
    "refused before TLS",
  );

/** WebSockets that upgrade and never send hello; the relay's close code is the outcome. */
export const silentWebSocketHold = (count: number, from: readonly string[]): ChildAttack =>
  holding(
    count,
    from,
    async (target, source) => {
      const ws = await silentWebSocket(target, source);
      return {
        closed: new Promise((resolve) => ws.once("close", (status) => resolve(`close ${status}`))),
        drop: () => ws.terminate(),
      };
    },
    "refused before upgrade",
  );

const describeOutcome = (o: Outcome) =>
  o.error === undefined ? `close ${o.status}` : `${o.status} ${o.error}`;

/** `count` loops of exchanges from `from`, the `n`th sending `frames(n)`; reports how the relay ended each. */
function exchanges(
  count: number,
  from: readonly string[],
  frames: (n: number) => readonly (RelayMessage | Uint8Array | string)[],
): ChildAttack {
  return (target, until, report) => {
    let n = 0;
    return loops(count, until, async (i) => {
      report(describeOutcome(await exchange(target, from[i % from.length]!, frames(n++))));
    });
  };
}

function hello(server: string, token: string): RelayMessage {
  return { type: "hello", server, token };
}

/** Hellos to the real server with a new wrong token each time. */
export const tokenGuessing = (count: number, from: readonly string[]): ChildAttack =>
  exchanges(count, from, (n) => [hello(PAC, `guess-${n}`)]);

/** What a client without a token might send instead of hello: text, empty, control, goaway, bad and huge frames. */
const FORGERIES: readonly (RelayMessage | Uint8Array | string)[][] = [
  ["text"],
  [new Uint8Array(0)],
  [emitControlFrames(emitControlMessage(sccrq))[0]!],
  [{ type: "goaway", reconnectAfterMs: 0 }],
  [Uint8Array.of(0x03, 0x01, 0x09, 0x61)],
  [new Uint8Array(2050).fill(3)],
  [new Uint8Array(5000)],
];

/** Forged first frames, one kind after another. */
export const forgedFrames = (count: number, from: readonly string[]): ChildAttack =>
  exchanges(count, from, (n) => FORGERIES[n % FORGERIES.length]!);

const FORBIDDEN_TARGETS = [
  "127.0.0.1",
  "localhost",
  "169.254.169.254",
  "192.0.2.1",
  "0.0.0.0",
  "rebind.test",
];

/** Hellos with the valid token that ask the relay to dial targets it must refuse. */
export const openProxy = (count: number, from: readonly string[]): ChildAttack =>
  exchanges(count, from, (n) => [hello(FORBIDDEN_TARGETS[n % FORBIDDEN_TARGETS.length]!, TOKEN)]);

/** GRE with five unknown Call IDs, from other addresses and from the server, 100 packets at a time. */
export const spoofedGre: InProcessAttack = async (h, until, report) => {
  const spoofed = new Uint8Array(GRE_PACKET_BYTES);
  writeGreHeaderFields(spoofed, 8, 0, GRE_PACKET_BYTES - 8, undefined, undefined);
  const batch = Array.from({ length: 100 }, () => spoofed);
  while (performance.now() < until) {
    for (let callId = 0; callId < 5; callId++) {
      spoofed[6] = 0x7f;
      spoofed[7] = callId;
      h.gre.fromAddress(`192.0.2.${callId + 1}`, batch);
      h.gre.fromServer(PAC, batch);
      report("packets sent", 2 * batch.length);
    }
    await wait(1);
  }
};

/** 20 GRE probes from each of `from` every 5 ms. */
export function greProbeFlood(from: readonly string[]): InProcessAttack {
  return async (h, until, report) => {
    const probes = Array.from({ length: 20 }, (_, id) =>
      emitGreProbe({ type: "probe", id, sentAt: 0, seq: id }),
    );
    while (performance.now() < until) {
      for (const source of from) h.gre.probeFrom(source, probes);
      report("probes sent", from.length * probes.length);
      await wait(5);
    }
  };
}
