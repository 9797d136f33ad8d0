import { describe, expect, it } from "vitest";
import { CallIdAllocator } from "../../src/relay/call-id-allocator.js";
import type { PptpTranslator } from "../../src/relay/pptp-translator.js";
import {
  cdn,
  connectCall,
  emit,
  greAckOnly,
  greData,
  messages,
  newTranslator,
  ocrp,
  ocrq,
  ok,
  SERVER,
  sccrp,
  sccrq,
  single,
} from "./relay-fixtures.js";

const CLIENT_CALL_ID = 0x4242;
const SERVER_CALL_ID = 0x0180;

describe("PptpTranslator: the PNS exchange", () => {
  it("rewrites the Call IDs of a whole session like nf_nat_pptp, byte for byte", () => {
    const allocator = new CallIdAllocator<PptpTranslator>(SERVER);
    const t = newTranslator(allocator);

    // Start-Control-Connection: passes unchanged, as sent.
    const start = ok(t.fromClient(emit(sccrq)));
    expect(start.toServer).toEqual(emit(sccrq));
    expect(start.toClient).toHaveLength(0);
    expect(ok(t.fromServer(emit(sccrp))).toClient).toEqual(emit(sccrp));

    // Outgoing-Call-Request: the client's Call ID becomes a relay-unique one; only bytes 12..13 change.
    const request = ok(t.fromClient(emit(ocrq(CLIENT_CALL_ID)))).toServer;
    const relayCallId = (request[12]! << 8) | request[13]!;
    expect(relayCallId).toBe(1);
    expect(single(request)).toEqual({ ...ocrq(CLIENT_CALL_ID), callId: relayCallId });
    const expected = emit(ocrq(CLIENT_CALL_ID));
    expected[12] = 0x00;
    expected[13] = 0x01;
    expect(request).toEqual(expected);
    expect(allocator.ownerOf(relayCallId)).toBe(t);
    expect(t.relayCallId).toBe(relayCallId);

    // Outgoing-Call-Reply: the Peer Call ID (bytes 14..15) goes back to the client's.
    const reply = ok(t.fromServer(emit(ocrp(SERVER_CALL_ID, relayCallId)))).toClient;
    expect(single(reply)).toEqual(ocrp(SERVER_CALL_ID, CLIENT_CALL_ID));
    expect([reply[14], reply[15]]).toEqual([0x42, 0x42]);
    expect(t.serverCallId).toBe(SERVER_CALL_ID);

    // Set-Link-Info both ways, WAN-Error-Notify from the server.
    const linkInfo = { type: "set-link-info", sendAccm: 0, recvAccm: 0xffffffff } as const;
    expect(single(ok(t.fromClient(emit({ ...linkInfo, peerCallId: SERVER_CALL_ID }))).toServer)).toEqual({
      ...linkInfo,
      peerCallId: SERVER_CALL_ID,
    });
    expect(single(ok(t.fromServer(emit({ ...linkInfo, peerCallId: relayCallId }))).toClient)).toEqual({
      ...linkInfo,
      peerCallId: CLIENT_CALL_ID,
    });
    const wanError = {
      type: "wan-error-notify",
      crcErrors: 1,
      framingErrors: 2,
      hardwareOverruns: 3,
      bufferOverruns: 4,
      timeoutErrors: 5,
      alignmentErrors: 6,
    } as const;
    expect(single(ok(t.fromServer(emit({ ...wanError, peerCallId: relayCallId }))).toClient)).toEqual({
      ...wanError,
      peerCallId: CLIENT_CALL_ID,
    });

    // Echo passes both ways.
    const echo = { type: "echo-request", identifier: 77 } as const;
    expect(ok(t.fromServer(emit(echo))).toClient).toEqual(emit(echo));
    const echoReply = { type: "echo-reply", identifier: 77, resultCode: 1, errorCode: 0 } as const;
    expect(ok(t.fromClient(emit(echoReply))).toServer).toEqual(emit(echoReply));

    // Call-Clear-Request: the client's Call ID is mapped; the server's Call-Disconnect-Notify ends the call.
    const clear = ok(t.fromClient(emit({ type: "call-clear-request", callId: CLIENT_CALL_ID }))).toServer;
    expect(single(clear)).toEqual({ type: "call-clear-request", callId: relayCallId });
    expect(single(ok(t.fromServer(emit(cdn(relayCallId)))).toClient)).toEqual(cdn(CLIENT_CALL_ID));
    expect(allocator.ownerOf(relayCallId)).toBeUndefined();
    expect(t.relayCallId).toBeUndefined();

    // Stop-Control-Connection both ways.
    const stop = { type: "stop-control-connection-request", reason: 1 } as const;
    expect(ok(t.fromClient(emit(stop))).toServer).toEqual(emit(stop));
    const stopReply = { type: "stop-control-connection-reply", resultCode: 1, errorCode: 0 } as const;
    expect(ok(t.fromServer(emit(stopReply))).toClient).toEqual(emit(stopReply));
    expect(t.error).toBeUndefined();
  });

  it("lets a Call-Disconnect-Notify that names the server's own Call ID (RFC 2637, pptpd) through unchanged", () => {
    const t = newTranslator();
    connectCall(t, CLIENT_CALL_ID, SERVER_CALL_ID);
    expect(single(ok(t.fromServer(emit(cdn(SERVER_CALL_ID)))).toClient)).toEqual(cdn(SERVER_CALL_ID));
    expect(t.relayCallId).toBeUndefined();
  });

  it("releases the relay Call ID when the server refuses the call", () => {
    const allocator = new CallIdAllocator<PptpTranslator>(SERVER);
    const t = newTranslator(allocator);
    ok(t.fromClient(emit(sccrq)));
    ok(t.fromServer(emit(sccrp)));
    ok(t.fromClient(emit(ocrq(CLIENT_CALL_ID))));
    const refused = ok(t.fromServer(emit(ocrp(0, 1, 4)))).toClient;
    expect(single(refused)).toEqual(ocrp(0, CLIENT_CALL_ID, 4));
    expect(allocator.inUse).toBe(0);
    // A clear request crossing the refusal is dropped, not an error.
    const clear = ok(t.fromClient(emit({ type: "call-clear-request", callId: CLIENT_CALL_ID })));
    expect(clear.toServer).toHaveLength(0);
    expect(t.counters.clientMessagesDropped).toBe(1);
  });

  it("releases the relay Call ID when the session closes, and refuses input afterwards", () => {
    const allocator = new CallIdAllocator<PptpTranslator>(SERVER);
    const t = newTranslator(allocator);
    connectCall(t, CLIENT_CALL_ID, SERVER_CALL_ID);
    expect(allocator.inUse).toBe(1);
    t.close();
    expect(allocator.inUse).toBe(0);
    expect(t.fromClient(emit(sccrq)).ok).toBe(false);
    expect(t.rewriteGreFromServer(greData(1))).toBeUndefined();
  });

  it("refuses an Incoming-Call-Request on the client's behalf (Do Not Accept) and never shows it to the client", () => {
    const t = newTranslator();
    ok(t.fromClient(emit(sccrq)));
    ok(t.fromServer(emit(sccrp)));
    const out = ok(
      t.fromServer(
        emit({
          type: "incoming-call-request",
          callId: 0x0777,
          callSerialNumber: 1,
          bearerType: 1,
          physicalChannelId: 0,
          dialedNumber: "",
          dialingNumber: "",
          subaddress: "",
        }),
      ),
    );
    expect(out.toClient).toHaveLength(0);
    expect(single(out.toServer)).toEqual({
      type: "incoming-call-reply",
      callId: 0,
      peerCallId: 0x0777,
      resultCode: 3,
      errorCode: 0,
      recvWindowSize: 0,
      transmitDelay: 0,
    });
    expect(t.counters.incomingCallsRefused).toBe(1);
  });

  it("drops and counts server messages about calls that are not this session's", () => {
    const t = newTranslator();
    const relayCallId = connectCall(t, CLIENT_CALL_ID, SERVER_CALL_ID);
    const other = relayCallId + 1;
    const out = ok(
      t.fromServer(
        new Uint8Array([
          ...emit(ocrp(SERVER_CALL_ID, relayCallId)), // a duplicate reply
          ...emit(cdn(other)),
          ...emit({ type: "set-link-info", peerCallId: other, sendAccm: 0, recvAccm: 0 }),
          ...emit({ type: "call-clear-request", callId: 5 }), // PNS-only
        ]),
      ),
    );
    expect(out.toClient).toHaveLength(0);
    expect(t.counters.serverMessagesDropped).toBe(4);
    expect(t.relayCallId).toBe(relayCallId);
  });

  it("drops a server frame it cannot use (PPTP Message Type 2) but keeps going", () => {
    const t = newTranslator();
    const management = emit(sccrp);
    management[3] = 2;
    const out = ok(
      t.fromServer(new Uint8Array([...management, ...emit({ type: "echo-request", identifier: 1 })])),
    );
    expect(messages(out.toClient)).toEqual([{ type: "echo-request", identifier: 1 }]);
    expect(t.counters.serverMessagesDropped).toBe(1);
  });
});

