import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ControlEvent } from "../../src/control/control-connection.js";
import { concatBytes } from "../../src/util/bytes.js";
import {
  type ControlMessage,
  controlMessageLength,
  decodeControlMessage,
  emitControlMessage,
  parseControlMessage,
} from "../../src/wire/control-messages.js";
import { ControlStreamReader } from "../../src/wire/control-stream.js";
import {
  CLIENT_CALL_ID,
  ClientHarness,
  callReply,
  disconnectNotify,
  startReply,
  testConfig,
} from "./client-harness.js";

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
/** Text that survives a round trip: latin1 without NUL, no longer than the field. */
const text = (size: number) =>
  fc.string({ unit: fc.integer({ min: 1, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: size });
const tag = <T extends string>(type: T) => fc.constant(type);

const anyMessage: fc.Arbitrary<ControlMessage> = fc.oneof(
  fc.record({
    type: tag("start-control-connection-request"),
    protocolVersion: u16,
    framingCapabilities: u32,
    bearerCapabilities: u32,
    maxChannels: u16,
    firmwareRevision: u16,
    hostName: text(64),
    vendorName: text(64),
  }),
  fc.record({
    type: tag("start-control-connection-reply"),
    protocolVersion: u16,
    resultCode: u8,
    errorCode: u8,
    framingCapabilities: u32,
    bearerCapabilities: u32,
    maxChannels: u16,
    firmwareRevision: u16,
    hostName: text(64),
    vendorName: text(64),
  }),
  fc.record({ type: tag("stop-control-connection-request"), reason: u8 }),
  fc.record({ type: tag("stop-control-connection-reply"), resultCode: u8, errorCode: u8 }),
  fc.record({ type: tag("echo-request"), identifier: u32 }),
  fc.record({ type: tag("echo-reply"), identifier: u32, resultCode: u8, errorCode: u8 }),
  fc.record({
    type: tag("outgoing-call-request"),
    callId: u16,
    callSerialNumber: u16,
    minBps: u32,
    maxBps: u32,
    bearerType: u32,
    framingType: u32,
    recvWindowSize: u16,
    processingDelay: u16,
    phoneNumber: text(64),
    subaddress: text(64),
  }),
  fc.record({
    type: tag("outgoing-call-reply"),
    callId: u16,
    peerCallId: u16,
    resultCode: u8,
    errorCode: u8,
    causeCode: u16,
    connectSpeed: u32,
    recvWindowSize: u16,
    processingDelay: u16,
    physicalChannelId: u32,
  }),
  fc.record({
    type: tag("incoming-call-request"),
    callId: u16,
    callSerialNumber: u16,
    bearerType: u32,
    physicalChannelId: u32,
    dialedNumber: text(64),
    dialingNumber: text(64),
    subaddress: text(64),
  }),
  fc.record({
    type: tag("incoming-call-reply"),
    callId: u16,
    peerCallId: u16,
    resultCode: u8,
    errorCode: u8,
    recvWindowSize: u16,
    transmitDelay: u16,
  }),
  fc.record({
    type: tag("incoming-call-connected"),
    peerCallId: u16,
    connectSpeed: u32,
    recvWindowSize: u16,
    transmitDelay: u16,
    framingType: u32,
  }),
  fc.record({ type: tag("call-clear-request"), callId: u16 }),
  fc.record({
    type: tag("call-disconnect-notify"),
    callId: u16,
    resultCode: u8,
    errorCode: u8,
    causeCode: u16,
    callStatistics: text(128),
  }),
  fc.record({
    type: tag("wan-error-notify"),
    peerCallId: u16,
    crcErrors: u32,
    framingErrors: u32,
    hardwareOverruns: u32,
    bufferOverruns: u32,
    timeoutErrors: u32,
    alignmentErrors: u32,
  }),
  fc.record({ type: tag("set-link-info"), peerCallId: u16, sendAccm: u32, recvAccm: u32 }),
);

/** A valid message with some octets overwritten, and maybe cut short or stretched. */
const mutatedMessage = fc
  .tuple(
    anyMessage,
    fc.array(fc.tuple(fc.nat(), u8), { maxLength: 4 }),
    fc.option(fc.integer({ min: -20, max: 20 }), { nil: undefined }),
  )
  .map(([message, writes, resize]) => {
    const bytes = emitControlMessage(message);
    for (const [index, value] of writes) bytes[index % bytes.length] = value;
    if (resize === undefined) return bytes;
    const length = Math.max(0, bytes.length + resize);
    const out = new Uint8Array(length);
    out.set(bytes.subarray(0, Math.min(length, bytes.length)));
    return out;
  });

/** Server messages that move a client along its happy and unhappy paths, so random runs reach every state. */
const mostlySuccess = fc.oneof({ weight: 3, arbitrary: fc.constant(1) }, fc.integer({ min: 0, max: 8 }));
const usefulServerMessage: fc.Arbitrary<ControlMessage> = fc.oneof(
  mostlySuccess.map((resultCode) => startReply({ resultCode })),
  fc
    .tuple(mostlySuccess, fc.constantFrom(0, 1, 5))
    .map(([resultCode, callId]) => callReply({ resultCode, callId })),
  fc.constantFrom(0, 5, CLIENT_CALL_ID).map((callId) => disconnectNotify({ callId })),
  fc.constant<ControlMessage>({ type: "stop-control-connection-reply", resultCode: 1, errorCode: 0 }),
  fc.constant<ControlMessage>({ type: "stop-control-connection-request", reason: 1 }),
  u32.map((identifier): ControlMessage => ({ type: "echo-request", identifier })),
  u32.map((identifier): ControlMessage => ({ type: "echo-reply", identifier, resultCode: 1, errorCode: 0 })),
);

type Operation =
  | { kind: "bytes"; bytes: Uint8Array }
  | { kind: "wait"; ms: number }
  | { kind: "start" | "disconnect" | "transport-closed" | "set-link-info" };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  {
    weight: 8,
    arbitrary: usefulServerMessage.map((m): Operation => ({ kind: "bytes", bytes: emitControlMessage(m) })),
  },
  {
    weight: 2,
    arbitrary: anyMessage.map((m): Operation => ({ kind: "bytes", bytes: emitControlMessage(m) })),
  },
  { weight: 1, arbitrary: mutatedMessage.map((bytes): Operation => ({ kind: "bytes", bytes })) },
  {
    weight: 1,
    arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes): Operation => ({ kind: "bytes", bytes })),
  },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 2_000 }).map((ms): Operation => ({ kind: "wait", ms })) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 0, max: 90_000 }).map((ms): Operation => ({ kind: "wait", ms })),
  },
  { weight: 1, arbitrary: fc.constantFrom<Operation>({ kind: "start" }, { kind: "set-link-info" }) },
  { weight: 1, arbitrary: fc.constantFrom<Operation>({ kind: "disconnect" }, { kind: "transport-closed" }) },
);

