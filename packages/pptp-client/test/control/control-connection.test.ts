import { describe, expect, it } from "vitest";
import type { ControlEvent } from "../../src/control/control-connection.js";
import { concatBytes, fromHex } from "../../src/util/bytes.js";
import { emitControlMessage } from "../../src/wire/control-messages.js";
import {
  CLIENT_CALL_ID,
  ClientHarness,
  callReply,
  disconnectNotify,
  startReply,
  stopReply,
  testConfig,
} from "./client-harness.js";

function closedError(events: ControlEvent[]) {
  const closed = events.find((e) => e.type === "closed");
  if (closed === undefined) throw new Error(`no closed event in ${JSON.stringify(events)}`);
  return closed.error;
}

describe("control connection: setting up", () => {
  it("starts with a Start-Control-Connection-Request", () => {
    const h = new ClientHarness();
    expect(h.connection.state).toBe("idle");
    expect(h.connection.nextTimeout()).toBeUndefined();
    h.connection.start(h.now);
    expect(h.sent()).toEqual([
      {
        type: "start-control-connection-request",
        protocolVersion: 0x0100,
        framingCapabilities: 3,
        bearerCapabilities: 3,
        maxChannels: 0,
        firmwareRevision: 1,
        hostName: "client.test",
        vendorName: "Ferry",
      },
    ]);
    expect(h.connection.state).toBe("wait-control-reply");
    expect(h.connection.nextTimeout()).toBe(h.now + testConfig.replyTimeoutMs);
    h.connection.start(h.now);
    expect(h.sent()).toEqual([]);
  });

  it("places the call once the control connection is up, and reports both", () => {
    const h = new ClientHarness();
    h.connection.start(h.now);
    h.sent();
    h.now += 40;
    h.receive(startReply());
    expect(h.events()).toEqual([
      {
        type: "control-established",
        hostName: "vpn.test",
        vendorName: "linux",
        protocolVersion: 0x0100,
        firmwareRevision: 0x0102,
      },
    ]);
    expect(h.sent()).toEqual([
      {
        type: "outgoing-call-request",
        callId: CLIENT_CALL_ID,
        callSerialNumber: 7,
        minBps: 2400,
        maxBps: 10_000_000,
        bearerType: 3,
        framingType: 3,
        recvWindowSize: 64,
        processingDelay: 0,
        phoneNumber: "",
        subaddress: "",
      },
    ]);
    expect(h.connection.state).toBe("wait-call-reply");
    expect(h.connection.nextTimeout()).toBe(h.now + testConfig.replyTimeoutMs);
    h.receive(callReply({ callId: 0, connectSpeed: 64_000, recvWindowSize: 16, processingDelay: 3 }));
    expect(h.events()).toEqual([
      {
        type: "call-established",
        peerCallId: 0,
        connectSpeed: 64_000,
        recvWindowSize: 16,
        processingDelay: 3,
      },
    ]);
    expect(h.connection.state).toBe("established");
    expect(h.sent()).toEqual([]);
    expect(h.connection.counters).toMatchObject({ messagesIn: 2, messagesOut: 2, ignored: 0 });
  });

  it("accepts result code 0 in Start-Control-Connection-Reply (some modems send it)", () => {
    const h = new ClientHarness();
    h.connection.start(h.now);
    h.receive(startReply({ resultCode: 0 }));
    expect(h.connection.state).toBe("wait-call-reply");
  });

  it.each([
    [2, 4, "general error (no resource"],
    [3, 0, "already has a control connection"],
    [4, 0, "not authorized"],
    [5, 0, "does not support PPTP protocol version 1.0"],
    [9, 0, "unknown result code 9"],
  ])("refused control connection, result %d error %d -> CONTROL_REJECTED", (resultCode, errorCode, words) => {
    const h = new ClientHarness();
    h.connection.start(h.now);
    h.sent();
    h.receive(startReply({ resultCode, errorCode }));
    const error = closedError(h.events());
    expect(error).toMatchObject({ code: "CONTROL_REJECTED", detail: { resultCode, errorCode } });
    expect(error?.message).toContain(words);
    expect(error?.hint).not.toBe("");
    expect(h.connection.state).toBe("closed");
    expect(h.sent()).toEqual([]);
    expect(h.connection.nextTimeout()).toBeUndefined();
  });

  it.each([
    [2, 6, 0, "general error (PAC error"],
    [3, 0, 0, "no carrier"],
    [4, 0, 0, "busy"],
    [5, 0, 0, "no dial tone"],
    [6, 0, 0, "time-out"],
    [7, 0, 0x21, "does not accept calls"],
  ])(
    "refused call, result %d error %d -> Stop-CCRQ, then CALL_REJECTED",
    (resultCode, errorCode, causeCode, words) => {
      const h = new ClientHarness();
      h.connection.start(h.now);
      h.receive(startReply());
      h.sent();
      h.events();
      h.receive(callReply({ resultCode, errorCode, causeCode }));
      expect(h.sent()).toEqual([{ type: "stop-control-connection-request", reason: 1 }]);
      expect(h.connection.state).toBe("closing");
      expect(h.events()).toEqual([]);
      h.now += 5;
      h.receive(stopReply);
      const error = closedError(h.events());
      expect(error).toMatchObject({ code: "CALL_REJECTED", detail: { resultCode, errorCode, causeCode } });
      expect(error?.message).toContain(words);
    },
  );

  it("still reports CALL_REJECTED when the server never answers the Stop-CCRQ", () => {
    const h = new ClientHarness();
    h.connection.start(h.now);
    h.receive(startReply());
    const rejectedAt = h.now;
    h.receive(callReply({ resultCode: 4 }));
    h.advanceBy(60_000);
    const events = h.events();
    expect(closedError(events)?.code).toBe("CALL_REJECTED");
    expect(h.now - rejectedAt).toBeLessThanOrEqual(60_000);
    expect(h.connection.nextTimeout()).toBeUndefined();
  });

  it("ignores an Outgoing-Call-Reply whose Peer's Call ID is not ours", () => {
    const h = new ClientHarness();
    h.connection.start(h.now);
    h.receive(startReply());
    h.events();
    h.receive(callReply({ peerCallId: CLIENT_CALL_ID + 1 }));
    expect(h.connection.state).toBe("wait-call-reply");
    expect(h.connection.counters.ignored).toBe(1);
    expect(h.events()).toEqual([]);
  });

  it("times out without a Start-Control-Connection-Reply: CONTROL_TIMEOUT, closed at once", () => {
    const h = new ClientHarness();
    h.connection.start(h.now);
    h.sent();
    const deadline = h.now + testConfig.replyTimeoutMs;
    h.advanceTo(deadline - 1);
    expect(h.events()).toEqual([]);
    h.advanceTo(deadline);
    const error = closedError(h.events());
    expect(error).toMatchObject({
      code: "CONTROL_TIMEOUT",
      detail: { request: "Start-Control-Connection-Request" },
    });
    expect(error?.message).toContain("10 s");
    expect(h.sent()).toEqual([]);
  });

  it("times out without an Outgoing-Call-Reply: CONTROL_TIMEOUT after a Stop-CCRQ", () => {
    const h = new ClientHarness();
    h.connection.start(h.now);
    h.receive(startReply());
    h.sent();
    h.events();
    h.advanceBy(testConfig.replyTimeoutMs);
    expect(h.sent()).toEqual([{ type: "stop-control-connection-request", reason: 1 }]);
    h.receive(stopReply);
    expect(closedError(h.events())).toMatchObject({
      code: "CONTROL_TIMEOUT",
      detail: { request: "Outgoing-Call-Request" },
    });
  });

  it("says in the timeout how many malformed messages it ignored", () => {
    const h = new ClientHarness();
    h.connection.start(h.now);
    // A Start-Control-Connection-Reply cut to 16 octets: well framed, unusable.
    h.connection.handleBytes(fromHex("0010 0001 1A2B3C4D 0002 0000 0100 0100"), h.now);
    h.advanceBy(testConfig.replyTimeoutMs);
    expect(closedError(h.events())?.detail).toMatchObject({ ignoredMessages: 1 });
  });
});