describe("PptpTranslator: a client that strays from the PNS sequence", () => {
  /** How far the client got before it strayed. */
  const fresh = () => {};
  const started = (t: PptpTranslator) => {
    ok(t.fromClient(emit(sccrq)));
  };
  const inCall = (t: PptpTranslator) => {
    connectCall(t, CLIENT_CALL_ID, SERVER_CALL_ID);
  };
  const unknownType = emit({ type: "echo-request", identifier: 1 });
  unknownType[9] = 99; // Control Message Type 99

  const cases: [string, (t: PptpTranslator) => void, Uint8Array, RegExp][] = [
    ["a message before SCCRQ", fresh, emit(ocrq(1)), /before start-control-connection-request/],
    ["a second SCCRQ", started, emit(sccrq), /second start-control/],
    ["OCRQ before SCCRP", started, emit(ocrq(1)), /before the server accepted/],
    ["a second OCRQ", inCall, emit(ocrq(2)), /second outgoing-call-request/],
    [
      "a Call-Clear-Request for another call",
      inCall,
      emit({ type: "call-clear-request", callId: 9 }),
      /call-clear-request names Call ID 9/,
    ],
    [
      "a Set-Link-Info for another server call",
      inCall,
      emit({ type: "set-link-info", peerCallId: 3, sendAccm: 0, recvAccm: 0 }),
      /set-link-info names Peer Call ID 3/,
    ],
    ["a PAC-only message", started, emit(sccrp), /only a PPTP server sends/],
    [
      "an unsolicited Stop-Control-Connection-Reply",
      started,
      emit({ type: "stop-control-connection-reply", resultCode: 1, errorCode: 0 }),
      /server asked for no stop/,
    ],
    ["an unusable frame", started, unknownType, /cannot use/],
    ["a broken Magic Cookie", fresh, Uint8Array.of(0, 16, 0, 1, 0xde, 0xad, 0xbe, 0xef), /corrupt/],
  ];

  it.each(cases)("ends the session with a clear error on %s", (_name, before, input, message) => {
    const allocator = new CallIdAllocator<PptpTranslator>(SERVER);
    const t = newTranslator(allocator);
    before(t);
    const result = t.fromClient(input);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe("PROTOCOL_ERROR");
      expect(result.error.message).toMatch(message);
    }
    expect(t.error).toBeDefined();
    expect(allocator.inUse).toBe(0);
    // Ended for good: the server side is refused too.
    expect(t.fromServer(emit({ type: "echo-request", identifier: 1 })).ok).toBe(false);
  });

  it("ends the session when the server's stream is corrupt", () => {
    const t = newTranslator();
    const result = t.fromServer(Uint8Array.of(0x10, 0x00));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toMatch(/server's control stream is corrupt/);
  });

  it("ends the session with the allocator's error when no Call ID is free", () => {
    const allocator = new CallIdAllocator<PptpTranslator>(SERVER);
    const others = Array.from({ length: 0xffff }, () => newTranslator(allocator));
    for (const other of others) expect(allocator.allocate(other).ok).toBe(true);
    const t = newTranslator(allocator);
    ok(t.fromClient(emit(sccrq)));
    ok(t.fromServer(emit(sccrp)));
    const result = t.fromClient(emit(ocrq(CLIENT_CALL_ID)));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe("CALL_REJECTED");
  });
});

