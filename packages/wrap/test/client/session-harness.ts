/** Drives a WrapClientSession with a fake clock and the relay's side of the wire codecs. */
import { WrapClientSession, type WrapSessionEvent } from "../../src/client/wrap-client-session.js";
import { emitWrapFrame, parseWrapFrame, type RelayMessage, type WrapFrame } from "../../src/wire/index.js";

export const SERVER = "vpn.example.com";
export const TOKEN = "s3cr3t";
export const SESSION_ID = "0123456789abcdef";
export const T0 = 1_000_000;

export function relayFrame(message: RelayMessage): Uint8Array {
  return emitWrapFrame({ channel: "relay", message });
}

export const welcomeFrame = relayFrame({
  type: "welcome",
  observedAddress: "203.0.113.7",
  relayAddress: "198.51.100.2",
  sessionId: SESSION_ID,
});

export function drainFrames(session: WrapClientSession): WrapFrame[] {
  const frames: WrapFrame[] = [];
  for (let bytes = session.pollFrame(); bytes !== undefined; bytes = session.pollFrame()) {
    const frame = parseWrapFrame(bytes);
    if (!frame.ok) throw new Error(`session emitted a malformed frame: ${frame.reason}`);
    frames.push(frame.value);
  }
  return frames;
}

export function drainEvents(session: WrapClientSession): WrapSessionEvent[] {
  const events: WrapSessionEvent[] = [];
  for (let event = session.pollEvent(); event !== undefined; event = session.pollEvent()) events.push(event);
  return events;
}

/** A session that sent hello at T0 (frames drained). */
export function startedSession(): WrapClientSession {
  const session = new WrapClientSession(SERVER, TOKEN);
  session.start(T0);
  drainFrames(session);
  return session;
}

/** A session the relay welcomed at T0 (frames and events drained). */
export function openSession(): WrapClientSession {
  const session = startedSession();
  session.handleFrame(welcomeFrame, T0);
  drainEvents(session);
  return session;
}

export function relayMessages(frames: WrapFrame[]): RelayMessage[] {
  return frames.flatMap((frame) => (frame.channel === "relay" ? [frame.message] : []));
}
