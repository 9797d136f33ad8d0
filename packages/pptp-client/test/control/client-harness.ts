/** Drives a ControlConnection with a fake clock and typed server messages. */
import {
  ControlConnection,
  type ControlConnectionConfig,
  type ControlEvent,
} from "../../src/control/control-connection.js";
import {
  type ControlMessage,
  type ControlMessageOf,
  emitControlMessage,
} from "../../src/wire/control-messages.js";
import { ControlStreamReader } from "../../src/wire/control-stream.js";

export const CLIENT_CALL_ID = 0x1234;

export const testConfig: ControlConnectionConfig = {
  hostName: "client.test",
  vendorName: "Ferry",
  callId: CLIENT_CALL_ID,
  callSerialNumber: 7,
  recvWindowSize: 64,
  replyTimeoutMs: 10_000,
  echoIntervalMs: 60_000,
  echoTimeoutMs: 30_000,
  disconnectTimeoutMs: 1_500,
};

/** Splits bytes into control messages; throws on anything else, since our own output must always be clean. */
export function readMessages(bytes: Uint8Array | undefined): ControlMessage[] {
  if (bytes === undefined) return [];
  const reader = new ControlStreamReader(bytes.length);
  reader.push(bytes);
  const out: ControlMessage[] = [];
  for (let frame = reader.next(); frame !== undefined; frame = reader.next()) {
    if (!frame.ok || frame.value.kind !== "message") throw new Error(`bad output: ${JSON.stringify(frame)}`);
    out.push(frame.value.message);
  }
  if (reader.bufferedBytes !== 0) throw new Error("output ends inside a message");
  return out;
}

export class ClientHarness {
  readonly connection: ControlConnection;
  now = 1_000;

  constructor(overrides: Partial<ControlConnectionConfig> = {}) {
    this.connection = new ControlConnection({ ...testConfig, ...overrides });
  }

  /** Messages the client queued since the last call. */
  sent(): ControlMessage[] {
    return readMessages(this.connection.pollBytes());
  }

  events(): ControlEvent[] {
    const out: ControlEvent[] = [];
    for (let e = this.connection.pollEvent(); e !== undefined; e = this.connection.pollEvent()) out.push(e);
    return out;
  }

  receive(...messages: ControlMessage[]): void {
    for (const message of messages) this.connection.handleBytes(emitControlMessage(message), this.now);
  }

  /** Moves the clock to `time`, firing every timer due on the way, each at its own deadline. */
  advanceTo(time: number): void {
    for (
      let due = this.connection.nextTimeout();
      due !== undefined && due <= time;
      due = this.connection.nextTimeout()
    ) {
      this.now = Math.max(this.now, due);
      this.connection.handleTimeout(this.now);
    }
    this.now = Math.max(this.now, time);
  }

  advanceBy(ms: number): void {
    this.advanceTo(this.now + ms);
  }

  /** Start, Start-Control-Connection-Reply, Outgoing-Call-Reply: an established call; output and events drained. */
  establish(serverCallId = 0): void {
    this.connection.start(this.now);
    this.receive(startReply());
    this.receive(callReply({ callId: serverCallId }));
    this.sent();
    this.events();
  }
}

export function startReply(overrides: Partial<ControlMessageOf<"start-control-connection-reply">> = {}) {
  return {
    type: "start-control-connection-reply",
    protocolVersion: 0x0100,
    resultCode: 1,
    errorCode: 0,
    framingCapabilities: 1,
    bearerCapabilities: 1,
    maxChannels: 1,
    firmwareRevision: 0x0102,
    hostName: "vpn.test",
    vendorName: "linux",
    ...overrides,
  } as const satisfies ControlMessage;
}

export function callReply(overrides: Partial<ControlMessageOf<"outgoing-call-reply">> = {}) {
  return {
    type: "outgoing-call-reply",
    callId: 0,
    peerCallId: CLIENT_CALL_ID,
    resultCode: 1,
    errorCode: 0,
    causeCode: 0,
    connectSpeed: 10_000_000,
    recvWindowSize: 32,
    processingDelay: 0,
    physicalChannelId: 0,
    ...overrides,
  } as const satisfies ControlMessage;
}

export function disconnectNotify(overrides: Partial<ControlMessageOf<"call-disconnect-notify">> = {}) {
  return {
    type: "call-disconnect-notify",
    callId: 0,
    resultCode: 1,
    errorCode: 0,
    causeCode: 0,
    callStatistics: "",
    ...overrides,
  } as const satisfies ControlMessage;
}

export const stopReply = { type: "stop-control-connection-reply", resultCode: 1, errorCode: 0 } as const;
