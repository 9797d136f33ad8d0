import { describe, expect, it } from "vitest";
import { GRE_DROP_ABOVE } from "../../src/relay/backpressure.js";
import { ServerCallIds } from "../../src/relay/call-id-allocator.js";
import type { PptpTranslator } from "../../src/relay/pptp-translator.js";
import {
  CLIENT_IDLE_TIMEOUT_MS,
  HELLO_DEADLINE_MS,
  SERVER_CONNECT_DEADLINE_MS,
} from "../../src/relay/relay-session.js";
import { emitWrapFrame, parseWrapFrame, WRAP_MAX_GRE_PACKET } from "../../src/wire/frame.js";
import { emitRelayMessage } from "../../src/wire/relay-messages.js";
import { emit, greData, ocrp, ocrq, SERVER, sccrp, sccrq, single } from "./relay-fixtures.js";
import {
  CLIENT_ADDRESS,
  clientControl,
  controlToClient,
  controlToServer,
  drain,
  expectRefusal,
  greToClient,
  helloFrame,
  newSession,
  relayFrame,
  relayMessagesIn,
  SESSION_ID,
  TOKEN,
  welcome,
} from "./session-harness.js";

const CLIENT_CALL_ID = 0x4242;
const SERVER_CALL_ID = 0x0180;

/** A welcomed session with a PPTP call up; returns the relay Call ID the server saw. */
function withCall(harness = newSession(), now = 0) {
  const { session } = harness;
  welcome(session, now);
  expect(controlToServer(clientControl(session, emit(sccrq), now))).toEqual(emit(sccrq));
  session.handleServerBytes(emit(sccrp), now);
  expect(controlToClient(drain(session))).toEqual(emit(sccrp));
  const request = single(controlToServer(clientControl(session, emit(ocrq(CLIENT_CALL_ID)), now)));
  if (request.type !== "outgoing-call-request") throw new Error("expected outgoing-call-request");
  session.handleServerBytes(emit(ocrp(SERVER_CALL_ID, request.callId)), now);
  expect(single(controlToClient(drain(session)))).toEqual(ocrp(SERVER_CALL_ID, CLIENT_CALL_ID));
  return { ...harness, relayCallId: request.callId };
}

