/**
 * The PNS (client) side of the PPTP control connection on TCP 1723 (RFC 2637 sections 2 and 3.1), sans-IO:
 * Start-Control-Connection, one Outgoing-Call, Echo keepalives both ways (and a quick Echo probe on demand, when the
 * session doubts the GRE path), and a graceful close that always ends within `disconnectTimeoutMs`, whatever the
 * server does.
 */
import type { FerryError } from "../errors.js";
import { concatBytes } from "../util/bytes.js";
import { earliestDeadline } from "../util/deadline.js";
import {
  BEARER_ANALOG,
  BEARER_DIGITAL,
  type CallDisconnectNotify,
  type ControlMessage,
  emitControlMessage,
  FRAMING_ASYNC,
  FRAMING_SYNC,
  type OutgoingCallReply,
  PPTP_PROTOCOL_VERSION,
  type StartControlConnectionReply,
} from "../wire/control-messages.js";
import { ControlStreamReader } from "../wire/control-stream.js";
import {
  callDisconnectedError,
  callRejectedError,
  controlRejectedError,
  controlStreamError,
  controlTimeoutError,
  peerDeadError,
  serverStoppedError,
  transportClosedError,
} from "./control-errors.js";
import {
  INCOMING_CALL_DO_NOT_ACCEPT,
  NO_GENERAL_ERROR,
  OUTGOING_CALL_CONNECTED,
  OUTGOING_CALL_DO_NOT_ACCEPT,
  REPLY_OK,
  START_CONTROL_OK,
  STOP_REASON_GENERAL,
} from "./result-codes.js";

export interface ControlConnectionConfig {
  hostName: string; // ours, sent in SCCRQ (may be empty)
  vendorName: string; // "Ferry"
  callId: number; // our Call ID (chosen by the session)
  callSerialNumber: number;
  recvWindowSize: number; // our GRE receive window advertised in OCRQ (e.g. 64)
  replyTimeoutMs: number; // SCCRP / OCRP must arrive within this
  echoIntervalMs: number; // send Echo-Request after this long without hearing from the server (RFC: 60 s)
  echoTimeoutMs: number; // no Echo-Reply within this -> PEER_DEAD
  disconnectTimeoutMs: number; // graceful close budget (Call-Clear -> CDN, Stop-CCRQ -> Stop-CCRP); the whole close must fit in < 2 s
}

export type ControlEvent =
  | {
      type: "control-established";
      hostName: string;
      vendorName: string;
      protocolVersion: number;
      firmwareRevision: number;
    }
  | {
      type: "call-established";
      peerCallId: number;
      connectSpeed: number;
      recvWindowSize: number;
      processingDelay: number;
    }
  | { type: "set-link-info"; sendAccm: number; recvAccm: number }
  | {
      type: "wan-error";
      crcErrors: number;
      framingErrors: number;
      hardwareOverruns: number;
      bufferOverruns: number;
      timeoutErrors: number;
      alignmentErrors: number;
    }
  | { type: "echo-rtt"; rttMs: number }
  /** The Echo-Request of probe() got no reply within its short timeout (it may still come, until echoTimeoutMs). */
  | { type: "probe-unanswered"; timeoutMs: number }
  | { type: "closed"; error?: FerryError }; // the TCP connection should be closed now; no error = we closed it cleanly

export type ControlState =
  | "idle"
  | "wait-control-reply"
  | "wait-call-reply"
  | "established"
  | "closing"
  | "closed";

/** Firmware Revision we announce: there is no firmware, so the first revision. */
const FIRMWARE_REVISION = 1;
/** Call speeds we ask for in Outgoing-Call-Request (bits/s); pptp-linux's long-tested range, never enforced by servers. */
const MIN_BPS = 2400;
const MAX_BPS = 10_000_000;
/** TCP reads are fed to the stream reader in slices of this size, so its bounded buffer never overflows. */
const READ_SLICE = 4096;

interface Closing {
  /** After Call-Clear-Request we wait for Call-Disconnect-Notify, then Stop-CCRQ waits for its reply. */
  phase: "wait-disconnect-notify" | "wait-stop-reply";
  /** The disconnect-notify wait gets half the budget so the Stop-CCRQ exchange still has time. */
  notifyDeadline: number;
  deadline: number;
  /** What went wrong, reported with "closed" once the graceful close ends; none when the user asked. */
  error: FerryError | undefined;
}

interface InFlightEcho {
  identifier: number;
  sentAt: number;
  /** Set by probe(): the reply is wanted by then, sooner than echoTimeoutMs. */
  probeDeadline?: number;
}

export class ControlConnection {
  readonly counters = {
    messagesIn: 0,
    messagesOut: 0,
    ignored: 0,
    echoesSent: 0,
    echoesAnswered: 0,
    /** Messages with a non-zero reserved field: tolerated (some servers do it) but worth a look in diagnostics. */
    reservedNonZero: 0,
  };

