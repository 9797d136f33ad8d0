import { describe, expect, it } from "vitest";
import type { ControlEvent } from "../../src/control/control-connection.js";
import { PacControl, type PacControlOptions, type PacEvent } from "../support/peer/pac-control.js";
import { CLIENT_CALL_ID, ClientHarness, testConfig } from "./client-harness.js";

/** A client and the test PAC joined by a lossless, instant TCP connection. */
class Pair {
  readonly client = new ClientHarness();
  readonly pac: PacControl;
  readonly clientEvents: ControlEvent[] = [];
  readonly pacEvents: PacEvent[] = [];

  constructor(options: PacControlOptions = {}) {
    this.pac = new PacControl(options);
  }

  /** Moves bytes both ways until neither side has anything to say. */
  pump(): void {
    for (let moved = true; moved; ) {
      moved = false;
      const toPac = this.client.connection.pollBytes();
      if (toPac !== undefined) {
        this.pac.handleBytes(toPac);
        moved = true;
      }
      const toClient = this.pac.pollBytes();
      if (toClient !== undefined) {
        this.client.connection.handleBytes(toClient, this.client.now);
        moved = true;
      }
    }
    this.clientEvents.push(...this.client.events());
    for (let e = this.pac.pollEvent(); e !== undefined; e = this.pac.pollEvent()) this.pacEvents.push(e);
  }

  start(): void {
    this.client.connection.start(this.client.now);
    this.pump();
  }

  /** Advances the clock in steps, letting the two talk after every timer. */
  advanceBy(ms: number): void {
    const end = this.client.now + ms;
    for (let due = this.client.connection.nextTimeout(); due !== undefined && due <= end; ) {
      this.client.advanceTo(due);
      this.pump();
      due = this.client.connection.nextTimeout();
    }
    this.client.advanceTo(end);
    this.pump();
  }

  closedError() {
    const closed = this.clientEvents.find((e) => e.type === "closed");
    if (closed === undefined) throw new Error("client did not close");
    return closed.error;
  }
}

describe("client against the test PAC", () => {
  it("sets up a call, taking pptpd's Call ID 0 as valid", () => {
    const pair = new Pair({ firstCallId: 0 });
    pair.start();
    expect(pair.client.connection.state).toBe("established");
    expect(pair.clientEvents).toEqual([
      expect.objectContaining({
        type: "control-established",
        hostName: "pac.test",
        vendorName: "Ferry test PAC",
      }),
      {
        type: "call-established",
        peerCallId: 0,
        connectSpeed: 10_000_000,
        recvWindowSize: 64,
        processingDelay: 0,
      },
    ]);
    expect(pair.pacEvents).toEqual([
      { type: "control-requested", hostName: "client.test", vendorName: "Ferry" },
      { type: "call-requested", peerCallId: CLIENT_CALL_ID, callId: 0, recvWindowSize: 64 },
    ]);
  });

  it("disconnects gracefully, each side seeing the other out", () => {
    const pair = new Pair();
    pair.start();
    pair.client.connection.disconnect(pair.client.now);
    pair.pump();
    expect(pair.clientEvents.at(-1)).toEqual({ type: "closed" });
    expect(pair.pacEvents.slice(-2)).toEqual([
      { type: "call-cleared", callId: 1 },
      { type: "stop-requested", reason: 1 },
    ]);
    expect(pair.pac.state).toBe("stopped");
    expect(pair.pac.received.map((m) => m.type)).toEqual([
      "start-control-connection-request",
      "outgoing-call-request",
      "call-clear-request",
      "stop-control-connection-request",
    ]);
  });

  it("keeps the connection alive with echoes both ways", () => {
    const pair = new Pair();
    pair.start();
    pair.pac.sendEchoRequest(42);
    pair.pump();
    expect(pair.pacEvents.at(-1)).toEqual({ type: "echo-replied", identifier: 42 });
    pair.advanceBy(testConfig.echoIntervalMs * 3);
    expect(pair.clientEvents.filter((e) => e.type === "echo-rtt")).toHaveLength(3);
    expect(pair.client.connection.state).toBe("established");
  });

  it("declares a server that ignores echoes dead", () => {
    const pair = new Pair({ ignoreEchoes: true });
    pair.start();
    pair.advanceBy(testConfig.echoIntervalMs + testConfig.echoTimeoutMs);
    expect(pair.closedError()?.code).toBe("PEER_DEAD");
  });

  it("times out on a server that never answers", () => {
    const pair = new Pair({ silent: true });
    pair.start();
    pair.advanceBy(testConfig.replyTimeoutMs);
    expect(pair.closedError()?.code).toBe("CONTROL_TIMEOUT");
  });

  it("reports a refused control connection", () => {
    const pair = new Pair({ rejectControl: { result: 4, error: 0 } });
    pair.start();
    expect(pair.closedError()).toMatchObject({ code: "CONTROL_REJECTED", detail: { resultCode: 4 } });
  });

  it("reports a refused call after stopping the control connection", () => {
    const pair = new Pair({ rejectCall: { result: 4, error: 0 } });
    pair.start();
    expect(pair.closedError()).toMatchObject({ code: "CALL_REJECTED", detail: { resultCode: 4 } });
    expect(pair.pacEvents.at(-1)).toEqual({ type: "stop-requested", reason: 1 });
  });

  it.each([false, true])(
    "reports the server hanging up (client Call ID in the notice: %s)",
    (disconnectWithPnsCallId) => {
      const pair = new Pair({ disconnectWithPnsCallId });
      pair.start();
      pair.pac.disconnectCall(1, 3, 0, 0, "Administrator reset");
      pair.pump();
      const error = pair.closedError();
      expect(error?.code).toBe("CALL_DISCONNECTED");
      expect(error?.message).toContain("Administrator reset");
      expect(pair.pac.state).toBe("stopped");
    },
  );

  it("reports the server stopping the control connection", () => {
    const pair = new Pair();
    pair.start();
    pair.pac.stop(3);
    pair.pump();
    expect(pair.closedError()).toMatchObject({ code: "SERVER_STOPPED", detail: { reason: 3 } });
    expect(pair.pacEvents.at(-1)).toEqual({ type: "stop-replied", resultCode: 1 });
  });

  it("delivers Set-Link-Info to the server's Call ID and WAN errors back to the client", () => {
    const pair = new Pair({ firstCallId: 0 });
    pair.start();
    pair.client.connection.sendSetLinkInfo(0xffffffff, 0xffffffff);
    pair.pac.sendWanError(0, {
      crcErrors: 0,
      framingErrors: 1,
      hardwareOverruns: 0,
      bufferOverruns: 0,
      timeoutErrors: 0,
      alignmentErrors: 0,
    });
    pair.pump();
    expect(pair.pacEvents.at(-1)).toEqual({
      type: "set-link-info",
      peerCallId: 0,
      sendAccm: 0xffffffff,
      recvAccm: 0xffffffff,
    });
    expect(pair.clientEvents.at(-1)).toMatchObject({ type: "wan-error", framingErrors: 1 });
  });

  it("refuses the server's own call attempts", () => {
    const pair = new Pair();
    pair.start();
    pair.pac.send({
      type: "incoming-call-request",
      callId: 77,
      callSerialNumber: 1,
      bearerType: 1,
      physicalChannelId: 0,
      dialedNumber: "",
      dialingNumber: "",
      subaddress: "",
    });
    pair.pump();
    expect(pair.pacEvents.at(-1)).toEqual({
      type: "message",
      message: expect.objectContaining({ type: "incoming-call-reply", peerCallId: 77, resultCode: 3 }),
    });
  });
});
