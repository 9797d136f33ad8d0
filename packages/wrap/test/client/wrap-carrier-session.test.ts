/**
 * The carrier once connected, against a loopback relay: both PPTP channels, refusals, endings, a relay killed
 * mid-session, and GRE dropped (control kept) when the relay stops reading.
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { WRAP_MAX_GRE_PACKET } from "../../src/wire/index.js";
import { CarrierHarness, RecordingHandlers, SERVER } from "./fixtures/carrier-harness.js";
import { RELAY_SESSION_ID } from "./fixtures/fake-relay.js";

const harness = new CarrierHarness();
afterEach(() => harness.cleanup());

const GRE_ACK = Uint8Array.from([0x20, 0x81, 0x88, 0x0b, 0x00, 0x00, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x05]);

describe("the two channels", () => {
  it("carries control bytes and GRE packets both ways", async () => {
    const relay = await harness.relay();
    const carrier = await harness.openOk({ relayUrl: relay.url() });
    const handlers = new RecordingHandlers();
    carrier.start(handlers);
    const control = Uint8Array.from({ length: 6000 }, (_, i) => i % 251);
    carrier.sendControl(control);
    carrier.sendGre([GRE_ACK, GRE_ACK]);
    await handlers.until(
      () => handlers.controlBytes.length === control.length && handlers.greBatches.flat().length === 2,
    );
    expect(new Uint8Array(handlers.controlBytes)).toEqual(control);
    expect(handlers.greBatches.flat()).toEqual([GRE_ACK, GRE_ACK]);
    expect(handlers.closedWith).toEqual([]);
  });

  it("keeps what arrives between welcome and start(), and reports goaway as a carrier event", async () => {
    const relay = await harness.relay();
    const carrier = await harness.openOk({ relayUrl: relay.url() });
    relay.send({ type: "goaway", reconnectAfterMs: 2500 });
    relay.latest().ws.send(Uint8Array.of(0x01, 0xaa, 0xbb));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const handlers = new RecordingHandlers();
    carrier.start(handlers);
    await handlers.until(() => handlers.controlBytes.length === 2);
    expect(handlers.events).toEqual([{ type: "goaway", reconnectAfterMs: 2500 }]);
    expect([...handlers.controlBytes]).toEqual([0xaa, 0xbb]);
  });

  it("drops oversized GRE packets instead of sending them", async () => {
    const relay = await harness.relay();
    const carrier = await harness.openOk({ relayUrl: relay.url() });
    carrier.start(new RecordingHandlers());
    carrier.sendGre([new Uint8Array(WRAP_MAX_GRE_PACKET + 1)]);
    expect(carrier.stats.greDroppedTooLarge).toBe(1);
  });
});

describe("refusals and endings", () => {
  it("a relay error frame fails the open with the client's wording", async () => {
    const relay = await harness.relay({
      onHello: { kind: "error", code: "RELAY_TARGET_FORBIDDEN", message: "not on the allowlist" },
    });
    const result = await harness.open({ relayUrl: relay.url() });
    expect(result).toMatchObject({
      ok: false,
      error: {
        code: "RELAY_TARGET_FORBIDDEN",
        message: `The relay is not allowed to reach ${SERVER}.`,
        detail: { relayMessage: "not on the allowlist" },
      },
    });
  });

  it("a close status 4000 + code alone is the same refusal", async () => {
    const relay = await harness.relay({ onHello: { kind: "close-only", code: "RELAY_BUSY" } });
    const result = await harness.open({ relayUrl: relay.url() });
    expect(result).toMatchObject({ ok: false, error: { code: "RELAY_BUSY", message: "The relay is full." } });
  });

  it("an error mid-session reaches closed() with the relay session ID", async () => {
    const relay = await harness.relay();
    const carrier = await harness.openOk({ relayUrl: relay.url() });
    const handlers = new RecordingHandlers();
    carrier.start(handlers);
    relay.send({ type: "error", code: "RELAY_SERVER_UNREACHABLE", message: "reset" });
    await handlers.until(() => handlers.closedWith.length > 0);
    expect(handlers.closedWith).toMatchObject([
      { code: "RELAY_SERVER_UNREACHABLE", detail: { relaySessionId: RELAY_SESSION_ID } },
    ]);
  });

  it("the relay's normal close (the server closed TCP 1723) is closed() without an error", async () => {
    const relay = await harness.relay();
    const carrier = await harness.openOk({ relayUrl: relay.url() });
    const handlers = new RecordingHandlers();
    carrier.start(handlers);
    relay.latest().ws.close(1000);
    await handlers.until(() => handlers.closedWith.length > 0);
    expect(handlers.closedWith).toEqual([undefined]);
  });

  it("a relay killed mid-session is noticed at once: RELAY_CONNECTION_LOST", async () => {
    const relay = await harness.relay();
    const carrier = await harness.openOk({ relayUrl: relay.url() });
    const handlers = new RecordingHandlers();
    carrier.start(handlers);
    relay.latest().socket.destroy();
    await handlers.until(() => handlers.closedWith.length > 0);
    expect(handlers.closedWith).toMatchObject([
      { code: "RELAY_CONNECTION_LOST", detail: { closeStatus: 1006 } },
    ]);
    carrier.sendControl(Uint8Array.of(1));
    carrier.sendGre([GRE_ACK]);
    expect(handlers.closedWith).toHaveLength(1);
  });

  it("close() ends the WebSocket with 1000 and calls no handler afterwards", async () => {
    const relay = await harness.relay();
    const carrier = await harness.openOk({ relayUrl: relay.url() });
    const handlers = new RecordingHandlers();
    carrier.start(handlers);
    const relaySaw = new Promise<number>((resolve) => relay.latest().ws.once("close", resolve));
    carrier.close();
    carrier.close();
    expect(await relaySaw).toBe(1000);
    expect(handlers.closedWith).toEqual([]);
    expect(handlers.events).toEqual([]);
  });
});

describe("backpressure (PROTOCOL.md section 7)", () => {
  it("sends a whole burst on an idle link: its own unsent frames are not congestion", async () => {
    const relay = await harness.relay({ echoGre: false });
    const carrier = await harness.openOk({ relayUrl: relay.url() });
    carrier.start(new RecordingHandlers());
    // 64 full-size packets (about 100 KB, over the 64 KiB mark) in one batch, as the TUN reader delivers them.
    carrier.sendGre(Array.from({ length: 64 }, () => new Uint8Array(WRAP_MAX_GRE_PACKET).fill(0x30)));
    expect(carrier.stats.greDroppedBackpressure).toBe(0);
    while (relay.greReceived < 64) await new Promise((resolve) => setTimeout(resolve, 10));
  });

  it("drops GRE once 64 KiB wait unsent, and still delivers control bytes", { timeout: 30_000 }, async () => {
    const relay = await harness.relay({ echoGre: false });
    const carrier = await harness.openOk({ relayUrl: relay.url() });
    carrier.start(new RecordingHandlers());
    relay.latest().socket.pause();
    const packet = new Uint8Array(WRAP_MAX_GRE_PACKET).fill(0x30);
    // Loopback socket buffers take megabytes before the WebSocket starts to buffer; bounded at 256 MiB.
    for (let round = 0; round < 1_600 && carrier.stats.greDroppedBackpressure === 0; round++) {
      carrier.sendGre(Array.from({ length: 100 }, () => packet));
      await nextTurn();
    }
    expect(carrier.stats.greDroppedBackpressure).toBeGreaterThan(0);
    const marker = Buffer.from("control is never dropped");
    carrier.sendControl(marker);
    relay.latest().socket.resume();
    while (!relay.controlReceived.includes(marker)) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(relay.controlReceived.equals(marker)).toBe(true);
  });
});
