import { request as httpsRequest } from "node:https";
import { emitControlMessage } from "@ferry/pptp-client/wire";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { emitGreProbe } from "../../src/relay/gre-probe.js";
import { emitWrapFrame } from "../../src/wire/frame.js";
import { greData, sccrq } from "../relay/relay-fixtures.js";
import {
  DEAD_SERVER,
  expectRefusal,
  httpGet as get,
  RelayHarness,
  SERVER,
  TOKEN,
} from "./support/relay-harness.js";

const h = new RelayHarness();

beforeAll(() => h.makePki());
afterAll(() => h.removePki());
afterEach(() => h.cleanup());

describe("ferry-relay over TLS on loopback", () => {
  it("welcomes two clients to one server with the address it sees, and rewrites their Call IDs apart", async () => {
    const r = await h.start();
    const [a, b] = await Promise.all([h.withCall(r, 0x4242), h.withCall(r, 0x4242)]);
    expect(a.welcome.observedAddress).toBe("127.0.0.1");
    expect(a.welcome.relayAddress).toBe("");
    expect(a.welcome.sessionId).toMatch(/^[0-9a-f]{16}$/);
    expect(a.welcome.sessionId).not.toBe(b.welcome.sessionId);

    // The server saw two calls with different relay Call IDs; each client sees its own Call ID back.
    const requests = h.pac.connections.flatMap((c) =>
      c.received.filter((m) => m.type === "outgoing-call-request").map((m) => m.callId),
    );
    expect(requests).toHaveLength(2);
    expect(new Set(requests).size).toBe(2);
    expect(a.reply).toMatchObject({ peerCallId: 0x4242 });
    expect(b.reply).toMatchObject({ peerCallId: 0x4242 });
    expect(a.reply.type === "outgoing-call-reply" && a.reply.callId).not.toBe(
      b.reply.type === "outgoing-call-reply" && b.reply.callId,
    );

    // GRE from the server keyed by each relay Call ID reaches only that client, with its own Call ID.
    h.gre.fromServer(
      SERVER,
      requests.map((callId) => greData(callId)),
    );
    await a.client.until(() => a.client.gre().length === 1, "GRE to a");
    await b.client.until(() => b.client.gre().length === 1, "GRE to b");
    expect(a.client.gre()[0]).toEqual(greData(0x4242));
    expect(b.client.gre()[0]).toEqual(greData(0x4242));
    expect(h.gre.openTo(SERVER)).toBe(1);

    // GRE from a client for its server Call ID goes out to the server as sent.
    const serverCallId = a.reply.type === "outgoing-call-reply" ? a.reply.callId : -1;
    a.client.send(emitWrapFrame({ channel: "gre", packet: greData(serverCallId) }));
    await a.client.until(() => h.gre.sent.length === 1 || undefined, "GRE to the server");
    expect(h.gre.sent[0]).toEqual({ server: SERVER, packet: greData(serverCallId) });

    // A client going away closes its TCP 1723; the GRE port closes with the last session.
    a.client.close();
    b.client.close();
    await a.client.until(() => h.pac.connections.every((c) => c.ended) || undefined, "TCP 1723 closed");
    await a.client.until(
      () => (r.sessions() === 0 && h.gre.openTo(SERVER) === 0) || undefined,
      "sessions gone",
    );
  });

  describe("GRE probes (PROTOCOL.md section 6.5)", () => {
    const probe = (id: number) => emitGreProbe({ type: "probe", id, sentAt: 1000 + id, seq: id });
    const reply = (id: number) => emitGreProbe({ type: "probe-reply", id, sentAt: 1000 + id, seq: id });

    it("names its address toward the server in welcome and answers probes to their source, 10 a second", async () => {
      const r = await h.start({}, "open");
      const { welcome } = await h.withCall(r, 7);
      // The fake server listens on loopback, so that is the relay's address toward it.
      expect(welcome.relayAddress).toBe("127.0.0.1");

      const ids = Array.from({ length: 15 }, (_, i) => i + 1);
      h.gre.probeFrom("198.51.100.9", ids.map(probe));
      // Call ID 0 but not a probe: a probe-reply, and session-like GRE.
      h.gre.probeFrom("198.51.100.9", [reply(99), greData(0)]);
      h.gre.probeFrom("203.0.113.5", [probe(42)]);
      expect(h.gre.probePort!.sent).toEqual([
        ...ids.slice(0, 10).map((id) => ({ source: "198.51.100.9", packet: reply(id) })),
        { source: "203.0.113.5", packet: reply(42) },
      ]);
      // Nothing of it reached the sessions or the server.
      expect(h.gre.sent).toEqual([]);

      const { body } = await get(r.metricsAddress()!.port, "/metrics");
      expect(body).toContain('ferry_relay_gre_probes_total{result="answered"} 11');
      expect(body).toContain('ferry_relay_gre_probes_total{result="ignored"} 7');
      await r.shutdown({ drainMs: 0 });
      expect(h.gre.probePort!.closed).toBe(true);
    });

    it("names the configured address instead when given one (a relay behind a 1:1 NAT)", async () => {
      const r = await h.start({ greProbeAddress: "192.0.2.44" }, "open");
      const { welcome } = await h.withCall(r, 7);
      expect(welcome.relayAddress).toBe("192.0.2.44");
    });

    it("without the privilege for a probe socket names no address, says why in its log, and still relays", async () => {
      const r = await h.start({ greProbeAddress: "192.0.2.44" }, "refused");
      const { welcome, reply: callReply } = await h.withCall(r, 7);
      expect(welcome.relayAddress).toBe("");
      expect(callReply).toMatchObject({ type: "outgoing-call-reply", resultCode: 1 });
      expect(
        h.logLines.some((line) => line.startsWith("gre-probes-off") && line.includes("probes failed")),
      ).toBe(true);
    });
  });

  it("resolves host names itself and dials what they resolve to", async () => {
    const r = await h.start();
    const client = await h.connect(r);
    client.sendRelay({ type: "hello", server: "pptp.test", token: TOKEN });
    await client.message("welcome");
    expect(h.pac.connections).toHaveLength(1);
  });

  it("answers probes", async () => {
    const r = await h.start();
    const { client } = await h.withCall(r, 7);
    client.sendRelay({ type: "probe", id: 99, sentAt: 12345 });
    expect(await client.message("probe-reply")).toEqual({ type: "probe-reply", id: 99, sentAt: 12345 });
  });

  it("closes with 1000 when the server closes TCP 1723", async () => {
    const r = await h.start();
    const { client } = await h.withCall(r, 7);
    h.pac.connections[0]!.socket.end();
    expect((await client.closed).code).toBe(1000);
  });

  describe("refusals arrive as an error frame and close status 4000 + code", () => {
    it("wrong token: 4001, and the token never reaches the log", async () => {
      const r = await h.start();
      const client = await h.connect(r);
      client.sendRelay({ type: "hello", server: SERVER, token: "wrong-token-xyz" });
      await expectRefusal(client, "RELAY_AUTH_FAILED", 4001);
      expect(h.pac.connections).toHaveLength(0);
      expect(h.logLines.join("\n")).not.toContain("wrong-token-xyz");
      expect(h.logLines.join("\n")).not.toContain(TOKEN);
    });

    it("server not on the allowlist: 4002", async () => {
      const r = await h.start();
      const client = await h.connect(r);
      client.sendRelay({ type: "hello", server: "192.0.2.1", token: TOKEN });
      await expectRefusal(client, "RELAY_TARGET_FORBIDDEN", 4002);
    });

    it("frame over its channel's limit: 4003", async () => {
      const r = await h.start();
      const { client } = await h.withCall(r, 7);
      const big = new Uint8Array(1 + 1601);
      big[0] = 0x02;
      client.send(big);
      await expectRefusal(client, "RELAY_FRAME_TOO_LARGE", 4003);
    });

    it("server refusing TCP 1723: 4005", async () => {
      const r = await h.start();
      const client = await h.connect(r);
      client.sendRelay({ type: "hello", server: DEAD_SERVER, token: TOKEN });
      await expectRefusal(client, "RELAY_SERVER_UNREACHABLE", 4005);
    });

    it("over the session limits: 4006", async () => {
      const r = await h.start({ maxSessions: 3, maxSessionsPerSource: 2 });
      await h.connect(r);
      await h.connect(r);
      const thirdFromSameSource = await h.connect(r);
      await expectRefusal(thirdFromSameSource, "RELAY_BUSY", 4006);
    });

    it("control before hello, and a malformed frame: 4008", async () => {
      const r = await h.start();
      const early = await h.connect(r);
      early.sendControl(emitControlMessage(sccrq));
      await expectRefusal(early, "RELAY_PROTOCOL_ERROR", 4008);
      const garbage = await h.connect(r);
      garbage.send(Uint8Array.of(0x03, 0x01, 0xff));
      await expectRefusal(garbage, "RELAY_PROTOCOL_ERROR", 4008);
    });
  });

  it("refuses an upgrade that offers no ferry.v1 with 426 and Ferry-Protocols", async () => {
    const r = await h.start();
    const response = await new Promise<{ status: number; protocols: unknown }>((resolve, reject) => {
      const req = httpsRequest({
        host: "127.0.0.1",
        port: r.address().port,
        path: "/ferry",
        ca: h.pki.server.cert,
        headers: {
          Connection: "Upgrade",
          Upgrade: "websocket",
          "Sec-WebSocket-Version": "13",
          "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
          "Sec-WebSocket-Protocol": "ferry.v2",
        },
      });
      req.on("response", (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, protocols: res.headers["ferry-protocols"] });
      });
      req.on("upgrade", () => reject(new Error("upgraded")));
      req.on("error", reject);
      req.end();
    });
    expect(response).toEqual({ status: 426, protocols: "ferry.v1" });
    await expect(h.connect(r, { protocols: ["ferry.v2"] })).rejects.toThrow("HTTP 426");
  });

  it("accepts an empty token from a client with a certificate its client CA vouches for", async () => {
    const r = await h.start({ clientCa: h.pki.client.cert });
    const withCert = await h.connect(r, { cert: h.pki.client.cert, key: h.pki.client.key });
    withCert.sendRelay({ type: "hello", server: SERVER, token: "" });
    await withCert.message("welcome");
    const withoutCert = await h.connect(r);
    withoutCert.sendRelay({ type: "hello", server: SERVER, token: "" });
    await expectRefusal(withoutCert, "RELAY_AUTH_FAILED", 4001);
  });

  it("sends a whole burst read in one wake-up to a client that reads: its own burst is not congestion", async () => {
    const r = await h.start();
    const { client, reply } = await h.withCall(r, 0x78);
    const request = h.pac.connections[0]!.received.find((m) => m.type === "outgoing-call-request");
    if (request?.type !== "outgoing-call-request" || reply.type !== "outgoing-call-reply") throw new Error();
    const packet = new Uint8Array(1400);
    packet.set(greData(request.callId).subarray(0, 8));
    packet[0] = 0x20;
    packet[1] = 0x01;
    packet[4] = (1400 - 8) >> 8;
    packet[5] = (1400 - 8) & 0xff;
    // 64 packets (about 90 KB, over the 64 KiB mark) arrive in one batch, as the raw socket reader delivers them.
    h.gre.fromServer(
      SERVER,
      Array.from({ length: 64 }, () => packet.slice()),
    );
    expect(r.counters.greDropped.backpressure).toBe(0);
    await client.until(() => client.gre().length >= 64, "64 GRE frames");
  }, 30_000);

  it("drops GRE for a client that stops reading instead of queueing it, and keeps the session", async () => {
    const r = await h.start();
    const { client, reply } = await h.withCall(r, 0x77);
    const relayCallId = h.pac.connections[0]!.received.find((m) => m.type === "outgoing-call-request");
    if (relayCallId?.type !== "outgoing-call-request" || reply.type !== "outgoing-call-reply")
      throw new Error();
    client.ws.pause();
    const packet = new Uint8Array(1400);
    packet.set(greData(relayCallId.callId).subarray(0, 8));
    packet[0] = 0x20; // key only: header of 8 bytes, then the payload
    packet[1] = 0x01;
    packet[4] = (1400 - 8) >> 8;
    packet[5] = (1400 - 8) & 0xff;
    let maxUnsent = 0;
    for (let i = 0; i < 40_000 && r.counters.greDropped.backpressure < 500; i++) {
      h.gre.fromServer(SERVER, [packet]);
      maxUnsent = Math.max(maxUnsent, r.clientUnsentBytes());
      if (i % 16 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    expect(r.counters.greDropped.backpressure).toBeGreaterThanOrEqual(500);
    // At most the 64 KiB threshold plus one wake-up's burst (here 16 frames, each with its WebSocket header).
    expect(maxUnsent).toBeLessThanOrEqual(64 * 1024 + 16 * (1401 + 14));

    // Control still gets through once the client reads again.
    client.ws.resume();
    client.sendRelay({ type: "probe", id: 5, sentAt: 6 });
    expect(await client.message("probe-reply")).toEqual({ type: "probe-reply", id: 5, sentAt: 6 });
    const metrics = await get(r.metricsAddress()!.port, "/metrics");
    expect(metrics.body).toMatch(/ferry_relay_gre_dropped_total\{reason="backpressure"\} ([5-9]\d\d|\d{4,})/);
  }, 30_000);

  it("serves /healthz and /metrics", async () => {
    const r = await h.start();
    const metricsPort = r.metricsAddress()!.port;
    expect(await get(metricsPort, "/healthz")).toEqual({ status: 200, body: "ok\n" });
    const { client } = await h.withCall(r, 9);
    const refused = await h.connect(r);
    refused.sendRelay({ type: "hello", server: SERVER, token: "nope" });
    await refused.closed;
    await client.until(() => r.sessions() === 1 || undefined, "the refused session gone");

    const { status, body } = await get(metricsPort, "/metrics");
    expect(status).toBe(200);
    expect(body).toContain("ferry_relay_sessions_active 1");
    expect(body).toContain('ferry_relay_sessions_total{outcome="auth_failed"} 1');
    expect(body).toContain("ferry_relay_auth_failures_total 1");
    expect(body).toMatch(/ferry_relay_packets_total\{direction="from_client",channel="control"\} [1-9]/);
    expect(body).toMatch(/ferry_relay_bytes_total\{direction="to_server",channel="control"\} [1-9]/);
    expect(body).toContain('ferry_relay_gre_dropped_total{reason="backpressure"} 0');
    expect(body).toContain("ferry_relay_handshake_seconds_count 1");
    expect(body).not.toContain("process_cpu"); // its own registry, not prom-client's default metrics

    // The client listener answers /healthz too, and nothing else over plain HTTPS.
    const tls = await new Promise<number>((resolve, reject) => {
      httpsRequest(
        { host: "127.0.0.1", port: r.address().port, path: "/healthz", ca: h.pki.server.cert },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      )
        .on("error", reject)
        .end();
    });
    expect(tls).toBe(200);
  });

  it("on shutdown sends goaway, fails /healthz while draining, then ends sessions with 4007", async () => {
    const r = await h.start({ random: () => 0.5 });
    const { client } = await h.withCall(r, 11);
    const metricsPort = r.metricsAddress()!.port;
    const stopped = r.shutdown({ drainMs: 300 });
    expect(await client.message("goaway")).toEqual({ type: "goaway", reconnectAfterMs: 5000 });
    expect((await get(metricsPort, "/healthz")).status).toBe(503);
    // Forwarding goes on during the drain.
    client.sendRelay({ type: "probe", id: 1, sentAt: 1 });
    await client.message("probe-reply");
    await expectRefusal(client, "RELAY_SHUTTING_DOWN", 4007);
    await stopped;
    await expect(h.connect(r)).rejects.toThrow();
  });
});
