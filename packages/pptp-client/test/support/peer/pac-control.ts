/**
 * The server (PAC) side of the PPTP control connection for the in-process test peer (not shipped). Built from the
 * same codecs as the client, it answers like pptpd does by default, and its quirks imitate other servers:
 * pptpd's Call ID 0, refusals, a server that ignores echoes (dead) or never answers at all.
 */
import {
  CALL_DISCONNECT_REQUEST,
  NO_GENERAL_ERROR,
  OUTGOING_CALL_CONNECTED,
  REPLY_OK,
  START_CONTROL_OK,
  STOP_REASON_GENERAL,
} from "../../../src/control/result-codes.js";
import { concatBytes } from "../../../src/util/bytes.js";
import {
  BEARER_ANALOG,
  type ControlMessage,
  emitControlMessage,
  FRAMING_ASYNC,
  PPTP_PROTOCOL_VERSION,
  type WanErrorNotify,
} from "../../../src/wire/control-messages.js";
import { ControlStreamReader } from "../../../src/wire/control-stream.js";

export interface PacControlOptions {
  readonly hostName?: string;
  readonly vendorName?: string;
  /** The Call ID given to the first call, then counting up; pptpd gives 0. Default 1. */
  readonly firstCallId?: number;
  /** Answer Start-Control-Connection-Request with this failure. */
  readonly rejectControl?: { readonly result: number; readonly error: number };
  /** Answer Outgoing-Call-Request with this failure. */
  readonly rejectCall?: { readonly result: number; readonly error: number; readonly cause?: number };
  /** Never answer Echo-Request (a server that died after setting up). */
  readonly ignoreEchoes?: boolean;
  /** Never answer anything (something listening on 1723 that is not PPTP). */
  readonly silent?: boolean;
  /** Put the client's Call ID in Call-Disconnect-Notify instead of ours (what pptp-linux expects). */
  readonly disconnectWithPnsCallId?: boolean;
  /** Packet Recv Window Size we advertise; default: mirror the client's, as pptpd does. */
  readonly recvWindowSize?: number;
}

export type PacEvent =
  | { readonly type: "control-requested"; readonly hostName: string; readonly vendorName: string }
  | {
      readonly type: "call-requested";
      readonly peerCallId: number;
      readonly callId: number;
      readonly recvWindowSize: number;
    }
  | { readonly type: "call-cleared"; readonly callId: number }
  | { readonly type: "echo-replied"; readonly identifier: number }
  | { readonly type: "stop-requested"; readonly reason: number }
  | { readonly type: "stop-replied"; readonly resultCode: number }
  | {
      readonly type: "set-link-info";
      readonly peerCallId: number;
      readonly sendAccm: number;
      readonly recvAccm: number;
    }
  | { readonly type: "message"; readonly message: ControlMessage }
  | { readonly type: "protocol-error"; readonly reason: string };

export type PacState = "idle" | "established" | "stopped";

export class PacControl {
  /** Every message received from the client, in order. */
  readonly received: ControlMessage[] = [];
  private currentState: PacState = "idle";
  private readonly reader = new ControlStreamReader();
  private readonly output: Uint8Array[] = [];
  private readonly events: PacEvent[] = [];
  private nextCallId: number;
  /** Our Call ID -> the client's. */
  private readonly calls = new Map<number, number>();

  constructor(private readonly options: PacControlOptions = {}) {
    this.nextCallId = options.firstCallId ?? 1;
  }

  get state(): PacState {
    return this.currentState;
  }

  handleBytes(bytes: Uint8Array): void {
    this.reader.push(bytes);
    for (let frame = this.reader.next(); frame !== undefined; frame = this.reader.next()) {
      if (!frame.ok) {
        this.events.push({ type: "protocol-error", reason: frame.reason });
        return;
      }
      if (frame.value.kind === "message") this.handleMessage(frame.value.message);
    }
  }

  pollBytes(): Uint8Array | undefined {
    if (this.output.length === 0) return undefined;
    const bytes = concatBytes(...this.output);
    this.output.length = 0;
    return bytes;
  }

  pollEvent(): PacEvent | undefined {
    return this.events.shift();
  }

  /** Send any message as is (Incoming-Call-Request, WAN-Error-Notify, garbage for the client to ignore...). */
  send(message: ControlMessage): void {
    this.output.push(emitControlMessage(message));
  }

  stop(reason = STOP_REASON_GENERAL): void {
    this.send({ type: "stop-control-connection-request", reason });
  }

  sendEchoRequest(identifier: number): void {
    this.send({ type: "echo-request", identifier });
  }