describe("RelaySession: the handshake", () => {
  it("checks the token, resolves, dials, and welcomes with the observed address once TCP 1723 is up", () => {
    const { session } = newSession({}, 1000);
    session.handleClientMessage(helloFrame(), 1200);
    expect(drain(session)).toEqual([{ type: "resolve", server: SERVER }]);
    expect(session.welcomed).toBe(false);
    session.resolved(1300, SERVER);
    expect(drain(session)).toEqual([{ type: "dial", address: SERVER }]);
    expect(session.translator).toBeDefined();
    session.serverConnected(1500, CLIENT_ADDRESS, "");
    const actions = drain(session);
    expect(relayMessagesIn(actions)).toEqual([
      { type: "welcome", observedAddress: CLIENT_ADDRESS, relayAddress: "", sessionId: SESSION_ID },
    ]);
    expect(session.handshakeMs).toBe(500);
    expect(session.closed).toBe(false);
  });

  it("reports an IPv4-mapped peer as its IPv4 address and an unusable one as none", () => {
    const a = newSession().session;
    a.handleClientMessage(helloFrame(), 0);
    a.resolved(0, SERVER);
    a.serverConnected(0, "::ffff:203.0.113.9", "");
    const b = newSession().session;
    b.handleClientMessage(helloFrame(), 0);
    b.resolved(0, SERVER);
    b.serverConnected(0, "not an address", "");
    expect(relayMessagesIn(drain(a))[0]).toMatchObject({ observedAddress: "203.0.113.9" });
    expect(relayMessagesIn(drain(b))[0]).toMatchObject({ observedAddress: "" });
  });

  it("accepts an empty token only with a valid client certificate", () => {
    const withCert = newSession({ clientCertOk: true }).session;
    withCert.handleClientMessage(helloFrame(SERVER, ""), 0);
    expect(drain(withCert)).toEqual([{ type: "resolve", server: SERVER }]);

    const withoutCert = newSession().session;
    withoutCert.handleClientMessage(helloFrame(SERVER, ""), 0);
    expectRefusal(drain(withoutCert), "RELAY_AUTH_FAILED", 4001);
    expect(withoutCert.outcome?.outcome).toBe("RELAY_AUTH_FAILED");
  });

  it("refuses a wrong token before it looks at the allowlist (and never dials)", () => {
    const { session } = newSession();
    session.handleClientMessage(helloFrame("not-allowed.example", "wrong"), 0);
    const actions = drain(session);
    expectRefusal(actions, "RELAY_AUTH_FAILED", 4001);
    expect(actions.some((a) => a.type === "resolve" || a.type === "dial" || a.type === "close-server")).toBe(
      false,
    );
    expect(JSON.stringify(session.outcome)).not.toContain("not-allowed");
  });

  it("refuses a server that is not on the allowlist, whatever it resolves to", () => {
    const { session } = newSession();
    session.handleClientMessage(helloFrame("elsewhere.example"), 0);
    drain(session);
    session.resolved(0, "192.0.2.1");
    expectRefusal(drain(session), "RELAY_TARGET_FORBIDDEN", 4002);

    const literal = newSession().session;
    literal.handleClientMessage(helloFrame("192.0.2.1"), 0);
    drain(literal);
    literal.resolved(0, "192.0.2.1");
    expectRefusal(drain(literal), "RELAY_TARGET_FORBIDDEN", 4002);
  });

  it("refuses a listed name that resolves to loopback, and one that does not resolve as unreachable", () => {
    const loop = newSession().session;
    loop.handleClientMessage(helloFrame("vpn.example.com"), 0);
    drain(loop);
    loop.resolved(0, "127.0.0.1");
    expectRefusal(drain(loop), "RELAY_TARGET_FORBIDDEN", 4002);

    const missing = newSession().session;
    missing.handleClientMessage(helloFrame("VPN.Example.com"), 0);
    drain(missing);
    missing.resolved(0, undefined);
    expectRefusal(drain(missing), "RELAY_SERVER_UNREACHABLE", 4005);
  });

  it("times out a client that sends no hello within 10 s", () => {
    const { session } = newSession({}, 5000);
    expect(session.nextTimeout()).toBe(5000 + HELLO_DEADLINE_MS);
    session.handleTimeout(5000 + HELLO_DEADLINE_MS - 1);
    expect(drain(session)).toEqual([]);
    session.handleTimeout(5000 + HELLO_DEADLINE_MS);
    expectRefusal(drain(session), "RELAY_HANDSHAKE_TIMEOUT", 4004);
    expect(session.nextTimeout()).toBeUndefined();
  });

  it("gives up on a server that does not connect within 10 s, closing the half-open dial", () => {
    const { session } = newSession();
    session.handleClientMessage(helloFrame(), 0);
    session.resolved(3000, SERVER);
    drain(session);
    expect(session.nextTimeout()).toBe(SERVER_CONNECT_DEADLINE_MS);
    session.handleTimeout(SERVER_CONNECT_DEADLINE_MS);
    const actions = drain(session);
    expectRefusal(actions, "RELAY_SERVER_UNREACHABLE", 4005);
    expect(actions.at(-1)).toEqual({ type: "close-server" });
  });

  it("reports a refused connect as unreachable", () => {
    const { session } = newSession();
    session.handleClientMessage(helloFrame(), 0);
    session.resolved(0, SERVER);
    drain(session);
    session.serverFailed(10, "ECONNREFUSED");
    const actions = drain(session);
    expectRefusal(actions, "RELAY_SERVER_UNREACHABLE", 4005);
    expect(relayMessagesIn(actions)[0]).toMatchObject({ message: expect.stringContaining("ECONNREFUSED") });
  });
});