describe("control connection: keepalive", () => {
  it("answers the server's Echo-Request in every state, with the same identifier", () => {
    const h = new ClientHarness();
    const echo = { type: "echo-request", identifier: 0xcafe0001 } as const;
    const reply = { type: "echo-reply", identifier: 0xcafe0001, resultCode: 1, errorCode: 0 };
    h.connection.start(h.now);
    h.sent();
    h.receive(echo);
    expect(h.sent()).toEqual([reply]);
    h.receive(startReply());
    h.sent();
    h.receive(echo);
    expect(h.sent()).toEqual([reply]);
    h.receive(callReply());
    h.receive(echo);
    expect(h.sent()).toEqual([reply]);
    h.connection.disconnect(h.now);
    h.sent();
    h.receive(echo);
    expect(h.sent()).toEqual([reply]);
  });

  it("sends an Echo-Request after echoIntervalMs of silence and reports the round trip", () => {
    const h = new ClientHarness();
    h.establish();
    const quietSince = h.now;
    expect(h.connection.nextTimeout()).toBe(quietSince + testConfig.echoIntervalMs);
    h.advanceBy(testConfig.echoIntervalMs - 1);
    expect(h.sent()).toEqual([]);
    h.advanceBy(1);
    const [request] = h.sent();
    expect(request).toMatchObject({ type: "echo-request" });
    expect(h.connection.counters.echoesSent).toBe(1);
    expect(h.connection.nextTimeout()).toBe(h.now + testConfig.echoTimeoutMs);
    h.now += 120;
    h.receive({
      type: "echo-reply",
      identifier: request?.type === "echo-request" ? request.identifier : -1,
      resultCode: 1,
      errorCode: 0,
    });
    expect(h.events()).toEqual([{ type: "echo-rtt", rttMs: 120 }]);
    expect(h.connection.counters.echoesAnswered).toBe(1);
    expect(h.connection.nextTimeout()).toBe(h.now + testConfig.echoIntervalMs);
  });

  it("counts anything from the server as a sign of life", () => {
    const h = new ClientHarness();
    h.establish();
    h.advanceBy(50_000);
    h.receive({ type: "set-link-info", peerCallId: CLIENT_CALL_ID, sendAccm: 0, recvAccm: 0 });
    h.advanceBy(50_000);
    expect(h.sent()).toEqual([]);
    h.advanceBy(10_000);
    expect(h.sent()).toMatchObject([{ type: "echo-request" }]);
  });

  it("gives up with PEER_DEAD when the Echo-Reply never comes", () => {
    const h = new ClientHarness();
    h.establish();
    h.advanceBy(testConfig.echoIntervalMs);
    const [request] = h.sent();
    const sentAt = h.now;
    // A reply to some other echo does not count.
    h.receive({ type: "echo-reply", identifier: 0x7777, resultCode: 1, errorCode: 0 });
    expect(h.connection.counters.ignored).toBe(1);
    expect(request).toMatchObject({ type: "echo-request" });
    h.advanceBy(testConfig.echoTimeoutMs);
    const error = closedError(h.events());
    expect(error).toMatchObject({ code: "PEER_DEAD" });
    expect(error?.message).toContain("30 s");
    expect(h.now).toBe(sentAt + testConfig.echoTimeoutMs);
    expect(h.connection.state).toBe("closed");
  });

  it("uses a new identifier for every Echo-Request", () => {
    const h = new ClientHarness();
    h.establish();
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      h.advanceBy(testConfig.echoIntervalMs);
      const [request] = h.sent();
      if (request?.type !== "echo-request") throw new Error("no echo");
      ids.push(request.identifier);
      h.receive({ type: "echo-reply", identifier: request.identifier, resultCode: 1, errorCode: 0 });
    }
    expect(new Set(ids).size).toBe(3);
  });
});

