import { randomBytes } from "node:crypto";
import { afterEach, expect, it } from "vitest";
import { GreProbeSocket } from "../../src/io/gre-probe-socket.js";
import { GreSocket } from "../../src/io/gre-socket.js";
import type { PacketFd } from "../../src/io/packet-fd.js";
import { toHex, writeU16 } from "../../src/util/bytes.js";
import { describeInLab } from "./support/netns-lab.js";

const LOOPBACK = "127.0.0.1";

/** Enhanced GRE with key and sequence number for `callId`, carrying `payload`. */
function enhancedGre(callId: number, payload: Uint8Array): Uint8Array {
  const packet = new Uint8Array(12 + payload.length);
  packet.set([0x30, 0x01, 0x88, 0x0b]);
  writeU16(packet, 4, payload.length);
  writeU16(packet, 6, callId);
  packet[11] = 1;
  packet.set(payload, 12);
  return packet;
}

/** Plain GRE (RFC 2784: version 0, no key) whose bytes 6..7, where a key's Call ID would be, are zero. */
function plainGre(payload: Uint8Array): Uint8Array {
  const packet = new Uint8Array(8 + payload.length);
  packet.set([0x00, 0x00, 0x08, 0x00]);
  packet.set(payload, 8);
  return packet;
}

async function until(ready: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * On the host's loopback, with a fresh random payload per packet: other tests may send GRE there at the same time,
 * so only these payloads are looked for.
 */
describeInLab("GreProbeSocket on loopback", [], () => {
  const open: PacketFd[] = [];
  afterEach(() => {
    for (const socket of open.splice(0)) socket.close();
  });

  function openProbes(): GreProbeSocket {
    const opened = GreProbeSocket.open({ bufferBytes: 256 * 1024 });
    if (!opened.ok) throw new Error(opened.error.message);
    open.push(opened.value);
    return opened.value;
  }

  it("receives GRE with Call ID 0 with its source, and never GRE of a call or plain GRE", async () => {
    const probes = openProbes();
    const datagrams: { source: string; packet: string }[] = [];
    probes.onDatagrams((batch) => {
      for (const d of batch) datagrams.push({ source: d.source, packet: toHex(d.packet) });
    });
    // A socket without the filter shows that the kernel did deliver every packet to raw sockets.
    const control = GreSocket.open({ server: LOOPBACK, connect: false });
    if (!control.ok) throw new Error(control.error.message);
    open.push(control.value);
    const unfiltered: string[] = [];
    control.value.onPackets((batch) => {
      for (const packet of batch) unfiltered.push(toHex(packet));
    });

    const ofCall = enhancedGre(0x1234, randomBytes(9));
    const plain = plainGre(randomBytes(9));
    const probe = enhancedGre(0, randomBytes(9));
    // The factory the package's tunnel entry point offers.
    const sender = GreProbeSocket.open();
    if (!sender.ok) throw new Error(sender.error.message);
    open.push(sender.value);
    expect(sender.value.sendTo(LOOPBACK, [ofCall, plain, probe])).toBe(3);

    await until(() => unfiltered.includes(toHex(probe)), "the probe at the unfiltered socket");
    await until(() => datagrams.some((d) => d.packet === toHex(probe)), "the probe at the probe socket");
    expect(unfiltered).toEqual(expect.arrayContaining([toHex(ofCall), toHex(plain)]));
    expect(datagrams).toContainEqual({ source: LOOPBACK, packet: toHex(probe) });
    expect(datagrams.map((d) => d.packet)).not.toContain(toHex(ofCall));
    expect(datagrams.map((d) => d.packet)).not.toContain(toHex(plain));
    expect(probes.stats()).toMatchObject({ truncated: 0, readErrors: 0 });
  }, 20_000);

  it("sends only with an address: send() without one drops and says why", () => {
    const probes = openProbes();
    expect(probes.send([enhancedGre(0, randomBytes(9))])).toBe(0);
    expect(probes.stats()).toMatchObject({ sent: 0, dropped: 1, lastError: "EDESTADDRREQ" });
  });
});