describe("RelaySession: protocol violations", () => {
  const cases: [string, Uint8Array][] = [
    ["an empty message", new Uint8Array(0)],
    ["an empty control frame", Uint8Array.of(0x01)],
    ["a relay message that does not parse", Uint8Array.of(0x03, 0x01, 0x05)],
    ["control before welcome", Uint8Array.of(0x01, 0x00)],
    ["GRE before welcome", emitWrapFrame({ channel: "gre", packet: greData(1) })],
    ["a probe before welcome", relayFrame({ type: "probe", id: 1, sentAt: 2 })],
    [
      "a welcome from the client",
      relayFrame({ type: "welcome", observedAddress: "", relayAddress: "", sessionId: SESSION_ID }),
    ],
    ["an error from the client", relayFrame({ type: "error", code: "RELAY_ERROR", message: "" })],
  ];
  for (const [name, frame] of cases) {
    it(`answers ${name} with RELAY_PROTOCOL_ERROR and close 4008`, () => {
      const { session } = newSession();
      session.handleClientMessage(frame, 0);
      expectRefusal(drain(session), "RELAY_PROTOCOL_ERROR", 4008);
      expect(session.closed).toBe(true);
    });
  }

  it("answers a text message and a second hello with RELAY_PROTOCOL_ERROR", () => {
    const text = newSession().session;
    text.handleClientMessage(helloFrame(), 0, false);
    expectRefusal(drain(text), "RELAY_PROTOCOL_ERROR", 4008);

    const twice = newSession().session;
    twice.handleClientMessage(helloFrame(), 0);
    drain(twice);
    twice.handleClientMessage(helloFrame(), 0);
    expectRefusal(drain(twice), "RELAY_PROTOCOL_ERROR", 4008);

    const afterWelcome = newSession().session;
    welcome(afterWelcome);
    afterWelcome.handleClientMessage(helloFrame(), 0);
    const actions = drain(afterWelcome);
    expectRefusal(actions, "RELAY_PROTOCOL_ERROR", 4008);
    expect(actions.at(-1)).toEqual({ type: "close-server" });
  });

  it("answers frames over their channel's limit with RELAY_FRAME_TOO_LARGE", () => {
    const { session } = newSession();
    welcome(session);
    const big = new Uint8Array(1 + WRAP_MAX_GRE_PACKET + 1);
    big[0] = 0x02;
    session.handleClientMessage(big, 0);
    expectRefusal(drain(session), "RELAY_FRAME_TOO_LARGE", 4003);
  });

  it("ignores unknown channels and unknown relay messages, even before hello", () => {
    const { session } = newSession();
    session.handleClientMessage(Uint8Array.of(0x09, 1, 2), 0);
    session.handleClientMessage(Uint8Array.of(0x03, 0x7f, 0xaa), 0);
    expect(drain(session)).toEqual([]);
    welcome(session);
    session.handleClientMessage(Uint8Array.of(0x09), 0);
    session.handleClientMessage(relayFrame({ type: "probe-reply", id: 1, sentAt: 1 }), 0);
    expect(drain(session)).toEqual([]);
    expect(session.closed).toBe(false);
  });

  it("ends with RELAY_PROTOCOL_ERROR when the client breaks the PPTP sequence", () => {
    const { session } = newSession();
    welcome(session);
    const actions = clientControl(session, emit(ocrq(5)), 0);
    expectRefusal(actions, "RELAY_PROTOCOL_ERROR", 4008);
    expect(controlToServer(actions)).toHaveLength(0);
  });
});

describe("RelaySession: forwarding", () => {
  it("rewrites Call IDs both ways through the translator", () => {
    const { session, callIds, relayCallId } = withCall();
    expect(callIds.forServer(SERVER).ownerOf(relayCallId)).toBe(session.translator);
  });

  it("gives two sessions to one server different relay Call IDs for the same client Call ID", () => {
    const callIds = new ServerCallIds<PptpTranslator>();
    const a = withCall(newSession({ callIds }));
    const b = withCall(newSession({ callIds }));
    expect(a.relayCallId).not.toBe(b.relayCallId);
  });

  it("passes the client's GRE for its call to the server and drops the rest", () => {
    const { session, counters } = withCall();
    session.handleClientMessage(emitWrapFrame({ channel: "gre", packet: greData(SERVER_CALL_ID) }), 0);
    const sent = drain(session);
    expect(sent).toEqual([{ type: "send-gre", packet: greData(SERVER_CALL_ID) }]);
    session.handleClientMessage(emitWrapFrame({ channel: "gre", packet: greData(SERVER_CALL_ID + 1) }), 0);
    session.handleClientMessage(emitWrapFrame({ channel: "gre", packet: Uint8Array.of(1, 2, 3) }), 0);
    expect(drain(session)).toEqual([]);
    expect(counters.greDropped).toMatchObject({ unrouted: 1, malformed: 1 });
    expect(counters.flows.to_server.gre).toEqual({ packets: 1, bytes: greData(0).length });
  });

  it("rewrites the server's GRE to the client's Call ID, and drops it above 64 KiB unsent", () => {
    const { session, counters, relayCallId } = withCall();
    session.handleServerGre(greData(relayCallId), 0, GRE_DROP_ABOVE);
    const [packet] = greToClient(drain(session));
    expect(packet).toEqual(greData(CLIENT_CALL_ID));

    session.handleServerGre(greData(relayCallId), 0, GRE_DROP_ABOVE + 1);
    expect(drain(session)).toEqual([]);
    expect(counters.greDropped.backpressure).toBe(1);

    session.handleServerGre(greData(relayCallId + 1), 0, 0);
    expect(drain(session)).toEqual([]);
    expect(counters.greDropped.unrouted).toBe(1);
  });

  it("never drops control for backpressure", () => {
    const { session } = withCall();
    const echo = emit({ type: "echo-request", identifier: 9 });
    session.handleServerBytes(echo, 0);
    const actions = drain(session);
    expect(controlToClient(actions)).toEqual(echo);
    expect(actions.every((a) => a.type !== "send-client" || a.control)).toBe(true);
  });

  it("closes with 1000 when the server ends TCP 1723, after what it sent", () => {
    const { session } = withCall();
    const stop = emit({ type: "stop-control-connection-request", reason: 1 });
    session.handleServerBytes(stop, 0);
    session.serverEnded(0);
    const actions = drain(session);
    expect(controlToClient(actions)).toEqual(stop);
    expect(actions.filter((a) => a.type === "close-client")).toEqual([
      { type: "close-client", status: 1000, reason: "server closed" },
    ]);
    expect(session.outcome?.outcome).toBe("SERVER_CLOSED");
  });

  it("frees the Call ID and closes TCP 1723 when the client goes", () => {
    const { session, callIds, relayCallId } = withCall();
    session.clientClosed(0);
    expect(drain(session)).toEqual([{ type: "close-server" }]);
    expect(callIds.forServer(SERVER).ownerOf(relayCallId)).toBeUndefined();
    expect(session.outcome?.outcome).toBe("CLIENT_CLOSED");
  });

  it("reports TCP 1723 failing mid-session as RELAY_SERVER_UNREACHABLE", () => {
    const { session } = withCall();
    session.serverFailed(0, "ECONNRESET");
    expectRefusal(drain(session), "RELAY_SERVER_UNREACHABLE", 4005);
  });
});

