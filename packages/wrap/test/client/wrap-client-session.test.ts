/** The client side of the wrap protocol, driven with a fake clock: handshake, refusals, ordering, probes. */
import { describe, expect, it } from "vitest";
import {
  PROBE_INTERVAL_MS,
  WELCOME_TIMEOUT_MS,
  WrapClientSession,
} from "../../src/client/wrap-client-session.js";
import { relayRefusal } from "../../src/errors.js";
import {
  emitWrapFrame,
  RELAY_ERROR_CODE,
  type RelayErrorCode,
  WRAP_MAX_CONTROL_CHUNK,
  WRAP_MAX_GRE_PACKET,
} from "../../src/wire/index.js";
import { hex } from "../wire/hex.js";
import {
  drainEvents,
  drainFrames,
  openSession,
  relayFrame,
  relayMessages,
  SERVER,
  SESSION_ID,
  startedSession,
  T0,
  welcomeFrame,
} from "./session-harness.js";

const RELAY_CODES = Object.keys(RELAY_ERROR_CODE) as RelayErrorCode[];

describe("handshake", () => {
  it("sends exactly the hello of PROTOCOL.md section 6.1 and waits 30 s for welcome", () => {
    const session = new WrapClientSession(SERVER, "s3cr3t");
    expect(session.pollFrame()).toBeUndefined();
    session.start(T0);
    expect(session.pollFrame()).toEqual(
      hex("03 01 0F 76 70 6E 2E 65 78 61 6D 70 6C 65 2E 63 6F 6D 00 06 73 33 63 72 33 74"),
    );
    expect(session.pollFrame()).toBeUndefined();
    expect(session.state).toBe("awaiting-welcome");
    expect(session.nextTimeout()).toBe(T0 + WELCOME_TIMEOUT_MS);
    session.start(T0 + 1);
    expect(session.pollFrame()).toBeUndefined();
  });

  it("reports the welcome of PROTOCOL.md section 6.2 and schedules the first probe", () => {
    const session = startedSession();
    session.handleFrame(hex("03 02 04 CB 00 71 07 04 C6 33 64 02 01 23 45 67 89 AB CD EF"), T0 + 200);
    expect(drainEvents(session)).toEqual([
      {
        type: "welcome",
        observedAddress: "203.0.113.7",
        relayAddress: "198.51.100.2",
        sessionId: SESSION_ID,
      },
    ]);
    expect(session.state).toBe("open");
    expect(session.nextTimeout()).toBe(T0 + 200 + PROBE_INTERVAL_MS);
  });

  it("gives up on a relay that does not welcome within 30 s and drops the connection", () => {
    const session = startedSession();
    session.handleTimeout(T0 + WELCOME_TIMEOUT_MS - 1);
    expect(drainEvents(session)).toEqual([]);
    session.handleTimeout(T0 + WELCOME_TIMEOUT_MS);
    const [event] = drainEvents(session);
    expect(event).toMatchObject({ type: "closed", error: { code: "RELAY_UNREACHABLE" } });
    expect(session.pollClose()).toEqual({ kind: "abort" });
    expect(session.nextTimeout()).toBeUndefined();
  });
});

