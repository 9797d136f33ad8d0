/** A RelaySession with the relay's real token check, allowlist and Call IDs, and helpers to drive it. */
import { concatBytes } from "@ferry/pptp-client/wire";
import { expect } from "vitest";
import { Allowlist } from "../../src/relay/allowlist.js";
import { ServerCallIds } from "../../src/relay/call-id-allocator.js";
import type { PptpTranslator } from "../../src/relay/pptp-translator.js";
import { newRelayCounters, type RelayCounters } from "../../src/relay/relay-counters.js";
import { RelaySession, type RelaySessionOptions } from "../../src/relay/relay-session.js";
import { TokenSet } from "../../src/relay/relay-tokens.js";
import type { RelayAction } from "../../src/relay/session-traffic.js";
import { emitControlFrames, emitWrapFrame, parseWrapFrame } from "../../src/wire/frame.js";
import type { RelayMessage } from "../../src/wire/relay-messages.js";
import { SERVER } from "./relay-fixtures.js";

export const TOKEN = "s3cr3t-t0ken";
export const SESSION_ID = "0123456789abcdef";
export const CLIENT_ADDRESS = "198.51.100.23";

export function tokens(): TokenSet {
  const set = TokenSet.of([TOKEN, "another-token"]);
  if (!set.ok) throw new Error(set.error.message);
  return set.value;
}

export function allowlist(entries: readonly string[] = [SERVER, "vpn.example.com"]): Allowlist {
  const list = Allowlist.parse(entries);
  if (!list.ok) throw new Error(list.error.message);
  return list.value;
}

export interface Harness {
  readonly session: RelaySession;
  readonly callIds: ServerCallIds<PptpTranslator>;
  readonly counters: RelayCounters;
}

export function newSession(options: Partial<RelaySessionOptions> = {}, now = 0): Harness {
  const set = tokens();
  const callIds = options.callIds ?? new ServerCallIds<PptpTranslator>();
  const counters = options.counters ?? newRelayCounters();
  const session = new RelaySession(
    {
      sessionId: SESSION_ID,
      clientCertOk: false,
      authorize: (token, certOk) => set.authorize(token, certOk),
      targets: allowlist(),
      ...options,
      callIds,
      counters,
    },
    now,
  );
  return { session, callIds, counters };
}

export function drain(session: RelaySession): RelayAction[] {
  const actions: RelayAction[] = [];
  for (let a = session.poll(); a !== undefined; a = session.poll()) actions.push(a);
  return actions;
}

export function helloFrame(server = SERVER, token = TOKEN): Uint8Array {
  return relayFrame({ type: "hello", server, token });
}

export function relayFrame(message: RelayMessage): Uint8Array {
  return emitWrapFrame({ channel: "relay", message });
}

/** The relay messages among the frames the session sends the client. */
export function relayMessagesIn(actions: readonly RelayAction[]): RelayMessage[] {
  const out: RelayMessage[] = [];
  for (const action of actions) {
    if (action.type !== "send-client") continue;
    const frame = parseWrapFrame(action.frame);
    if (frame.ok && frame.value.channel === "relay") out.push(frame.value.message);
  }
  return out;
}

/** The control bytes the session sends the client, joined. */
export function controlToClient(actions: readonly RelayAction[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const action of actions) {
    if (action.type !== "send-client") continue;
    const frame = parseWrapFrame(action.frame);
    if (frame.ok && frame.value.channel === "control") parts.push(frame.value.bytes);
  }
  return concatBytes(...parts);
}

export function greToClient(actions: readonly RelayAction[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const action of actions) {
    if (action.type !== "send-client") continue;
    const frame = parseWrapFrame(action.frame);
    if (frame.ok && frame.value.channel === "gre") out.push(frame.value.packet);
  }
  return out;
}

export function controlToServer(actions: readonly RelayAction[]): Uint8Array {
  return concatBytes(...actions.flatMap((a) => (a.type === "send-server" ? [a.bytes] : [])));
}

/** Sends control bytes from the client as frames; returns the actions. */
export function clientControl(session: RelaySession, bytes: Uint8Array, now: number): RelayAction[] {
  for (const frame of emitControlFrames(bytes)) session.handleClientMessage(frame, now);
  return drain(session);
}

/** Hello, resolution, TCP up: the session is welcomed. Returns the welcome's actions. */
export function welcome(session: RelaySession, now = 0, address = SERVER): RelayAction[] {
  session.handleClientMessage(helloFrame(), now);
  expect(drain(session)).toEqual([{ type: "resolve", server: SERVER }]);
  session.resolved(now, address);
  expect(drain(session)).toEqual([{ type: "dial", address }]);
  session.serverConnected(now, CLIENT_ADDRESS, "");
  return drain(session);
}

/** The session ended with relay error `code`: an error frame, a close with 4000 + code, and no other output. */
export function expectRefusal(actions: readonly RelayAction[], code: string, status: number): void {
  const messages = relayMessagesIn(actions);
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({ type: "error", code });
  expect(actions.find((a) => a.type === "close-client")).toEqual({
    type: "close-client",
    status,
    reason: code,
  });
}
