/**
 * The relay under attack, on loopback: stalled handshakes, connection floods, token guessing, forged frames,
 * spoofed GRE and open-proxy attempts are each refused, counted and logged without secrets, and an honest client
 * still gets in while they run. Attackers connect from other 127/8 addresses than the honest client's 127.0.0.1.
 */
import { createServer, type Server } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { emitControlMessage } from "@ferry/pptp-client/wire";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RunningRelay } from "../../src/relay-server/relay-server.js";
import { emitWrapFrame } from "../../src/wire/frame.js";
import type { RelayMessage } from "../../src/wire/relay-messages.js";
import { greData, sccrq } from "../relay/relay-fixtures.js";
import {
  exchange,
  type Held,
  silentTcp,
  silentWebSocket,
  sources,
  stalledHttp,
  type Target,
} from "./support/attackers.js";
import { FakePptpServer } from "./support/fake-pptp-server.js";
import { RelayHarness, SERVER, TOKEN } from "./support/relay-harness.js";

const h = new RelayHarness();
const held: Held[] = [];
const extraServers: { close(): Promise<void> | void }[] = [];

beforeAll(() => h.makePki());
afterAll(() => h.removePki());
afterEach(async () => {
  for (const connection of held.splice(0)) connection.socket.destroy();
  for (const server of extraServers.splice(0)) await server.close();
  await h.cleanup();
});

function target(r: RunningRelay): Target {
  return { port: r.address().port, ca: h.pki.server.cert };
}

