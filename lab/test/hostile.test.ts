/**
 * A hostile network on the real path: the router between Ferry and the real pptpd (fy-inet) watches the session's
 * GRE and forges packets into it (lab/gre.sh, raw sockets with IP_HDRINCL): the server's own packets replayed, with
 * another call's id, from another address, and with a forged MPPE coherency count on a fresh sequence number. Ferry
 * must drop and count each, never deliver one, and keep the tunnel as it was: no reconnect, no error, traffic
 * checked end to end after every attack.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CONNECT_ARGS,
  FerryRun,
  inNs,
  LAB,
  labDown,
  labUp,
  SERVER,
  SERVER_PPP,
  sh,
  snapshot,
} from "./lab.js";
import { trafficPasses } from "./traffic.js";

const NS = "fy-client";
/** The router on the path: it sees every packet and can send any. */
const ATTACKER = "fy-inet";

const gre = (...args: string[]) => sh(`${LAB}gre.sh`, args, 30_000);

/** The next `count` GRE data packets the client receives from the server, while pings make some. */
async function capture(count: number): Promise<Buffer[]> {
  const captured = gre("capture", NS, SERVER, String(count), "15");
  await inNs(NS, "ping", ["-c", String(count + 1), "-i", "0.2", "-W", "2", SERVER_PPP]);
  return (await captured)
    .trim()
    .split("\n")
    .map((hex) => Buffer.from(hex, "hex"));
}

const send = (packets: readonly Buffer[]) => gre("send", ATTACKER, ...packets.map((p) => p.toString("hex")));

/** Where the enhanced GRE header starts, and where its payload (the PPP frame) does. */
function layout(packet: Buffer): { gre: number; payload: number } {
  const gre = (packet[0]! & 0x0f) * 4;
  const ack = (packet[gre + 1]! & 0x80) !== 0;
  return { gre, payload: gre + 8 + 4 + (ack ? 4 : 0) };
}

function withCallId(packet: Buffer, callId: number): Buffer {
  const copy = Buffer.from(packet);
  copy.writeUInt16BE(callId, layout(copy).gre + 6);
  return copy;
}

function withSource(packet: Buffer, address: string): Buffer {
  const copy = Buffer.from(packet);
  address.split(".").forEach((octet, i) => {
    copy[12 + i] = Number(octet);
  });
  return copy;
}

/**
 * The packet as the server's next one: sequence number + 1, and the MPPE coherency count moved `countShift` ahead
 * (flags kept). The PPP frame may start with FF 03 (no ACFC) and carries protocol 0x00FD, or FD alone with PFC.
 */
function forgedNext(packet: Buffer, countShift: number): Buffer {
  const copy = Buffer.from(packet);
  const { gre, payload } = layout(copy);
  copy.writeUInt32BE((copy.readUInt32BE(gre + 8) + 1) >>> 0, gre + 8);
  let at = payload;
  if (copy[at] === 0xff && copy[at + 1] === 0x03) at += 2;
  at += (copy[at]! & 1) === 1 ? 1 : 2;
  const header = copy.readUInt16BE(at);
  copy.writeUInt16BE((header & 0xf000) | (((header & 0x0fff) + countShift) & 0x0fff), at);
  return copy;
}

/** Pings and a checksummed echo through the tunnel. */
const tunnelCarries = () => trafficPasses(NS, { pings: 3, pingIntervalS: 0.2, echoBytes: 256 * 1024 });

beforeAll(async () => {
  await labUp("public");
});

afterAll(async () => {
  await labDown();
});

describe("a hostile network forging GRE into a live session", () => {
  it("drops and counts replayed, misaddressed and forged packets, and the tunnel carries on", {
    timeout: 180_000,
  }, async () => {
    const before = await snapshot(NS);
    const ferry = new FerryRun(NS, CONNECT_ARGS);
    try {
      await ferry.waitFor("connected", 30_000);
      await tunnelCarries();

      // Replays: five of the server's packets, each sent back three times (once delivered already).
      const seen = await capture(5);
      await send(seen.flatMap((p) => [p, p, p]));
      await tunnelCarries();

      // Another call's id, and the server's packets from an address that is not the server's.
      const callId = seen[0]!.readUInt16BE(layout(seen[0]!).gre + 6);
      await send(seen.map((p) => withCallId(p, callId ^ 0x5555)));
      await send(seen.map((p) => withSource(p, "198.51.100.77")));
      await tunnelCarries();

      // A fresh sequence number with a coherency count half the count space ahead: in stateless MPPE it would drag
      // the key schedule 2000 re-keys forward (and every later packet undecryptable) unless dropped with a rollback.
      const [latest] = await capture(1);
      await send([forgedNext(latest!, 2000)]);
      await tunnelCarries();
    } finally {
      ferry.interrupt();
    }
    expect(await ferry.exited).toBe(0);
    const events = ferry.events.map((e) => e.event);
    expect(events).not.toContain("reconnecting");
    expect(events).not.toContain("error");
    const stats = ferry.events.find((e) => e.event === "stats");
    expect(stats, JSON.stringify(ferry.events)).toBeDefined();
    // 15 replays and 5 wrong call ids reach the session and are refused there (the forged count too, unless the
    // server's own packet with that sequence number came first: then the forgery is the duplicate). The 5 from
    // another address never get past the kernel: the GRE socket is connected to the server.
    const refused = Number(stats!["duplicates"]) + Number(stats!["dropped"]);
    console.log(
      `hostile GRE: 26 forged, ${stats!["duplicates"]} duplicates + ${stats!["dropped"]} dropped counted`,
    );
    expect(refused, JSON.stringify(stats)).toBeGreaterThanOrEqual(15 + 5 + 1);
    expect(await snapshot(NS)).toBe(before);
  });
});