describe("PptpTranslator: TCP chunking", () => {
  it("gives the same bytes whether the stream comes one octet at a time or all at once", () => {
    const clientStream = new Uint8Array([...emit(sccrq), ...emit(ocrq(CLIENT_CALL_ID))]);
    const whole = newTranslator();
    const wholeOut = ok(whole.fromClient(emit(sccrq)));
    ok(whole.fromServer(emit(sccrp)));
    const wholeCall = ok(whole.fromClient(emit(ocrq(CLIENT_CALL_ID))));

    const split = newTranslator();
    const pieces: Uint8Array[] = [];
    const sccrqBytes = clientStream.subarray(0, emit(sccrq).length);
    for (const byte of sccrqBytes) pieces.push(ok(split.fromClient(Uint8Array.of(byte))).toServer);
    ok(split.fromServer(emit(sccrp)));
    for (const byte of clientStream.subarray(sccrqBytes.length))
      pieces.push(ok(split.fromClient(Uint8Array.of(byte))).toServer);
    const joined = new Uint8Array(pieces.flatMap((piece) => [...piece]));
    expect(joined).toEqual(new Uint8Array([...wholeOut.toServer, ...wholeCall.toServer]));
    // Nothing comes out before a message is whole.
    expect(pieces.filter((piece) => piece.length > 0)).toHaveLength(2);
  });

  it("handles many coalesced messages in one chunk larger than the reader's buffer", () => {
    const t = newTranslator();
    ok(t.fromClient(emit(sccrq)));
    const echo = emit({ type: "echo-request", identifier: 5 });
    const count = 2000; // 32 000 octets, twice ControlStreamReader's cap
    const chunk = new Uint8Array(echo.length * count);
    for (let i = 0; i < count; i++) chunk.set(echo, i * echo.length);
    const out = ok(t.fromClient(chunk)).toServer;
    expect(out).toEqual(chunk);
  });
});