describe("control connection: probe (an LCP echo went unanswered: is the server there?)", () => {
  const PROBE_MS = 3_000;
  const echoId = (messages: ReturnType<ClientHarness["sent"]>) => {
    const [request] = messages;
    if (request?.type !== "echo-request") throw new Error(`no echo-request in ${JSON.stringify(messages)}`);
    return request.identifier;
  };

  it("sends an Echo-Request at once and reports the reply as usual", () => {
    const h = new ClientHarness();
    h.establish();
    h.advanceBy(5_000);
    h.connection.probe(h.now, PROBE_MS);
    const id = echoId(h.sent());
    expect(h.connection.nextTimeout()).toBe(h.now + PROBE_MS);
    h.now += 40;
    h.receive({ type: "echo-reply", identifier: id, resultCode: 1, errorCode: 0 });
    expect(h.events()).toEqual([{ type: "echo-rtt", rttMs: 40 }]);
    expect(h.connection.nextTimeout()).toBe(h.now + testConfig.echoIntervalMs);
  });

  it("reports probe-unanswered after its short timeout, then leaves the echo to the keepalive's own timeout", () => {
    const h = new ClientHarness();
    h.establish();
    h.connection.probe(h.now, PROBE_MS);
    const sentAt = h.now;
    const id = echoId(h.sent());
    h.advanceTo(sentAt + PROBE_MS);
    expect(h.events()).toEqual([{ type: "probe-unanswered", timeoutMs: PROBE_MS }]);
    expect(h.connection.state).toBe("established");
    expect(h.connection.nextTimeout()).toBe(sentAt + testConfig.echoTimeoutMs);
    // A late reply still counts as the server's sign of life.
    h.now = sentAt + 10_000;
    h.receive({ type: "echo-reply", identifier: id, resultCode: 1, errorCode: 0 });
    expect(h.events()).toEqual([{ type: "echo-rtt", rttMs: 10_000 }]);
  });

  it("uses the Echo-Request already in flight, with the earlier of the two deadlines", () => {
    const h = new ClientHarness();
    h.establish();
    h.advanceBy(testConfig.echoIntervalMs);
    const keepaliveSentAt = h.now;
    echoId(h.sent());
    h.advanceBy(1_000);
    h.connection.probe(h.now, PROBE_MS);
    expect(h.sent()).toEqual([]);
    expect(h.connection.nextTimeout()).toBe(h.now + PROBE_MS);
    h.connection.probe(h.now + 500, 10_000); // a second, laxer probe does not push the deadline back
    h.advanceBy(PROBE_MS);
    expect(h.events()).toEqual([{ type: "probe-unanswered", timeoutMs: 1_000 + PROBE_MS }]);
    h.advanceTo(keepaliveSentAt + testConfig.echoTimeoutMs);
    expect(closedError(h.events())?.code).toBe("PEER_DEAD");
  });

  it("does nothing before the call is up or after the connection closed", () => {
    const h = new ClientHarness();
    h.connection.start(h.now);
    h.sent();
    h.connection.probe(h.now, PROBE_MS);
    expect(h.sent()).toEqual([]);
    h.receive(startReply());
    h.receive(callReply());
    h.connection.handleTransportClosed(h.now);
    h.sent();
    h.events();
    h.connection.probe(h.now, PROBE_MS);
    expect(h.sent()).toEqual([]);
    expect(h.connection.nextTimeout()).toBeUndefined();
  });
});

