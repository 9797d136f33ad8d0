import { join } from "node:path";
import { ferryError } from "@ferry/pptp-client";
import { failed, GreProbeSocket, type IoResult } from "@ferry/pptp-client/tunnel";
import { afterEach, describe, expect, it } from "vitest";
import { probeRelayGre } from "../../src/diagnose/relay-gre-probe.js";
import { probeRelay } from "../../src/diagnose/relay-probe.js";
import { Allowlist } from "../../src/relay/allowlist.js";
import { emitGreProbe, GreProbeResponder, parseGreProbe } from "../../src/relay/gre-probe.js";
import { TokenSet } from "../../src/relay/relay-tokens.js";
import type { GreDatagram, GreProbePort } from "../../src/relay-server/gre-network.js";
import { rawGreNetwork } from "../../src/relay-server/gre-network.js";
import { type RunningRelay, startRelay } from "../../src/relay-server/relay-server.js";
import { FakeGreNetwork } from "../relay-server/support/fake-gre-network.js";
import { FakePptpServer } from "../relay-server/support/fake-pptp-server.js";
import { makeTestPki, type TestPki } from "../relay-server/support/tls.js";

const RELAY_ADDRESS = "192.0.2.80";

/** A network in a box: what is sent to the relay comes back as `answer` makes it, from the relay's address. */
class FakeProbeSocket implements GreProbePort {
  readonly sent: GreDatagram[] = [];
  closed = false;
  private handler: ((datagrams: GreDatagram[]) => void) | undefined;

  constructor(private readonly answer: (packet: Uint8Array) => Uint8Array | undefined) {}

  onDatagrams(handler: (datagrams: GreDatagram[]) => void): void {
    this.handler = handler;
  }

  sendTo(address: string, packets: readonly Uint8Array[]): number {
    for (const packet of packets) {
      this.sent.push({ source: address, packet });
      const reply = this.answer(packet);
      if (reply !== undefined) setImmediate(() => this.handler?.([{ source: address, packet: reply }]));
    }
    return packets.length;
  }

  close(): void {
    this.closed = true;
  }
}

const relayAnswers = () => {
  const responder = new GreProbeResponder();
  return (packet: Uint8Array) => responder.reply(packet, "198.51.100.7", 0);
};

describe("probeRelayGre with a fake socket", () => {
  it("a probe-reply to its probe: answered, and the socket is closed", async () => {
    const socket = new FakeProbeSocket(relayAnswers());
    const result = await probeRelayGre(RELAY_ADDRESS, { open: () => ({ ok: true, value: socket }) });
    expect(result).toMatchObject({ outcome: "answered", sent: 1 });
    expect(socket.sent).toHaveLength(1);
    expect(socket.sent[0]!.source).toBe(RELAY_ADDRESS);
    expect(parseGreProbe(socket.sent[0]!.packet)).toMatchObject({ type: "probe", seq: 1 });
    expect(socket.closed).toBe(true);
  });

  it("silence, or replies to someone else's probes: no answer after every probe was sent", async () => {
    const strangers = new FakeProbeSocket(() =>
      emitGreProbe({ type: "probe-reply", id: 7, sentAt: 0, seq: 1 }),
    );
    for (const socket of [new FakeProbeSocket(() => undefined), strangers]) {
      const result = await probeRelayGre(RELAY_ADDRESS, {
        open: () => ({ ok: true, value: socket }),
        waitMs: 90,
        probes: 3,
      });
      expect(result).toEqual({ outcome: "no-answer", waitedMs: 90, sent: 3 });
      expect(socket.sent.map((d) => parseGreProbe(d.packet)?.seq)).toEqual([1, 2, 3]);
      expect(socket.closed).toBe(true);
    }
  });

  it("no raw socket without root: unavailable, needs root", async () => {
    const open = (): IoResult<GreProbePort> =>
      failed(ferryError("NOT_PERMITTED", "Opening a raw GRE socket for probes failed.", "Run as root."));
    expect(await probeRelayGre(RELAY_ADDRESS, { open })).toEqual({
      outcome: "unavailable",
      needsRoot: true,
      error: "Opening a raw GRE socket for probes failed.",
    });
  });
});

/** Why the real raw-socket test cannot run here, or undefined. */
function rawSocketSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root (raw GRE sockets)";
  const socket = GreProbeSocket.open();
  if (!socket.ok) return `no raw GRE socket for probes: ${socket.error.message}`;
  socket.value.close();
  return undefined;
}

const skipReason = rawSocketSkipReason();
if (skipReason !== undefined) console.warn(`GRE probes through a real relay: skipped, ${skipReason}`);

describe.skipIf(skipReason !== undefined)(
  `ferry diagnose's relay check against a real relay on loopback${skipReason === undefined ? "" : ` (skipped: ${skipReason})`}`,
  () => {
    let pki: TestPki | undefined;
    let relay: RunningRelay | undefined;
    let pac: FakePptpServer | undefined;

    afterEach(async () => {
      await relay?.shutdown({ drainMs: 0 });
      await pac?.close();
      pki?.remove();
    });

    it("the relay names 127.0.0.1 and answers the GRE probe sent there from a raw socket", async () => {
      pki = makeTestPki();
      pac = await FakePptpServer.start();
      const tokens = TokenSet.of(["t0ken"]);
      const allow = Allowlist.parse(["127.0.0.1"]);
      if (!tokens.ok || !allow.ok) throw new Error("bad test configuration");
      // The servers' GRE stays in process; the probe socket is the real one.
      const servers = new FakeGreNetwork();
      relay = await startRelay({
        listen: { host: "127.0.0.1", port: 0 },
        cert: pki.server.cert,
        key: pki.server.key,
        tokens: tokens.value,
        allow: allow.value,
        serverPort: pac.port,
        greNetwork: { open: (server) => servers.open(server), openProbes: rawGreNetwork.openProbes! },
        log: () => {},
      });
      const probe = probeRelay({
        server: "127.0.0.1",
        token: "t0ken",
        trust: { kind: "ca", caFile: join(pki.dir, "relay.crt") },
        greProbe: { waitMs: 5000 },
      });
      const result = await probe(`wss://127.0.0.1:${relay.address().port}/ferry`);
      expect(result).toMatchObject({
        ok: true,
        relayAddress: "127.0.0.1",
        gre: { outcome: "answered", sent: 1 },
      });
      const metrics = await relay.metrics.text();
      expect(metrics).toMatch(/ferry_relay_gre_probes_total\{result="answered"\} [1-9]/);
    }, 20_000);
  },
);