describe("relay refusals", () => {
  it.each(RELAY_CODES)(
    "an error frame %s before welcome ends the session with that code and wording",
    (code) => {
      const session = startedSession();
      session.handleFrame(relayFrame({ type: "error", code, message: "in the relay's words" }), T0 + 5);
      const events = drainEvents(session);
      expect(events).toEqual([
        { type: "closed", error: relayRefusal(code, "in the relay's words", SERVER, undefined) },
      ]);
      expect(events[0]).toMatchObject({ error: { code, detail: { relayMessage: "in the relay's words" } } });
      expect(session.pollClose()).toEqual({ kind: "close", status: 1000, reason: "" });
      expect(session.state).toBe("closed");
    },
  );

  it("words the refusals from the code, naming the server", () => {
    const session = startedSession();
    session.handleFrame(hex("03 03 00 02 00 12 73 65 72 76 65 72 20 6E 6F 74 20 61 6C 6C 6F 77 65 64"), T0);
    expect(drainEvents(session)).toMatchObject([
      {
        type: "closed",
        error: {
          code: "RELAY_TARGET_FORBIDDEN",
          message: "The relay is not allowed to reach vpn.example.com.",
          detail: { relayMessage: "server not allowed" },
        },
      },
    ]);
  });

  it("names the relay session in an error after welcome", () => {
    const session = openSession();
    session.handleFrame(
      relayFrame({ type: "error", code: "RELAY_SHUTTING_DOWN", message: "drained" }),
      T0 + 9,
    );
    expect(drainEvents(session)).toMatchObject([
      {
        type: "closed",
        error: {
          code: "RELAY_SHUTTING_DOWN",
          message: "The relay is restarting.",
          detail: { relaySessionId: SESSION_ID },
        },
      },
    ]);
  });

  it("shows an error code this client does not know as RELAY_ERROR with the relay's message", () => {
    const session = startedSession();
    session.handleFrame(hex("03 03 00 63 00 04 6F 6F 70 73"), T0);
    expect(drainEvents(session)).toMatchObject([
      { type: "closed", error: { code: "RELAY_ERROR", message: "The relay ended the session: oops." } },
    ]);
  });

  it.each(RELAY_CODES)("a close status of 4000 + %s without the error frame is the same refusal", (code) => {
    const session = startedSession();
    session.handleClosed(4000 + RELAY_ERROR_CODE[code], "", T0 + 3);
    expect(drainEvents(session)).toMatchObject([{ type: "closed", error: { code } }]);
    expect(session.pollClose()).toBeUndefined();
  });

  it("a close status in the relay range with an unknown code is RELAY_ERROR", () => {
    const session = openSession();
    session.handleClosed(4042, "", T0);
    expect(drainEvents(session)).toMatchObject([
      { type: "closed", error: { code: "RELAY_ERROR", detail: { relaySessionId: SESSION_ID } } },
    ]);
  });

  it("ignores the close that follows an error frame", () => {
    const session = startedSession();
    session.handleFrame(relayFrame({ type: "error", code: "RELAY_AUTH_FAILED", message: "" }), T0);
    session.handleClosed(4001, "", T0 + 1);
    expect(drainEvents(session)).toHaveLength(1);
  });
});

describe("closes", () => {
  it("a normal close after welcome is the server ending TCP 1723: closed without an error", () => {
    const session = openSession();
    session.handleClosed(1000, "", T0 + 50);
    expect(drainEvents(session)).toEqual([{ type: "closed" }]);
    expect(session.nextTimeout()).toBeUndefined();
  });

  it("a normal close before welcome is a lost relay", () => {
    const session = startedSession();
    session.handleClosed(1000, "", T0 + 50);
    expect(drainEvents(session)).toMatchObject([
      { type: "closed", error: { code: "RELAY_CONNECTION_LOST" } },
    ]);
  });

  it("a broken WebSocket is RELAY_CONNECTION_LOST with the status", () => {
    const session = openSession();
    session.handleClosed(1006, "", T0 + 50);
    expect(drainEvents(session)).toMatchObject([
      {
        type: "closed",
        error: { code: "RELAY_CONNECTION_LOST", detail: { closeStatus: 1006, relaySessionId: SESSION_ID } },
      },
    ]);
  });

  it("close() asks for a normal close, reports nothing and ignores what arrives later", () => {
    const session = openSession();
    session.close();
    expect(session.pollClose()).toEqual({ kind: "close", status: 1000, reason: "" });
    expect(session.nextTimeout()).toBeUndefined();
    session.handleFrame(emitWrapFrame({ channel: "control", bytes: hex("01 02") }), T0);
    session.handleClosed(1006, "", T0);
    session.sendControl(hex("01"));
    expect(drainEvents(session)).toEqual([]);
    expect(session.pollFrame()).toBeUndefined();
    session.close();
    expect(session.pollClose()).toBeUndefined();
  });
});