  private currentState: ControlState = "idle";
  private readonly reader = new ControlStreamReader();
  private readonly output: Uint8Array[] = [];
  private readonly events: ControlEvent[] = [];
  private replyDeadline: number | undefined;
  private peerCallId: number | undefined;
  private lastHeardAt = 0;
  private echo: InFlightEcho | undefined;
  private nextEchoIdentifier = 1;
  private closing: Closing | undefined;

  constructor(private readonly config: ControlConnectionConfig) {}

  get state(): ControlState {
    return this.currentState;
  }

  start(now: number): void {
    if (this.currentState !== "idle") return;
    this.send({
      type: "start-control-connection-request",
      protocolVersion: PPTP_PROTOCOL_VERSION,
      framingCapabilities: FRAMING_ASYNC | FRAMING_SYNC,
      bearerCapabilities: BEARER_ANALOG | BEARER_DIGITAL,
      // RFC 2637 section 2.1: a PNS sets Maximum Channels to 0.
      maxChannels: 0,
      firmwareRevision: FIRMWARE_REVISION,
      hostName: this.config.hostName,
      vendorName: this.config.vendorName,
    });
    this.currentState = "wait-control-reply";
    this.replyDeadline = now + this.config.replyTimeoutMs;
  }

  handleBytes(bytes: Uint8Array, now: number): void {
    for (let offset = 0; offset < bytes.length && this.currentState !== "closed"; offset += READ_SLICE) {
      this.reader.push(bytes.subarray(offset, offset + READ_SLICE));
      this.drainFrames(now);
    }
  }

  handleTransportClosed(_now: number): void {
    if (this.currentState === "closed") return;
    this.finish(this.closing !== undefined ? this.closing.error : transportClosedError());
  }

  disconnect(now: number): void {
    switch (this.currentState) {
      case "idle":
      case "wait-control-reply":
        // No control connection yet: nothing to tear down politely.
        this.finish(undefined);
        return;
      case "wait-call-reply":
        // Stop-Control-Connection clears any call the server may be setting up (RFC 2637 section 2.3).
        this.beginClosing(now, "wait-stop-reply", undefined);
        return;
      case "established":
        this.beginClosing(now, "wait-disconnect-notify", undefined);
        return;
      case "closing":
      case "closed":
        return;
    }
  }

  sendSetLinkInfo(sendAccm: number, recvAccm: number): void {
    if (this.currentState !== "established" || this.peerCallId === undefined) return;
    this.send({ type: "set-link-info", peerCallId: this.peerCallId, sendAccm, recvAccm });
  }

  /**
   * Asks the server for a sign of life now: an Echo-Request (or the one already in flight) whose reply should come
   * within `timeoutMs`. A reply reports "echo-rtt" as usual; none in time reports "probe-unanswered" and leaves the
   * echo to the keepalive's own timeout. A server or NAT that lost the TCP state answers with a reset instead, and
   * the connection ends the usual way.
   */
  probe(now: number, timeoutMs: number): void {
    if (this.currentState !== "established") return;
    const echo = this.echo ?? this.sendEcho(now);
    echo.probeDeadline = earliestDeadline(echo.probeDeadline, now + timeoutMs);
  }

  nextTimeout(): number | undefined {
    switch (this.currentState) {
      case "wait-control-reply":
      case "wait-call-reply":
        return this.replyDeadline;
      case "established":
        return this.echo !== undefined
          ? earliestDeadline(this.echo.sentAt + this.config.echoTimeoutMs, this.echo.probeDeadline)
          : this.lastHeardAt + this.config.echoIntervalMs;
      case "closing":
        return this.closing?.phase === "wait-disconnect-notify"
          ? this.closing.notifyDeadline
          : this.closing?.deadline;
      default:
        return undefined;
    }
  }

  handleTimeout(now: number): void {
    switch (this.currentState) {
      case "wait-control-reply":
        if (this.replyDeadline !== undefined && now >= this.replyDeadline) {
          this.finish(this.replyTimeout("Start-Control-Connection-Request"));
        }
        return;
      case "wait-call-reply":
        if (this.replyDeadline !== undefined && now >= this.replyDeadline) {
          this.beginClosing(now, "wait-stop-reply", this.replyTimeout("Outgoing-Call-Request"));
        }
        return;
      case "established":
        this.keepAlive(now);
        return;
      case "closing":
        this.continueClosing(now);
        return;
      default:
        return;
    }
  }

  pollBytes(): Uint8Array | undefined {
    if (this.output.length === 0) return undefined;
    const bytes = this.output.length === 1 ? this.output[0]! : concatBytes(...this.output);
    this.output.length = 0;
    return bytes;
  }