describe("control connection: the server ends things", () => {
  it("answers Stop-Control-Connection-Request and closes with SERVER_STOPPED", () => {
    const h = new ClientHarness();
    h.establish();
    h.receive({ type: "stop-control-connection-request", reason: 3 });
    expect(h.sent()).toEqual([{ type: "stop-control-connection-reply", resultCode: 1, errorCode: 0 }]);
    const error = closedError(h.events());
    expect(error).toMatchObject({ code: "SERVER_STOPPED", detail: { reason: 3 } });
    expect(error?.message).toContain("shutting down");
  });

  it.each([
    ["the server's Call ID (RFC 2637, pptpd)", 5],
    ["our Call ID (what pptp-linux expects)", CLIENT_CALL_ID],
  ])("Call-Disconnect-Notify naming %s -> Stop-CCRQ, then CALL_DISCONNECTED", (_, callId) => {
    const h = new ClientHarness();
    h.establish(5);
    h.receive(
      disconnectNotify({
        callId,
        resultCode: 3,
        causeCode: 9,
        callStatistics: "idle\ttimeout\u0001 reached",
      }),
    );
    expect(h.sent()).toEqual([{ type: "stop-control-connection-request", reason: 1 }]);
    h.receive(stopReply);
    const error = closedError(h.events());
    expect(error).toMatchObject({
      code: "CALL_DISCONNECTED",
      detail: { resultCode: 3, errorCode: 0, causeCode: 9, callStatistics: "idle timeout reached" },
    });
    expect(error?.message).toBe(
      'The PPTP server hung up the call: administrative shutdown (the server says "idle timeout reached").',
    );
  });

  it("ignores Call-Disconnect-Notify for another call", () => {
    const h = new ClientHarness();
    h.establish(5);
    h.receive(disconnectNotify({ callId: 6 }));
    expect(h.connection.state).toBe("established");
    expect(h.connection.counters.ignored).toBe(1);
  });

  it("reports a TCP close as SERVER_STOPPED", () => {
    const h = new ClientHarness();
    h.establish();
    h.connection.handleTransportClosed(h.now);
    expect(closedError(h.events())).toMatchObject({ code: "SERVER_STOPPED" });
    h.connection.handleTransportClosed(h.now);
    expect(h.events()).toEqual([]);
  });

  it("keeps the reason it was closing for when the server then drops TCP", () => {
    const h = new ClientHarness();
    h.establish();
    h.receive(disconnectNotify({ resultCode: 1 }));
    h.connection.handleTransportClosed(h.now);
    expect(closedError(h.events())?.code).toBe("CALL_DISCONNECTED");
  });

  it("closes with PROTOCOL_ERROR when the stream loses sync, and then ignores everything", () => {
    const h = new ClientHarness();
    h.establish();
    h.connection.handleBytes(fromHex("0010 0001 0BADC0DE 0005 0000 00000001"), h.now);
    expect(closedError(h.events())).toMatchObject({ code: "PROTOCOL_ERROR" });
    h.receive({ type: "echo-request", identifier: 1 });
    expect(h.sent()).toEqual([]);
    expect(h.connection.nextTimeout()).toBeUndefined();
  });
});