type StartingState = "idle" | "wait-control-reply" | "wait-call-reply" | "established" | "closing";

/** Each run first walks the client to a chosen state, so random operations land in every state, not just "idle". */
const run = fc.tuple(
  fc.constantFrom<StartingState>("idle", "wait-control-reply", "wait-call-reply", "established", "closing"),
  fc.array(operation, { maxLength: 30 }),
);

function reach(h: ClientHarness, state: StartingState): void {
  if (state === "idle") return;
  h.connection.start(h.now);
  if (state !== "wait-control-reply") h.receive(startReply());
  if (state === "established" || state === "closing") h.receive(callReply());
  if (state === "closing") h.connection.disconnect(h.now);
  expect(h.connection.state).toBe(state);
}

function apply(h: ClientHarness, op: Operation): void {
  switch (op.kind) {
    case "bytes":
      h.connection.handleBytes(op.bytes, h.now);
      return;
    case "wait":
      h.advanceBy(op.ms);
      return;
    case "start":
      h.connection.start(h.now);
      return;
    case "disconnect":
      h.connection.disconnect(h.now);
      return;
    case "transport-closed":
      h.connection.handleTransportClosed(h.now);
      return;
    case "set-link-info":
      h.connection.sendSetLinkInfo(0xffffffff, 0xffffffff);
      return;
  }
}