describe("RelaySession: probes, idle, goaway", () => {
  it("answers probes with the same id and sentAt, at most 10 a second", () => {
    const { session, counters } = newSession();
    welcome(session);
    const replies = (now: number, count: number) => {
      for (let i = 0; i < count; i++)
        session.handleClientMessage(relayFrame({ type: "probe", id: i, sentAt: 77 }), now);
      return relayMessagesIn(drain(session));
    };
    const first = replies(1000, 15);
    expect(first).toHaveLength(10);
    expect(first[3]).toEqual({ type: "probe-reply", id: 3, sentAt: 77 });
    expect(replies(1999, 1)).toHaveLength(0);
    expect(replies(2000, 15)).toHaveLength(10);
    expect(counters.probesAnswered).toBe(20);
    expect(counters.probesIgnored).toBe(11);
  });

  it("ends a session heard nothing from for 60 s; a Pong counts as hearing", () => {
    const { session } = newSession();
    welcome(session, 0);
    session.handlePong(50_000);
    expect(session.nextTimeout()).toBe(50_000 + CLIENT_IDLE_TIMEOUT_MS);
    session.handleTimeout(60_000);
    expect(drain(session)).toEqual([]);
    session.handleTimeout(50_000 + CLIENT_IDLE_TIMEOUT_MS);
    const actions = drain(session);
    expectRefusal(actions, "RELAY_ERROR", 4000);
    expect(actions.at(-1)).toEqual({ type: "close-server" });
  });

  it("sends goaway, keeps forwarding through the drain, then ends with RELAY_SHUTTING_DOWN", () => {
    const { session, relayCallId } = withCall(newSession(), 0);
    session.goaway(1000, 4321, 30_000);
    expect(relayMessagesIn(drain(session))).toEqual([{ type: "goaway", reconnectAfterMs: 4321 }]);
    session.goaway(2000, 1, 1);
    expect(drain(session)).toEqual([]);
    session.handleServerGre(greData(relayCallId), 20_000, 0);
    session.handlePong(20_000);
    expect(greToClient(drain(session))).toHaveLength(1);
    expect(session.nextTimeout()).toBe(31_000);
    session.handleTimeout(31_000);
    expectRefusal(drain(session), "RELAY_SHUTTING_DOWN", 4007);
  });

  it("ends a session not yet welcomed at once on goaway", () => {
    const { session } = newSession();
    session.handleClientMessage(helloFrame(), 0);
    drain(session);
    session.goaway(0, 100, 30_000);
    expectRefusal(drain(session), "RELAY_SHUTTING_DOWN", 4007);
  });
});

describe("RelaySession: after the end", () => {
  it("ignores every input once closed", () => {
    const { session, relayCallId } = withCall();
    session.clientClosed(0);
    drain(session);
    session.handleClientMessage(helloFrame(SERVER, TOKEN), 0);
    session.handleServerBytes(emit(sccrp), 0);
    session.handleServerGre(greData(relayCallId), 0, 0);
    session.serverConnected(0, CLIENT_ADDRESS, "");
    session.handleTimeout(1e9);
    session.goaway(0, 1, 1);
    expect(drain(session)).toEqual([]);
  });

  it("emits error frames the wire codec reads back", () => {
    const { session } = newSession();
    session.handleClientMessage(Uint8Array.of(0x02), 0);
    const frame = drain(session).find((a) => a.type === "send-client");
    if (frame?.type !== "send-client") throw new Error("no frame");
    const parsed = parseWrapFrame(frame.frame);
    expect(parsed.ok && parsed.value.channel === "relay" && emitRelayMessage(parsed.value.message)).toEqual(
      frame.frame.subarray(1),
    );
  });
});