describe("control connection: requests we refuse and notices we pass on", () => {
  it("refuses an Incoming-Call-Request with Incoming-Call-Reply 3 (do not accept)", () => {
    const h = new ClientHarness();
    h.establish();
    h.receive({
      type: "incoming-call-request",
      callId: 44,
      callSerialNumber: 1,
      bearerType: 1,
      physicalChannelId: 0,
      dialedNumber: "1",
      dialingNumber: "2",
      subaddress: "",
    });
    expect(h.sent()).toEqual([
      {
        type: "incoming-call-reply",
        callId: 0,
        peerCallId: 44,
        resultCode: 3,
        errorCode: 0,
        recvWindowSize: 0,
        transmitDelay: 0,
      },
    ]);
    expect(h.connection.state).toBe("established");
  });

  it("refuses an Outgoing-Call-Request from the server with Outgoing-Call-Reply 7", () => {
    const h = new ClientHarness();
    h.establish();
    h.receive({
      type: "outgoing-call-request",
      callId: 45,
      callSerialNumber: 1,
      minBps: 0,
      maxBps: 0,
      bearerType: 3,
      framingType: 3,
      recvWindowSize: 8,
      processingDelay: 0,
      phoneNumber: "",
      subaddress: "",
    });
    expect(h.sent()).toMatchObject([{ type: "outgoing-call-reply", peerCallId: 45, resultCode: 7 }]);
  });

  it("passes on WAN-Error-Notify and Set-Link-Info for our call, and ignores them for others", () => {
    const h = new ClientHarness();
    h.establish(5);
    const counts = {
      crcErrors: 1,
      framingErrors: 2,
      hardwareOverruns: 3,
      bufferOverruns: 4,
      timeoutErrors: 5,
      alignmentErrors: 6,
    };
    h.receive({ type: "wan-error-notify", peerCallId: CLIENT_CALL_ID, ...counts });
    h.receive({ type: "set-link-info", peerCallId: CLIENT_CALL_ID, sendAccm: 0xffffffff, recvAccm: 0 });
    h.receive({ type: "wan-error-notify", peerCallId: 99, ...counts });
    h.receive({ type: "set-link-info", peerCallId: 99, sendAccm: 0, recvAccm: 0 });
    expect(h.events()).toEqual([
      { type: "wan-error", ...counts },
      { type: "set-link-info", sendAccm: 0xffffffff, recvAccm: 0 },
    ]);
    expect(h.connection.counters.ignored).toBe(2);
  });

  it("sends Set-Link-Info to the server's Call ID once the call is up, and not before", () => {
    const h = new ClientHarness();
    h.connection.start(h.now);
    h.sent();
    h.connection.sendSetLinkInfo(0xffffffff, 0xffffffff);
    expect(h.sent()).toEqual([]);
    h.receive(startReply());
    h.receive(callReply({ callId: 9 }));
    h.sent();
    h.connection.sendSetLinkInfo(0xffffffff, 0x0);
    expect(h.sent()).toEqual([{ type: "set-link-info", peerCallId: 9, sendAccm: 0xffffffff, recvAccm: 0 }]);
  });

  it("counts and ignores what does not fit the state", () => {
    const h = new ClientHarness();
    h.establish();
    h.receive(startReply());
    h.receive(callReply());
    h.receive(stopReply);
    h.receive({ type: "echo-reply", identifier: 1, resultCode: 1, errorCode: 0 });
    h.receive({ type: "call-clear-request", callId: 0 });
    h.receive({
      type: "start-control-connection-request",
      protocolVersion: 0x100,
      framingCapabilities: 1,
      bearerCapabilities: 1,
      maxChannels: 0,
      firmwareRevision: 0,
      hostName: "",
      vendorName: "",
    });
    // A management message: framed, but nothing anyone defined.
    h.connection.handleBytes(fromHex("0010 0002 1A2B3C4D 0001 0000 00000000"), h.now);
    expect(h.connection.counters.ignored).toBe(7);
    expect(h.connection.state).toBe("established");
    expect(h.sent()).toEqual([]);
    expect(h.events()).toEqual([]);
  });

  it("counts non-zero reserved fields but still acts on the message", () => {
    const h = new ClientHarness();
    h.establish();
    const echo = emitControlMessage({ type: "echo-request", identifier: 3 });
    echo[11] = 0x01;
    h.connection.handleBytes(echo, h.now);
    expect(h.sent()).toMatchObject([{ type: "echo-reply", identifier: 3 }]);
    expect(h.connection.counters.reservedNonZero).toBe(1);
  });

  it("handles a large read of coalesced messages split anywhere", () => {
    const h = new ClientHarness();
    h.establish();
    const echoes = Array.from({ length: 3000 }, (_, i) =>
      emitControlMessage({ type: "echo-request", identifier: i }),
    );
    const all = concatBytes(...echoes);
    h.connection.handleBytes(all.subarray(0, 20_001), h.now);
    h.connection.handleBytes(all.subarray(20_001), h.now);
    const replies = h.sent();
    expect(replies).toHaveLength(3000);
    expect(replies.every((m, i) => m.type === "echo-reply" && m.identifier === i)).toBe(true);
    expect(h.connection.state).toBe("established");
  });
});