describe("PptpTranslator: GRE", () => {
  it("maps many sessions sharing one server to distinct relay Call IDs, and their GRE back to each client", () => {
    const allocator = new CallIdAllocator<PptpTranslator>(SERVER);
    // Every client picks the same Call ID (they cannot know of each other); the server numbers its calls itself.
    const sessions = Array.from({ length: 50 }, (_, i) => {
      const t = newTranslator(allocator);
      return { t, relayCallId: connectCall(t, CLIENT_CALL_ID, 0x1000 + i), serverCallId: 0x1000 + i };
    });
    expect(new Set(sessions.map((s) => s.relayCallId)).size).toBe(sessions.length);

    for (const { t, relayCallId, serverCallId } of sessions) {
      // Server -> relay: the relay finds the session by the key's call-id and rewrites it in place.
      const packet = greData(relayCallId);
      const owner = allocator.ownerOf(relayCallId);
      expect(owner).toBe(t);
      const rewritten = owner?.rewriteGreFromServer(packet);
      expect(rewritten).toBe(packet);
      const expected = greData(CLIENT_CALL_ID);
      expect(rewritten).toEqual(expected);
      const ack = greAckOnly(relayCallId);
      expect(t.rewriteGreFromServer(ack)).toEqual(greAckOnly(CLIENT_CALL_ID));
      // Client -> server: GRE carries the server's Call ID and passes unchanged.
      expect(t.checkGreFromClient(greData(serverCallId))).toBe(true);
    }
  });

  it("drops and counts GRE for other calls in both directions", () => {
    const allocator = new CallIdAllocator<PptpTranslator>(SERVER);
    const a = newTranslator(allocator);
    const b = newTranslator(allocator);
    const aRelay = connectCall(a, CLIENT_CALL_ID, 0x0100);
    const bRelay = connectCall(b, CLIENT_CALL_ID, 0x0200);

    // Client A sprays GRE at B's server call and at arbitrary calls.
    expect(a.checkGreFromClient(greData(0x0200))).toBe(false);
    expect(a.checkGreFromClient(greData(0))).toBe(false);
    expect(a.checkGreFromClient(greData(aRelay))).toBe(false);
    expect(a.counters.greFromClientDropped).toBe(3);

    // Server GRE keyed for B never comes out of A.
    expect(a.rewriteGreFromServer(greData(bRelay))).toBeUndefined();
    expect(a.counters.greFromServerDropped).toBe(1);

    // Malformed packets are counted apart.
    const bad = greData(0x0100);
    bad[1] = 0x00; // GRE version 0
    expect(a.checkGreFromClient(bad)).toBe(false);
    expect(a.rewriteGreFromServer(Uint8Array.of(0x30))).toBeUndefined();
    expect(a.counters.greFromClientMalformed).toBe(1);
    expect(a.counters.greFromServerMalformed).toBe(1);
  });

  it("lets no client GRE through before the server's reply names its Call ID, nor after the call ended", () => {
    const t = newTranslator();
    ok(t.fromClient(emit(sccrq)));
    ok(t.fromServer(emit(sccrp)));
    ok(t.fromClient(emit(ocrq(CLIENT_CALL_ID))));
    expect(t.checkGreFromClient(greData(SERVER_CALL_ID))).toBe(false);
    // Server GRE racing ahead of its own Outgoing-Call-Reply is already ours: the relay Call ID is allocated.
    expect(t.rewriteGreFromServer(greData(1))).toEqual(greData(CLIENT_CALL_ID));
    ok(t.fromServer(emit(ocrp(SERVER_CALL_ID, 1))));
    expect(t.checkGreFromClient(greData(SERVER_CALL_ID))).toBe(true);
    ok(t.fromServer(emit(cdn(1))));
    expect(t.checkGreFromClient(greData(SERVER_CALL_ID))).toBe(false);
    expect(t.rewriteGreFromServer(greData(1))).toBeUndefined();
  });
});