describe("ordering (PROTOCOL.md section 4)", () => {
  const beforeWelcome: Record<string, Uint8Array> = {
    "control bytes": emitWrapFrame({ channel: "control", bytes: hex("00 9C") }),
    "a GRE packet": emitWrapFrame({ channel: "gre", packet: hex("20 81 88 0B 00 00 00 2A 00 00 00 05") }),
    "a probe": relayFrame({ type: "probe", id: 1, sentAt: 2 }),
    "a probe-reply": relayFrame({ type: "probe-reply", id: 1, sentAt: 2 }),
    "a goaway": relayFrame({ type: "goaway", reconnectAfterMs: 0 }),
    "a hello": relayFrame({ type: "hello", server: "x.example", token: "" }),
  };

  it.each(Object.entries(beforeWelcome))(
    "%s before welcome is a protocol error (close 1002)",
    (_what, frame) => {
      const session = startedSession();
      session.handleFrame(frame, T0);
      expect(drainEvents(session)).toMatchObject([{ type: "closed", error: { code: "PROTOCOL_ERROR" } }]);
      expect(session.pollClose()).toEqual({ kind: "close", status: 1002, reason: "protocol error" });
    },
  );

  it.each([
    ["a second welcome", welcomeFrame],
    ["a hello from the relay", relayFrame({ type: "hello", server: "x.example", token: "" })],
    ["an empty message", new Uint8Array()],
    ["an empty control frame", hex("01")],
    ["a truncated welcome", hex("03 02 04 CB 00")],
    ["an oversized GRE frame", new Uint8Array(WRAP_MAX_GRE_PACKET + 2).fill(2)],
  ])("%s after welcome is a protocol error naming the relay session", (_what, frame) => {
    const session = openSession();
    session.handleFrame(frame, T0 + 1);
    expect(drainEvents(session)).toMatchObject([
      { type: "closed", error: { code: "PROTOCOL_ERROR", detail: { relaySessionId: SESSION_ID } } },
    ]);
    expect(session.pollClose()).toMatchObject({ kind: "close", status: 1002 });
  });

  it("a text message is a protocol error", () => {
    const session = openSession();
    session.handleTextMessage(T0);
    expect(drainEvents(session)).toMatchObject([{ type: "closed", error: { code: "PROTOCOL_ERROR" } }]);
  });

  it("ignores unknown channels and message types, before and after welcome", () => {
    const session = startedSession();
    session.handleFrame(hex("09 01 02"), T0);
    session.handleFrame(hex("03 7F AA BB"), T0);
    expect(drainEvents(session)).toEqual([]);
    session.handleFrame(welcomeFrame, T0);
    session.handleFrame(hex("09"), T0);
    session.handleFrame(hex("03 7F"), T0);
    expect(drainEvents(session).map((e) => e.type)).toEqual(["welcome"]);
    expect(session.stats.unknownIgnored).toBe(4);
    expect(session.state).toBe("open");
  });
});

describe("the two PPTP channels", () => {
  it("delivers control bytes and GRE packets from the relay", () => {
    const session = openSession();
    session.handleFrame(hex("01 00 9C 00 01 1A 2B 3C 4D"), T0);
    session.handleFrame(hex("02 20 81 88 0B 00 00 00 2A 00 00 00 05"), T0);
    expect(drainEvents(session)).toEqual([
      { type: "control", bytes: hex("00 9C 00 01 1A 2B 3C 4D") },
      { type: "gre", packet: hex("20 81 88 0B 00 00 00 2A 00 00 00 05") },
    ]);
  });

  it("splits control bytes into frames of at most 4096 bytes, in order", () => {
    const session = openSession();
    const bytes = Uint8Array.from({ length: WRAP_MAX_CONTROL_CHUNK + 904 }, (_, i) => i & 0xff);
    session.sendControl(bytes);
    const frames = drainFrames(session);
    expect(frames.map((f) => f.channel)).toEqual(["control", "control"]);
    const joined = Buffer.concat(frames.map((f) => (f.channel === "control" ? f.bytes : new Uint8Array())));
    expect(new Uint8Array(joined)).toEqual(bytes);
  });

  it("frames GRE packets up to 1600 bytes and drops (and counts) what a frame cannot carry", () => {
    const session = openSession();
    expect(session.sendGre(new Uint8Array(WRAP_MAX_GRE_PACKET).fill(7))).toBe(true);
    expect(session.sendGre(new Uint8Array(WRAP_MAX_GRE_PACKET + 1))).toBe(false);
    expect(session.sendGre(new Uint8Array())).toBe(false);
    const frames = drainFrames(session);
    expect(frames).toEqual([{ channel: "gre", packet: new Uint8Array(WRAP_MAX_GRE_PACKET).fill(7) }]);
    expect(session.stats.greDroppedTooLarge).toBe(2);
  });

  it("sends nothing for the session before welcome", () => {
    const session = startedSession();
    session.sendControl(hex("01 02"));
    expect(session.sendGre(hex("30 01"))).toBe(false);
    expect(session.pollFrame()).toBeUndefined();
  });

  it("reports goaway and keeps forwarding during the drain", () => {
    const session = openSession();
    session.handleFrame(hex("03 04 00 00 75 30"), T0);
    session.handleFrame(hex("01 AA"), T0);
    expect(drainEvents(session)).toEqual([
      { type: "goaway", reconnectAfterMs: 30_000 },
      { type: "control", bytes: hex("AA") },
    ]);
  });
});