describe("control codec properties", () => {
  it("round-trips every message", () => {
    fc.assert(
      fc.property(anyMessage, (message) => {
        const bytes = emitControlMessage(message);
        expect(bytes.length).toBe(controlMessageLength(message.type));
        expect(parseControlMessage(bytes)).toEqual({ ok: true, value: message });
      }),
    );
  });

  it("never throws on random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        parseControlMessage(bytes);
        decodeControlMessage(bytes);
      }),
    );
  });

  it("never throws on mutated messages, and what it accepts re-emits at the same length", () => {
    fc.assert(
      fc.property(mutatedMessage, (bytes) => {
        const result = parseControlMessage(bytes);
        if (result.ok) expect(emitControlMessage(result.value).length).toBe(bytes.length);
      }),
    );
  });
});

describe("control stream properties", () => {
  it("parses any split of a valid stream the same as the whole", () => {
    fc.assert(
      fc.property(
        fc.array(anyMessage, { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (messages, rawCuts) => {
          const stream = concatBytes(...messages.map(emitControlMessage));
          const cuts = [...new Set(rawCuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
          const reader = new ControlStreamReader();
          const got: ControlMessage[] = [];
          let from = 0;
          for (const cut of [...cuts, stream.length]) {
            reader.push(stream.subarray(from, cut));
            from = cut;
            for (let frame = reader.next(); frame !== undefined; frame = reader.next()) {
              if (!frame.ok || frame.value.kind !== "message") throw new Error("unexpected frame");
              got.push(frame.value.message);
            }
          }
          expect(got).toEqual(messages);
          expect(reader.bufferedBytes).toBe(0);
        },
      ),
    );
  });

  it("never throws on random chunks, and a failure is final", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.uint8Array({ maxLength: 80 }), mutatedMessage), { maxLength: 10 }),
        (chunks) => {
          const reader = new ControlStreamReader();
          let failed = false;
          for (const chunk of chunks) {
            reader.push(chunk);
            for (let frame = reader.next(); frame !== undefined; frame = reader.next()) {
              if (failed) expect(frame.ok).toBe(false);
              if (!frame.ok) {
                failed = true;
                break;
              }
            }
          }
        },
      ),
    );
  });
});

describe("control connection properties", () => {
  it("never throws, closes at most once, and is inert once closed", () => {
    fc.assert(
      fc.property(run, ([state, ops]) => {
        const h = new ClientHarness();
        reach(h, state);
        const events: ControlEvent[] = h.events();
        for (const op of ops) {
          apply(h, op);
          h.connection.pollBytes();
          events.push(...h.events());
        }
        expect(events.filter((e) => e.type === "closed").length).toBe(
          h.connection.state === "closed" ? 1 : 0,
        );
        if (h.connection.state === "closed") {
          expect(h.connection.nextTimeout()).toBeUndefined();
          expect(events.at(-1)?.type).toBe("closed");
        }
      }),
      { numRuns: 500 },
    );
  });

  it("after disconnect, is closed within disconnectTimeoutMs even if the server says nothing more", () => {
    fc.assert(
      fc.property(run, ([state, ops]) => {
        const h = new ClientHarness();
        reach(h, state);
        for (const op of ops) apply(h, op);
        h.connection.disconnect(h.now);
        h.advanceBy(testConfig.disconnectTimeoutMs);
        expect(h.connection.state).toBe("closed");
      }),
      { numRuns: 500 },
    );
  });
});