  pollEvent(): ControlEvent | undefined {
    return this.events.shift();
  }

  private drainFrames(now: number): void {
    let frame = this.reader.next();
    while (frame !== undefined && this.currentState !== "closed") {
      if (!frame.ok) {
        this.finish(controlStreamError(frame.reason));
        return;
      }
      this.counters.messagesIn++;
      this.lastHeardAt = now;
      if (frame.value.kind === "ignored") {
        this.counters.ignored++;
      } else {
        if (frame.value.reservedNonZero) this.counters.reservedNonZero++;
        this.handleMessage(frame.value.message, now);
      }
      frame = this.reader.next();
    }
  }

  private handleMessage(message: ControlMessage, now: number): void {
    switch (message.type) {
      case "echo-request":
        // Answered in every state: a server probing a slow start or a close must not conclude we are dead.
        this.send({
          type: "echo-reply",
          identifier: message.identifier,
          resultCode: REPLY_OK,
          errorCode: NO_GENERAL_ERROR,
        });
        return;
      case "echo-reply":
        if (this.echo === undefined || message.identifier !== this.echo.identifier) break;
        this.counters.echoesAnswered++;
        this.events.push({ type: "echo-rtt", rttMs: now - this.echo.sentAt });
        this.echo = undefined;
        return;
      case "start-control-connection-reply":
        if (this.currentState !== "wait-control-reply") break;
        this.handleStartReply(message, now);
        return;
      case "outgoing-call-reply":
        // The Peer's Call ID must echo ours: anything else answers somebody else's request.
        if (this.currentState !== "wait-call-reply" || message.peerCallId !== this.config.callId) break;
        this.handleCallReply(message, now);
        return;
      case "call-disconnect-notify":
        if (!this.isOurCall(message.callId)) break;
        this.handleDisconnectNotify(message, now);
        return;
      case "stop-control-connection-request":
        this.send({
          type: "stop-control-connection-reply",
          resultCode: REPLY_OK,
          errorCode: NO_GENERAL_ERROR,
        });
        this.finish(this.closing !== undefined ? this.closing.error : serverStoppedError(message.reason));
        return;
      case "stop-control-connection-reply":
        if (this.closing?.phase !== "wait-stop-reply") break;
        this.finish(this.closing.error);
        return;
      case "incoming-call-request":
        this.send({
          type: "incoming-call-reply",
          callId: 0,
          peerCallId: message.callId,
          resultCode: INCOMING_CALL_DO_NOT_ACCEPT,
          errorCode: NO_GENERAL_ERROR,
          recvWindowSize: 0,
          transmitDelay: 0,
        });
        return;
      case "outgoing-call-request":
        this.send({
          type: "outgoing-call-reply",
          callId: 0,
          peerCallId: message.callId,
          resultCode: OUTGOING_CALL_DO_NOT_ACCEPT,
          errorCode: NO_GENERAL_ERROR,
          causeCode: 0,
          connectSpeed: 0,
          recvWindowSize: 0,
          processingDelay: 0,
          physicalChannelId: 0,
        });
        return;
      case "wan-error-notify": {
        if (this.currentState !== "established" || !this.isOurCall(message.peerCallId)) break;
        this.events.push({
          type: "wan-error",
          crcErrors: message.crcErrors,
          framingErrors: message.framingErrors,
          hardwareOverruns: message.hardwareOverruns,
          bufferOverruns: message.bufferOverruns,
          timeoutErrors: message.timeoutErrors,
          alignmentErrors: message.alignmentErrors,
        });
        return;
      }
      case "set-link-info":
        if (this.currentState !== "established" || !this.isOurCall(message.peerCallId)) break;
        this.events.push({ type: "set-link-info", sendAccm: message.sendAccm, recvAccm: message.recvAccm });
        return;
      default:
        // Requests only a PAC receives, or replies to things we never send.
        break;
    }
    this.counters.ignored++;
  }

  private handleStartReply(reply: StartControlConnectionReply, now: number): void {
    // Result 0 is undefined by the RFC, but some ADSL modems send it with success (pptp-linux accepts it too).
    if (reply.resultCode !== START_CONTROL_OK && reply.resultCode !== 0) {
      this.finish(controlRejectedError(reply.resultCode, reply.errorCode));
      return;
    }
    this.events.push({
      type: "control-established",
      hostName: reply.hostName,
      vendorName: reply.vendorName,
      protocolVersion: reply.protocolVersion,
      firmwareRevision: reply.firmwareRevision,
    });
    this.send({
      type: "outgoing-call-request",
      callId: this.config.callId,
      callSerialNumber: this.config.callSerialNumber,
      minBps: MIN_BPS,
      maxBps: MAX_BPS,
      bearerType: BEARER_ANALOG | BEARER_DIGITAL,
      framingType: FRAMING_ASYNC | FRAMING_SYNC,
      recvWindowSize: this.config.recvWindowSize,
      processingDelay: 0,
      phoneNumber: "",
      subaddress: "",
    });
    this.currentState = "wait-call-reply";
    this.replyDeadline = now + this.config.replyTimeoutMs;
  }

