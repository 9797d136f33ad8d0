/** The automaton fed with real packets: identifier matching, counters, timers, and how a negotiation ends. */
import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "../../src/util/bytes.js";
import { CpCode, emitCpPacket } from "../../src/wire/ppp-cp.js";
import { recordingFsm, ScriptedHandler, TEST_LIMITS } from "./fsm-support.js";

function opened() {
  const r = recordingFsm();
  r.fsm.open(0);
  r.fsm.up(0);
  return r;
}

/** Runs two automata against each other until neither has anything to say. */
function negotiate(a: ReturnType<typeof recordingFsm>, b: ReturnType<typeof recordingFsm>) {
  let aSeen = 0;
  let bSeen = 0;
  for (let i = 0; i < 100 && (aSeen < a.sent.length || bSeen < b.sent.length); i++) {
    while (aSeen < a.sent.length) b.fsm.handlePacket(a.sent[aSeen++]!.raw, 0);
    while (bSeen < b.sent.length) a.fsm.handlePacket(b.sent[bSeen++]!.raw, 0);
  }
}

describe("ControlProtocolFsm with packets", () => {
  it("two automata converge through a Nak to Opened on both sides", () => {
    const a = recordingFsm(new ScriptedHandler(), TEST_LIMITS, 1);
    const b = recordingFsm(new ScriptedHandler(), TEST_LIMITS, 2);
    b.handler.accept = 9; // b wants a to ask for 9, and naks its 5
    for (const side of [a, b]) {
      side.fsm.open(0);
      side.fsm.up(0);
    }
    negotiate(a, b);
    expect(a.fsm.state).toBe("Opened");
    expect(b.fsm.state).toBe("Opened");
    expect(a.handler.calls).toEqual(["nak", "ack"]);
    expect(a.handler.wish).toBe(9);
    expect(a.log.filter((l) => l === "tlu")).toHaveLength(1);
    expect(a.fsm.nextTimeout()).toBeUndefined();
  });

  it("sends a Configure-Request in the RFC layout and uses a new identifier for a new request", () => {
    const { fsm, sent } = opened();
    expect(toHex(sent[0]!.raw)).toBe(`01${toHex(Uint8Array.of(sent[0]!.identifier))}0007010305`);
    fsm.handlePacket(emitCpPacket(CpCode.ConfigureNak, sent[0]!.identifier, fromHex("010306")), 10);
    expect(sent[1]!.code).toBe(CpCode.ConfigureRequest);
    expect(sent[1]!.identifier).toBe((sent[0]!.identifier + 1) & 0xff);
    expect(toHex(sent[1]!.data)).toBe("010306");
  });

  it("drops an Ack with the wrong identifier, or one that does not repeat our options", () => {
    const { fsm, sent, handler } = opened();
    const id = sent[0]!.identifier;
    fsm.handlePacket(emitCpPacket(CpCode.ConfigureAck, (id + 1) & 0xff, sent[0]!.data), 10);
    fsm.handlePacket(emitCpPacket(CpCode.ConfigureAck, id, fromHex("010306")), 10);
    expect(fsm.state).toBe("Req-Sent");
    expect(fsm.strayReplies).toBe(2);
    expect(handler.calls).toEqual([]);
    fsm.handlePacket(emitCpPacket(CpCode.ConfigureAck, id, sent[0]!.data), 10);
    expect(fsm.state).toBe("Ack-Rcvd");
  });

  it("ignores a second Ack to the same request instead of restarting an Opened link", () => {
    const { fsm, sent } = opened();
    const ack = emitCpPacket(CpCode.ConfigureAck, sent[0]!.identifier, sent[0]!.data);
    fsm.handlePacket(emitCpPacket(CpCode.ConfigureRequest, 3, fromHex("010305")), 0);
    fsm.handlePacket(ack, 0);
    expect(fsm.state).toBe("Opened");
    fsm.handlePacket(ack, 0);
    expect(fsm.state).toBe("Opened");
    expect(fsm.strayReplies).toBe(1);
  });

  it("drops a Configure-Reject that lists options we did not send", () => {
    const { fsm, sent, handler } = opened();
    fsm.handlePacket(emitCpPacket(CpCode.ConfigureReject, sent[0]!.identifier, fromHex("0702")), 0);
    fsm.handlePacket(emitCpPacket(CpCode.ConfigureReject, sent[0]!.identifier, fromHex("010306")), 0);
    expect(handler.calls).toEqual([]);
    fsm.handlePacket(emitCpPacket(CpCode.ConfigureReject, sent[0]!.identifier, fromHex("010305")), 0);
    expect(handler.calls).toEqual(["reject:1"]);
  });

  it("retransmits the same request with the same identifier on timeout, Max-Configure times, then finishes", () => {
    const { fsm, sent, log } = opened();
    let now = 0;
    for (let t = fsm.nextTimeout(); t !== undefined; t = fsm.nextTimeout()) {
      now = t;
      fsm.handleTimeout(now);
    }
    expect(sent.map((s) => s.code)).toEqual(Array(10).fill(CpCode.ConfigureRequest));
    expect(new Set(sent.map((s) => s.identifier)).size).toBe(1);
    expect(now).toBe(30_000);
    expect(fsm.state).toBe("Stopped");
    expect(log.at(-1)).toBe("tlf");
    expect(fsm.error?.code).toBe("NEGOTIATION_FAILED");
    expect(fsm.error?.message).toBe("The server never answered our TEST Configure-Requests.");
  });

  it("says the negotiation did not converge when the peer did answer", () => {
    const { fsm } = opened();
    fsm.handlePacket(emitCpPacket(CpCode.ConfigureRequest, 1, fromHex("010305")), 0);
    for (let t = fsm.nextTimeout(); t !== undefined; t = fsm.nextTimeout()) fsm.handleTimeout(t);
    expect(fsm.error?.message).toMatch(/did not converge after 10 Configure-Requests/);
  });

  it("does not fire the timer early", () => {
    const { fsm, sent } = opened();
    fsm.handleTimeout(2999);
    expect(sent).toHaveLength(1);
    fsm.handleTimeout(3000);
    expect(sent).toHaveLength(2);
  });

  it("turns Nak into Reject after Max-Failure Naks in a row", () => {
    const { fsm, sent, handler } = opened();
    handler.accept = 9;
    for (let id = 0; id < 7; id++)
      fsm.handlePacket(emitCpPacket(CpCode.ConfigureRequest, id, fromHex("010305")), 0);
    expect(handler.rejectNotNakSeen).toEqual([false, false, false, false, false, true, true]);
    const replies = sent.filter((s) => s.code !== CpCode.ConfigureRequest).map((s) => s.code);
    expect(replies).toEqual([3, 3, 3, 3, 3, 4, 4]);
  });

  it("treats the Max-Failure-th Nak in a row from the peer as a Reject", () => {
    const { fsm, sent, handler } = opened();
    for (let i = 0; i < 5; i++) {
      const last = sent.at(-1)!;
      fsm.handlePacket(emitCpPacket(CpCode.ConfigureNak, last.identifier, fromHex("010305 020301")), 0);
    }
    expect(handler.calls).toEqual(["nak", "nak", "nak", "nak", "reject:1"]);
  });

  it("answers an unknown code with Code-Reject carrying the packet without its padding", () => {
    const { fsm, sent } = opened();
    fsm.handlePacket(fromHex("63 05 0006 AABB 0000"), 0);
    const reject = sent.at(-1)!;
    expect(reject.code).toBe(CpCode.CodeReject);
    expect(toHex(reject.data)).toBe("63050006AABB");
  });

  it("finishes when the peer Code-Rejects Configure-Request (RXJ-)", () => {
    const { fsm, log } = opened();
    fsm.handlePacket(emitCpPacket(CpCode.CodeReject, 1, fromHex("01 07 0004")), 0);
    expect(fsm.state).toBe("Stopped");
    expect(log.at(-1)).toBe("tlf");
    expect(fsm.error?.message).toMatch(/refused to speak TEST/);
  });

  it("carries on when the peer Code-Rejects an optional code (RXJ+)", () => {
    const { fsm, handler } = opened();
    fsm.handlePacket(emitCpPacket(CpCode.CodeReject, 1, fromHex("09 07 0008 00000000")), 0);
    expect(fsm.state).toBe("Req-Sent");
    expect(handler.calls).toEqual(["code-rejected:9"]);
  });

  it("answers Echo-Request only when Opened (ser), with the request's identifier", () => {
    const { fsm, sent } = opened();
    fsm.handlePacket(emitCpPacket(CpCode.EchoRequest, 77, fromHex("00000000")), 0);
    expect(sent.filter((s) => s.code === CpCode.EchoReply)).toHaveLength(0);
    fsm.handlePacket(emitCpPacket(CpCode.ConfigureRequest, 3, fromHex("010305")), 0);
    fsm.handlePacket(emitCpPacket(CpCode.ConfigureAck, sent[0]!.identifier, sent[0]!.data), 0);
    fsm.handlePacket(emitCpPacket(CpCode.EchoRequest, 77, fromHex("00000000")), 0);
    expect(sent.at(-1)).toMatchObject({ code: CpCode.EchoReply, identifier: 77 });
  });

  it("answers a Configure-Request in Closed with Terminate-Ack, without judging its options", () => {
    const { fsm, sent, handler } = recordingFsm();
    fsm.up(0);
    fsm.handlePacket(emitCpPacket(CpCode.ConfigureRequest, 12, fromHex("0702")), 0);
    expect(handler.rejectNotNakSeen).toEqual([]);
    expect(sent.map((s) => [s.code, s.identifier])).toEqual([[CpCode.TerminateAck, 12]]);
  });

  it("ignores every packet before the lower layer is up, and counts malformed ones", () => {
    const { fsm, sent } = recordingFsm();
    fsm.open(0);
    fsm.handlePacket(emitCpPacket(CpCode.ConfigureRequest, 1, fromHex("010305")), 0);
    fsm.handlePacket(fromHex("0101"), 0);
    expect(sent).toEqual([]);
    expect(fsm.malformedPackets).toBe(1);
    expect(fsm.state).toBe("Starting");
  });

  it("sends extra codes with fresh identifiers", () => {
    const { fsm, sent } = opened();
    const first = fsm.sendCode(CpCode.EchoRequest, fromHex("00000000"));
    const second = fsm.sendCode(CpCode.EchoRequest, fromHex("00000000"));
    expect(second).toBe((first + 1) & 0xff);
    expect(sent.slice(1).map((s) => s.identifier)).toEqual([first, second]);
  });
});