describe("probes", () => {
  it("answers the relay's probes at once with the same id and sentAt", () => {
    const session = openSession();
    session.handleFrame(hex("03 05 00 00 00 01 07 5B CD 15"), T0 + 10);
    expect(session.pollFrame()).toEqual(hex("03 06 00 00 00 01 07 5B CD 15"));
  });

  it("answers at most 10 probes per second", () => {
    const session = openSession();
    for (let id = 0; id < 12; id++)
      session.handleFrame(relayFrame({ type: "probe", id, sentAt: 0 }), T0 + 100);
    expect(drainFrames(session)).toHaveLength(10);
    expect(session.stats.probesIgnored).toBe(2);
    session.handleFrame(relayFrame({ type: "probe", id: 99, sentAt: 0 }), T0 + 1100);
    expect(relayMessages(drainFrames(session))).toEqual([{ type: "probe-reply", id: 99, sentAt: 0 }]);
  });

  it("probes every 5 s after welcome and reports the round trip of each reply", () => {
    const session = openSession();
    for (let round = 1; round <= 5; round++) {
      const sentAt = T0 + round * PROBE_INTERVAL_MS;
      expect(session.nextTimeout()).toBe(sentAt);
      session.handleTimeout(sentAt);
      const [probe] = relayMessages(drainFrames(session));
      expect(probe).toEqual({ type: "probe", id: round, sentAt });
      session.handleFrame(relayFrame({ type: "probe-reply", id: round, sentAt }), sentAt + 40);
      expect(drainEvents(session)).toEqual([{ type: "rtt", rttMs: 40 }]);
    }
    expect(session.state).toBe("open");
  });

  it("declares the relay lost after 3 unanswered probes (15 s) and drops the connection", () => {
    const session = openSession();
    for (let round = 1; round <= 3; round++) {
      session.handleTimeout(T0 + round * PROBE_INTERVAL_MS);
      expect(relayMessages(drainFrames(session))).toMatchObject([{ type: "probe", id: round }]);
    }
    expect(drainEvents(session)).toEqual([]);
    session.handleTimeout(T0 + 4 * PROBE_INTERVAL_MS);
    expect(drainEvents(session)).toMatchObject([
      { type: "closed", error: { code: "RELAY_CONNECTION_LOST" } },
    ]);
    expect(session.pollClose()).toEqual({ kind: "abort" });
    expect(session.pollFrame()).toBeUndefined();
  });

  it("a late reply to an earlier probe still shows the relay alive", () => {
    const session = openSession();
    session.handleTimeout(T0 + 5_000);
    session.handleTimeout(T0 + 10_000);
    session.handleTimeout(T0 + 15_000);
    session.handleFrame(relayFrame({ type: "probe-reply", id: 1, sentAt: T0 + 5_000 }), T0 + 16_000);
    session.handleTimeout(T0 + 20_000);
    expect(drainEvents(session)).toEqual([{ type: "rtt", rttMs: 11_000 }]);
    expect(session.state).toBe("open");
  });

  it("ignores replies to probes it never sent", () => {
    const session = openSession();
    session.handleTimeout(T0 + 5_000);
    session.handleFrame(relayFrame({ type: "probe-reply", id: 2, sentAt: 0 }), T0 + 5_001);
    session.handleFrame(relayFrame({ type: "probe-reply", id: 0, sentAt: 0 }), T0 + 5_001);
    expect(drainEvents(session)).toEqual([]);
    expect(session.stats.probesIgnored).toBe(2);
  });

  it("an early timeout does nothing", () => {
    const session = openSession();
    session.handleTimeout(T0 + 1);
    expect(session.pollFrame()).toBeUndefined();
    expect(session.nextTimeout()).toBe(T0 + PROBE_INTERVAL_MS);
  });
});