  /** Hang up a call we set up (Call-Disconnect-Notify). */
  disconnectCall(
    callId: number,
    resultCode: number,
    errorCode = 0,
    causeCode = 0,
    callStatistics = "",
  ): void {
    const peerCallId = this.calls.get(callId);
    this.calls.delete(callId);
    const idOnWire = this.options.disconnectWithPnsCallId && peerCallId !== undefined ? peerCallId : callId;
    this.send({
      type: "call-disconnect-notify",
      callId: idOnWire,
      resultCode,
      errorCode,
      causeCode,
      callStatistics,
    });
  }

  sendWanError(callId: number, counts: Omit<WanErrorNotify, "type" | "peerCallId">): void {
    const peerCallId = this.calls.get(callId) ?? callId;
    this.send({ type: "wan-error-notify", peerCallId, ...counts });
  }

  private handleMessage(message: ControlMessage): void {
    this.received.push(message);
    if (this.options.silent) return;
    switch (message.type) {
      case "start-control-connection-request":
        this.answerStart(message.hostName, message.vendorName);
        return;
      case "outgoing-call-request":
        this.answerCall(message.callId, message.maxBps, message.recvWindowSize);
        return;
      case "echo-request":
        if (this.options.ignoreEchoes) return;
        this.send({
          type: "echo-reply",
          identifier: message.identifier,
          resultCode: REPLY_OK,
          errorCode: NO_GENERAL_ERROR,
        });
        return;
      case "echo-reply":
        this.events.push({ type: "echo-replied", identifier: message.identifier });
        return;
      case "call-clear-request":
        this.answerCallClear(message.callId);
        return;
      case "stop-control-connection-request":
        this.send({
          type: "stop-control-connection-reply",
          resultCode: REPLY_OK,
          errorCode: NO_GENERAL_ERROR,
        });
        this.currentState = "stopped";
        this.calls.clear();
        this.events.push({ type: "stop-requested", reason: message.reason });
        return;
      case "stop-control-connection-reply":
        this.currentState = "stopped";
        this.events.push({ type: "stop-replied", resultCode: message.resultCode });
        return;
      case "set-link-info":
        this.events.push({
          type: "set-link-info",
          peerCallId: message.peerCallId,
          sendAccm: message.sendAccm,
          recvAccm: message.recvAccm,
        });
        return;
      default:
        this.events.push({ type: "message", message });
        return;
    }
  }

  private answerStart(hostName: string, vendorName: string): void {
    const reject = this.options.rejectControl;
    this.send({
      type: "start-control-connection-reply",
      protocolVersion: PPTP_PROTOCOL_VERSION,
      resultCode: reject?.result ?? START_CONTROL_OK,
      errorCode: reject?.error ?? NO_GENERAL_ERROR,
      framingCapabilities: FRAMING_ASYNC,
      bearerCapabilities: BEARER_ANALOG,
      maxChannels: 1,
      firmwareRevision: 1,
      hostName: this.options.hostName ?? "pac.test",
      vendorName: this.options.vendorName ?? "Ferry test PAC",
    });
    if (reject === undefined) this.currentState = "established";
    this.events.push({ type: "control-requested", hostName, vendorName });
  }

  private answerCall(peerCallId: number, maxBps: number, clientWindow: number): void {
    const reject = this.options.rejectCall;
    const callId = reject === undefined ? this.nextCallId : 0;
    const recvWindowSize = this.options.recvWindowSize ?? clientWindow;
    this.send({
      type: "outgoing-call-reply",
      callId,
      peerCallId,
      resultCode: reject?.result ?? OUTGOING_CALL_CONNECTED,
      errorCode: reject?.error ?? NO_GENERAL_ERROR,
      causeCode: reject?.cause ?? 0,
      // pptpd reports the client's maximum speed back as the connect speed.
      connectSpeed: maxBps,
      recvWindowSize,
      processingDelay: 0,
      physicalChannelId: 0,
    });
    if (reject !== undefined) return;
    this.nextCallId = (this.nextCallId + 1) & 0xffff;
    this.calls.set(callId, peerCallId);
    this.events.push({ type: "call-requested", peerCallId, callId, recvWindowSize });
  }

  private answerCallClear(pnsCallId: number): void {
    for (const [callId, peerCallId] of this.calls) {
      if (peerCallId !== pnsCallId) continue;
      this.disconnectCall(callId, CALL_DISCONNECT_REQUEST);
      this.events.push({ type: "call-cleared", callId });
      return;
    }
    this.events.push({ type: "message", message: { type: "call-clear-request", callId: pnsCallId } });
  }
}