describe("control connection: disconnect from every state", () => {
  const budget = testConfig.disconnectTimeoutMs;

  it("idle: closes at once, cleanly", () => {
    const h = new ClientHarness();
    h.connection.disconnect(h.now);
    expect(h.events()).toEqual([{ type: "closed" }]);
    expect(h.sent()).toEqual([]);
  });

  it("before the Start-Control-Connection-Reply: just closes", () => {
    const h = new ClientHarness();
    h.connection.start(h.now);
    h.sent();
    h.connection.disconnect(h.now);
    expect(h.events()).toEqual([{ type: "closed" }]);
    expect(h.sent()).toEqual([]);
    expect(h.connection.nextTimeout()).toBeUndefined();
  });

  it("before the call is up: goes straight to Stop-CCRQ", () => {
    const h = new ClientHarness();
    h.connection.start(h.now);
    h.receive(startReply());
    h.sent();
    h.events();
    h.connection.disconnect(h.now);
    expect(h.sent()).toEqual([{ type: "stop-control-connection-request", reason: 1 }]);
    // A late Outgoing-Call-Reply changes nothing.
    h.receive(callReply());
    expect(h.connection.state).toBe("closing");
    h.receive(stopReply);
    expect(h.events()).toEqual([{ type: "closed" }]);
  });

  it("with a call: Call-Clear-Request, Call-Disconnect-Notify, Stop-CCRQ, Stop-CCRP, closed cleanly", () => {
    const h = new ClientHarness();
    h.establish(5);
    h.connection.disconnect(h.now);
    expect(h.sent()).toEqual([{ type: "call-clear-request", callId: CLIENT_CALL_ID }]);
    h.now += 10;
    h.receive(disconnectNotify({ callId: 5, resultCode: 4 }));
    expect(h.sent()).toEqual([{ type: "stop-control-connection-request", reason: 1 }]);
    expect(h.events()).toEqual([]);
    h.now += 10;
    h.receive(stopReply);
    expect(h.events()).toEqual([{ type: "closed" }]);
    expect(h.connection.state).toBe("closed");
  });

  it("with a call and a silent server: Stop-CCRQ at half the budget, closed at the budget", () => {
    const h = new ClientHarness();
    h.establish();
    const start = h.now;
    h.connection.disconnect(h.now);
    h.sent();
    h.advanceTo(start + budget / 2 - 1);
    expect(h.sent()).toEqual([]);
    h.advanceTo(start + budget / 2);
    expect(h.sent()).toEqual([{ type: "stop-control-connection-request", reason: 1 }]);
    h.advanceTo(start + budget - 1);
    expect(h.events()).toEqual([]);
    h.advanceTo(start + budget);
    expect(h.events()).toEqual([{ type: "closed" }]);
  });

  it("a server that answers Call-Clear with Stop-CCRQ of its own is fine too", () => {
    const h = new ClientHarness();
    h.establish();
    h.connection.disconnect(h.now);
    h.sent();
    h.receive({ type: "stop-control-connection-request", reason: 1 });
    expect(h.sent()).toEqual([{ type: "stop-control-connection-reply", resultCode: 1, errorCode: 0 }]);
    expect(h.events()).toEqual([{ type: "closed" }]);
  });

  it("while closing or closed: does nothing more", () => {
    const h = new ClientHarness();
    h.establish();
    h.connection.disconnect(h.now);
    h.sent();
    h.connection.disconnect(h.now);
    expect(h.sent()).toEqual([]);
    h.connection.handleTransportClosed(h.now);
    expect(h.events()).toEqual([{ type: "closed" }]);
    h.connection.disconnect(h.now);
    h.connection.handleTimeout(h.now + 100_000);
    expect(h.sent()).toEqual([]);
    expect(h.events()).toEqual([]);
  });

  it.each(["idle", "wait-control-reply", "wait-call-reply", "established"] as const)(
    "from %s against a silent server: closed within disconnectTimeoutMs",
    (state) => {
      const h = new ClientHarness();
      if (state !== "idle") h.connection.start(h.now);
      if (state === "wait-call-reply" || state === "established") h.receive(startReply());
      if (state === "established") h.receive(callReply());
      expect(h.connection.state).toBe(state);
      h.events();
      const start = h.now;
      h.connection.disconnect(h.now);
      h.advanceTo(start + budget);
      expect(h.events()).toEqual([{ type: "closed" }]);
      expect(h.connection.state).toBe("closed");
    },
  );
});