  private handleCallReply(reply: OutgoingCallReply, now: number): void {
    if (reply.resultCode !== OUTGOING_CALL_CONNECTED) {
      this.beginClosing(
        now,
        "wait-stop-reply",
        callRejectedError(reply.resultCode, reply.errorCode, reply.causeCode),
      );
      return;
    }
    // pptpd numbers its calls from 0, so any value, 0 included, is the server's Call ID.
    this.peerCallId = reply.callId;
    this.currentState = "established";
    this.replyDeadline = undefined;
    this.events.push({
      type: "call-established",
      peerCallId: reply.callId,
      connectSpeed: reply.connectSpeed,
      recvWindowSize: reply.recvWindowSize,
      processingDelay: reply.processingDelay,
    });
  }

  private handleDisconnectNotify(notify: CallDisconnectNotify, now: number): void {
    if (this.closing?.phase === "wait-disconnect-notify") {
      this.sendStopRequest(this.closing);
      return;
    }
    if (this.currentState === "established" || this.currentState === "wait-call-reply") {
      const error = callDisconnectedError(
        notify.resultCode,
        notify.errorCode,
        notify.causeCode,
        notify.callStatistics,
      );
      this.beginClosing(now, "wait-stop-reply", error);
      return;
    }
    this.counters.ignored++;
  }

  /**
   * RFC 2637 puts the PAC's Call ID in Call-Disconnect-Notify (pptpd and OpenBSD npppd do), but pptp-linux and the
   * Linux NAT helper treat it as the PNS's: with one call per connection, either one names our call.
   */
  private isOurCall(callId: number): boolean {
    return callId === this.config.callId || (this.peerCallId !== undefined && callId === this.peerCallId);
  }

  private keepAlive(now: number): void {
    const echo = this.echo;
    if (echo !== undefined) {
      if (now >= echo.sentAt + this.config.echoTimeoutMs) {
        this.finish(peerDeadError(this.config.echoTimeoutMs));
      } else if (echo.probeDeadline !== undefined && now >= echo.probeDeadline) {
        this.events.push({ type: "probe-unanswered", timeoutMs: echo.probeDeadline - echo.sentAt });
        echo.probeDeadline = undefined;
      }
      return;
    }
    if (now >= this.lastHeardAt + this.config.echoIntervalMs) this.sendEcho(now);
  }

  private sendEcho(now: number): InFlightEcho {
    const identifier = this.nextEchoIdentifier;
    this.nextEchoIdentifier = (this.nextEchoIdentifier + 1) >>> 0;
    const echo: InFlightEcho = { identifier, sentAt: now };
    this.echo = echo;
    this.counters.echoesSent++;
    this.send({ type: "echo-request", identifier });
    return echo;
  }

  private beginClosing(now: number, phase: Closing["phase"], error: FerryError | undefined): void {
    const budget = this.config.disconnectTimeoutMs;
    const closing: Closing = { phase, notifyDeadline: now + budget / 2, deadline: now + budget, error };
    this.currentState = "closing";
    this.closing = closing;
    this.replyDeadline = undefined;
    this.echo = undefined;
    if (phase === "wait-disconnect-notify") {
      this.send({ type: "call-clear-request", callId: this.config.callId });
    } else {
      this.sendStopRequest(closing);
    }
  }

  private continueClosing(now: number): void {
    const closing = this.closing;
    if (closing === undefined) return;
    if (now >= closing.deadline) {
      this.finish(closing.error);
    } else if (closing.phase === "wait-disconnect-notify" && now >= closing.notifyDeadline) {
      // The server never confirmed the call is gone; Stop-Control-Connection clears it anyway.
      this.sendStopRequest(closing);
    }
  }

  private sendStopRequest(closing: Closing): void {
    closing.phase = "wait-stop-reply";
    this.send({ type: "stop-control-connection-request", reason: STOP_REASON_GENERAL });
  }

  private replyTimeout(request: "Start-Control-Connection-Request" | "Outgoing-Call-Request"): FerryError {
    return controlTimeoutError(request, this.config.replyTimeoutMs, this.counters.ignored);
  }

  private finish(error: FerryError | undefined): void {
    this.currentState = "closed";
    this.closing = undefined;
    this.replyDeadline = undefined;
    this.echo = undefined;
    this.events.push(error === undefined ? { type: "closed" } : { type: "closed", error });
  }

  private send(message: ControlMessage): void {
    this.output.push(emitControlMessage(message));
    this.counters.messagesOut++;
  }
}