/** Resolves once `ready()` holds; generous, since it waits on I/O, not on timing. */
async function until(ready: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A metric's value in the relay's /metrics text (0 when absent). */
async function metric(r: RunningRelay, series: string): Promise<number> {
  const text = await h.metrics(r);
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

/** An honest client: welcomed, a PPTP control exchange through the relay, and a probe answered. */
async function honestClient(r: RunningRelay): Promise<void> {
  const client = await h.connect(r);
  client.sendRelay({ type: "hello", server: SERVER, token: TOKEN });
  await client.message("welcome");
  client.sendControl(emitControlMessage(sccrq));
  await client.until(() => client.control.find((m) => m.type === "start-control-connection-reply"), "SCCRP");
  client.sendRelay({ type: "probe", id: 1, sentAt: 2 });
  await client.message("probe-reply");
}

describe("stalled handshakes (slowloris)", () => {
  it("closes a client that opens TCP and never speaks TLS after the TLS timeout", async () => {
    const r = await h.start({ handshakeLimits: { tlsTimeoutMs: 200 } });
    const silent = silentTcp(target(r), "127.0.1.1");
    held.push(silent);
    await silent.closed;
    expect(r.counters.handshakesCut.tls_timeout).toBe(1);
    expect(await metric(r, 'ferry_relay_handshakes_cut_total{reason="tls_timeout"}')).toBe(1);
  });

  it("closes a client that finishes TLS but never completes its upgrade request after the upgrade timeout", async () => {
    const r = await h.start({ handshakeLimits: { upgradeTimeoutMs: 200 } });
    const slow = await stalledHttp(target(r), "127.0.1.1");
    held.push(slow);
    await slow.closed;
    expect(r.counters.handshakesCut.upgrade_timeout).toBe(1);
    expect(r.counters.handshakesCut.tls_timeout).toBe(0);
  });

  it("refuses a source's connections over its limit at once, while other sources still get in", async () => {
    const r = await h.start({ handshakeLimits: { connectingPerSource: 3 } });
    for (let i = 0; i < 3; i++) held.push(silentTcp(target(r), "127.0.1.1"));
    await until(() => pending(r) === 3, "3 pending");
    const fourth = silentTcp(target(r), "127.0.1.1");
    held.push(fourth);
    await fourth.closed;
    expect(r.counters.handshakesCut.source_limit).toBe(1);
    await honestClient(r);
  });

  it("when the relay is full of stalled connections from many sources, evicts the oldest: an honest client gets in", async () => {
    const r = await h.start({ handshakeLimits: { connecting: 20 } });
    for (const source of sources(40)) held.push(silentTcp(target(r), source));
    await until(() => r.counters.handshakesCut.evicted >= 20, "20 evictions");
    expect(pending(r)).toBeLessThanOrEqual(20);
    await honestClient(r);
  });

  it("limits WebSockets that never send hello: per source RELAY_BUSY, and the oldest is shed when full", async () => {
    const r = await h.start({ handshakeLimits: { awaitingHelloPerSource: 2, awaitingHello: 4 } });
    const first = await silentWebSocket(target(r), "127.0.1.1");
    const firstClosed = new Promise<number>((resolve) => first.once("close", (code) => resolve(code)));
    await silentWebSocket(target(r), "127.0.1.1");
    const third = await exchange(target(r), "127.0.1.1", []);
    expect(third).toEqual({ status: 4006, error: "RELAY_BUSY" });
    expect(r.counters.handshakesCut.hello_source_limit).toBe(1);
    for (const source of ["127.0.1.2", "127.0.1.3"]) await silentWebSocket(target(r), source);
    // Full (4 awaiting hello): the next one sheds the oldest, which is told RELAY_BUSY.
    await honestClient(r);
    expect(await firstClosed).toBe(4006);
    expect(r.counters.handshakesCut.hello_evicted).toBe(1);
  });
});

describe("connection floods", () => {
  it("closes a source's connections over its rate before TLS, while another source connects normally", async () => {
    // A burst of 5 and a token every 100 s: the test opens connections far faster than that on any machine.
    const r = await h.start({ connectionRate: { perSecond: 0.01, burst: 5 } });
    const flooder = "127.0.5.1";
    const started = Date.now();
    const flood = Array.from({ length: 20 }, () => silentTcp(target(r), flooder));
    held.push(...flood);
    let closed = 0;
    for (const connection of flood) void connection.closed.then(() => closed++);
    await until(() => closed === 15, "15 connections closed");
    // Over the rate, a TLS client from the flooding address is closed before any TLS.
    const secured = await new Promise<boolean>((resolve) => {
      const raw = silentTcp(target(r), flooder);
      held.push(raw);
      const client = tlsConnect({ socket: raw.socket, ca: h.pki.server.cert, servername: "localhost" });
      client.once("secureConnect", () => resolve(true));
      client.once("error", () => {});
      client.once("close", () => resolve(false));
    });
    expect(secured).toBe(false);

    // Another source is not affected: its welcome, a control exchange and a probe.
    await honestClient(r);
    // The burst is still held, waiting for TLS; no TLS handshake failed on the relay's side for the others.
    expect(r.handshakes().tls).toBe(5);
    expect(r.counters.handshakesCut.tls_error).toBe(0);
    expect(await metric(r, "ferry_relay_connections_rate_limited_total")).toBe(16);
    // Summed up in at most a line a second, never a line per socket.
    const lines = h.logLines.filter((line) => line.startsWith("connections-rate-limited"));
    expect(lines[0]).toBe(`connections-rate-limited {"source":"${flooder}","refused":1}`);
    expect(lines.length).toBeLessThanOrEqual(Math.ceil((Date.now() - started) / 1000) + 1);
    expect(h.logLines.some((line) => line.startsWith("tls-error"))).toBe(false);
  });

  it("lets a flood through to the per-source handshake limit when the rate is off (0)", async () => {
    const r = await h.start({
      connectionRate: { perSecond: 0 },
      handshakeLimits: { connectingPerSource: 8 },
    });
    const flood = Array.from({ length: 20 }, () => silentTcp(target(r), "127.0.5.2"));
    held.push(...flood);
    await until(() => r.counters.handshakesCut.source_limit === 12, "12 over the handshake limit");
    expect(r.handshakes().tls).toBe(8);
    expect(await metric(r, "ferry_relay_connections_rate_limited_total")).toBe(0);
  });
});

describe("token guessing", () => {
  it("refuses wrong tokens, then every hello from that address unchecked for a cool-down; logs no token", async () => {
    const r = await h.start();
    const guesser = "127.0.2.1";
    for (let i = 0; i < 5; i++) {
      expect(await exchange(target(r), guesser, [hello(SERVER, `guess-${i}-zzz`)])).toEqual({
        status: 4001,
        error: "RELAY_AUTH_FAILED",
      });
    }
    // The right token from the guessing address is refused too: it is not even checked.
    expect(await exchange(target(r), guesser, [hello(SERVER, TOKEN)])).toEqual({
      status: 4001,
      error: "RELAY_AUTH_FAILED",
    });
    expect(h.pac.connections).toHaveLength(0);
    // Another address is not affected.
    await honestClient(r);

    expect(r.counters.authThrottled).toBe(1);
    expect(await metric(r, "ferry_relay_auth_throttled_total")).toBe(1);
    expect(await metric(r, "ferry_relay_auth_failures_total")).toBe(6);
    const log = h.logLines.join("\n");
    for (let i = 1; i <= 5; i++) expect(log).toContain(`auth-failed {"source":"${guesser}","count":${i}}`);
    expect(log).toContain(`auth-throttled {"source":"${guesser}","count":5,"seconds":60}`);
    expect(log).not.toContain("guess-");
    expect(log).not.toContain(TOKEN);
  });
});

describe("forged frames", () => {
  it("answers each forgery before welcome with its error and close status, and lets unknown channels pass", async () => {
    const r = await h.start();
    const source = "127.0.3.1";
    const forged: [string, (Uint8Array | string | RelayMessage)[], number, string][] = [
      ["a text message", ["hello?"], 4008, "RELAY_PROTOCOL_ERROR"],
      ["an empty message", [new Uint8Array(0)], 4008, "RELAY_PROTOCOL_ERROR"],
      [
        "control before hello",
        [emitWrapFrame({ channel: "control", bytes: emitControlMessage(sccrq) })],
        4008,
        "RELAY_PROTOCOL_ERROR",
      ],
      [
        "GRE before hello",
        [emitWrapFrame({ channel: "gre", packet: greData(1) })],
        4008,
        "RELAY_PROTOCOL_ERROR",
      ],
      [
        "a welcome from the client",
        [{ type: "welcome", observedAddress: "", relayAddress: "", sessionId: "0011223344556677" }],
        4008,
        "RELAY_PROTOCOL_ERROR",
      ],
      [
        "an error from the client",
        [{ type: "error", code: "RELAY_BUSY", message: "x" }],
        4008,
        "RELAY_PROTOCOL_ERROR",
      ],
      ["a goaway from the client", [{ type: "goaway", reconnectAfterMs: 0 }], 4008, "RELAY_PROTOCOL_ERROR"],
      ["a truncated hello", [Uint8Array.of(0x03, 0x01, 0x09, 0x61)], 4008, "RELAY_PROTOCOL_ERROR"],
      ["a second hello", [hello(SERVER, TOKEN), hello(SERVER, TOKEN)], 4008, "RELAY_PROTOCOL_ERROR"],
      ["an oversized relay frame", [new Uint8Array(2050).fill(3)], 4003, "RELAY_FRAME_TOO_LARGE"],
    ];
    for (const [what, frames, status, error] of forged) {
      const outcome = await exchange(target(r), source, frames);
      expect({ what, ...outcome }).toEqual({ what, status, error });
    }
    // Over the WebSocket limit (4097 bytes) the library itself closes with 1009.
    expect((await exchange(target(r), source, [new Uint8Array(5000)])).status).toBe(1009);
    const client = await h.connect(r);
    client.send(Uint8Array.of(0x09, 1, 2, 3));
    client.sendRelay({ type: "hello", server: SERVER, token: TOKEN });
    await client.message("welcome");
    expect(await metric(r, 'ferry_relay_sessions_total{outcome="protocol_error"}')).toBe(forged.length - 1);
  });

  it("drops GRE a client addresses to another session's call, and keeps both sessions", async () => {
    const r = await h.start();
    const a = await h.withCall(r, 0x11);
    const b = await h.withCall(r, 0x22);
    const serverCallIdOf = (reply: typeof a.reply) =>
      reply.type === "outgoing-call-reply" ? reply.callId : -1;
    // a sends GRE for b's call: not forwarded.
    a.client.send(emitWrapFrame({ channel: "gre", packet: greData(serverCallIdOf(b.reply)) }));
    a.client.send(emitWrapFrame({ channel: "gre", packet: greData(serverCallIdOf(a.reply)) }));
    await until(() => h.gre.sent.length === 1, "a's own GRE forwarded");
    await until(() => r.counters.greDropped.unrouted === 1, "the forgery counted");
    expect(h.gre.sent[0]!.packet).toEqual(greData(serverCallIdOf(a.reply)));
    b.client.sendRelay({ type: "probe", id: 3, sentAt: 4 });
    await b.client.message("probe-reply");
    expect(r.sessions()).toBe(2);
  });
});

describe("spoofed GRE", () => {
  it("drops GRE from addresses other than the server's, and GRE keyed to no call, counting both", async () => {
    const r = await h.start();
    const { client } = await h.withCall(r, 0x33);
    const relayCallId = h.pac.connections[0]!.received.find((m) => m.type === "outgoing-call-request");
    if (relayCallId?.type !== "outgoing-call-request") throw new Error("no call");
    // A spoofer elsewhere sends GRE with the session's relay Call ID; the server's port takes none of it.
    h.gre.fromAddress("192.0.2.66", [greData(relayCallId.callId), greData(relayCallId.callId)]);
    // From the server's address, keyed to a Call ID the relay never gave out.
    h.gre.fromServer(SERVER, [greData(relayCallId.callId + 1000)]);
    // The real thing still arrives.
    h.gre.fromAddress(SERVER, [greData(relayCallId.callId)]);
    await client.until(() => client.gre().length === 1, "the server's GRE");
    expect(client.gre()).toEqual([greData(0x33)]);
    expect(r.counters.greDropped.unrouted).toBe(1);
    const text = await h.metrics(r);
    expect(text).toContain('ferry_relay_gre_dropped_total{reason="foreign_source"} 2');
    expect(text).toContain('ferry_relay_gre_dropped_total{reason="unrouted"} 1');
  });

  it("keeps servers apart: GRE from another allowed server never reaches a session of the first", async () => {
    const r = await h.start({}, "none", { allow: [SERVER, "127.0.0.3"] });
    const other = await FakePptpServer.start("127.0.0.3", h.pac.port);
    extraServers.push(other);
    const first = await h.withCall(r, 0x44);
    const second = await h.connect(r);
    second.sendRelay({ type: "hello", server: "127.0.0.3", token: TOKEN });
    await second.message("welcome");
    const call = h.pac.connections[0]!.received.find((m) => m.type === "outgoing-call-request");
    if (call?.type !== "outgoing-call-request") throw new Error("no call");
    // The other server (no call there) sends GRE keyed with the first session's relay Call ID.
    h.gre.fromAddress("127.0.0.3", [greData(call.callId)]);
    await until(() => r.counters.greDropped.unrouted === 1, "dropped as unrouted");
    // It reached the first server's port only as a foreign packet; the first session saw nothing.
    expect(first.client.gre()).toEqual([]);
    expect(second.gre()).toEqual([]);
    expect(await metric(r, 'ferry_relay_gre_dropped_total{reason="foreign_source"}')).toBe(1);
  });
});

describe("open-proxy attempts", () => {
  it("refuses every target that is not the allowed server, and never dials one", async () => {
    // The PPTP server is 127.0.0.3; a sentinel on the relay's own 127.0.0.1 at the same port sees any dial there.
    const pacHost = "127.0.0.3";
    const r = await h.start({}, "none", {
      pacHost,
      allow: [pacHost, "rebind.test", "metadata.test"],
      names: { localhost: "127.0.0.1", "rebind.test": "127.0.0.1", "metadata.test": "169.254.169.254" },
    });
    const dials: string[] = [];
    const sentinel: Server = createServer((socket) => {
      dials.push(socket.localAddress ?? "");
      socket.destroy();
    });
    await new Promise<void>((resolve) => sentinel.listen(h.pac.port, "127.0.0.1", resolve));
    extraServers.push({ close: () => new Promise<void>((resolve) => sentinel.close(() => resolve())) });

    const forbidden = [
      "192.0.2.1", // not on the allowlist
      "127.0.0.1", // the relay's own loopback
      "127.0.0.2",
      "localhost",
      "0.0.0.0",
      "169.254.169.254", // cloud metadata
      "224.0.0.1",
      "rebind.test", // a listed name whose DNS points at loopback
      "metadata.test", // ... or at the metadata service
      "unknown.test", // an unlisted name that does not resolve
    ];
    for (const server of forbidden) {
      expect({ server, ...(await exchange(target(r), "127.0.4.1", [hello(server, TOKEN)])) }).toEqual({
        server,
        status: 4002,
        error: "RELAY_TARGET_FORBIDDEN",
      });
    }
    // IPv6 loopback cannot even be named in hello (IPv4 addresses and host names only): a protocol error.
    const v6 = Uint8Array.of(0x03, 0x01, 3, ...Buffer.from("::1"), 0, TOKEN.length, ...Buffer.from(TOKEN));
    expect(await exchange(target(r), "127.0.4.1", [v6])).toEqual({
      status: 4008,
      error: "RELAY_PROTOCOL_ERROR",
    });
    expect(dials).toEqual([]);
    expect(h.pac.connections).toHaveLength(0);
    expect(await metric(r, 'ferry_relay_sessions_total{outcome="target_forbidden"}')).toBe(forbidden.length);

    // The allowed server still works.
    const client = await h.connect(r);
    client.sendRelay({ type: "hello", server: pacHost, token: TOKEN });
    await client.message("welcome");
    expect(h.pac.connections).toHaveLength(1);
  });

  it("is no HTTP proxy: CONNECT and absolute-form requests get nothing through", async () => {
    const r = await h.start();
    const ask = (request: string) =>
      new Promise<string>((resolve) => {
        const socket = tlsConnect({
          host: "127.0.0.1",
          port: r.address().port,
          ca: h.pki.server.cert,
          servername: "localhost",
        });
        let answer = "";
        socket.on("data", (data) => {
          answer += data.toString("latin1");
        });
        socket.on("error", () => {});
        socket.on("close", () => resolve(answer));
        socket.on("secureConnect", () => socket.end(request));
      });
    const connect = await ask("CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n");
    expect(connect).not.toMatch(/^HTTP\/1\.1 200/);
    const absolute = await ask(
      "GET http://169.254.169.254/latest/meta-data/ HTTP/1.1\r\nHost: 169.254.169.254\r\n\r\n",
    );
    expect(absolute).toMatch(/^HTTP\/1\.1 404/);
  });
});

describe("an honest client while the relay is under attack", () => {
  // How long the welcome takes under attack is measured by `npm run bench:relay-attack`, not asserted here.
  it("is welcomed while slow handshakes, token guessers and a connection flood run", async () => {
    const r = await h.start();
    const t = target(r);
    // 200 slow handshakes: 100 silent TCP connections and 100 WebSockets that never send hello, from 25 sources.
    const slowSources = sources(25, 10);
    for (let i = 0; i < 100; i++) held.push(silentTcp(t, slowSources[i % 25]!));
    const silentSockets = await Promise.all(
      Array.from({ length: 100 }, (_, i) => silentWebSocket(t, slowSources[i % 25]!).catch(() => undefined)),
    );
    // 500 wrong-token hellos from 50 sources, and a flood of connections opened and dropped, running meanwhile.
    const guessers = sources(50, 20);
    let flooding = true;
    const flood = (async () => {
      const floodSources = sources(20, 30);
      for (let round = 0; flooding; round++) {
        const batch = floodSources.map((source) => silentTcp(t, source));
        await new Promise((resolve) => setTimeout(resolve, 5));
        for (const connection of batch) connection.socket.destroy();
        if (round > 10_000) break;
      }
    })();
    const guessing = Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        exchange(t, guessers[i % 50]!, [hello(SERVER, `wrong-${i}-zzz`)]),
      ),
    );

    await honestClient(r);

    const outcomes = await guessing;
    flooding = false;
    await flood;
    for (const ws of silentSockets) ws?.terminate();
    expect(outcomes.every((o) => o.error === "RELAY_AUTH_FAILED" && o.status === 4001)).toBe(true);
    // Each guesser had its 5 tries checked; the rest were refused unchecked.
    expect(r.counters.authThrottled).toBe(500 - 50 * 5);
    expect(h.logLines.filter((line) => line.startsWith("auth-failed")).length).toBe(250);
    expect(h.logLines.join("\n")).not.toContain("wrong-");
  }, 60_000);
});

function hello(server: string, token: string) {
  return { type: "hello", server, token } as const;
}

/** Connections the relay holds that have not upgraded yet. */
function pending(r: RunningRelay): number {
  const { tls, http } = r.handshakes();
  return tls + http;
}
