/**
 * Wrap frames (packages/wrap/PROTOCOL.md): the one-byte channel tag and the relay messages inside. What parses
 * must re-emit without throwing and parse again to the same frame (both ends re-emit what they read).
 */
import { isDeepStrictEqual } from "node:util";
import { emitWrapFrame, parseWrapFrame, wrapFrameTooLarge } from "../../packages/wrap/dist/wire/frame.js";
import { emitRelayMessage, parseRelayMessage } from "../../packages/wrap/dist/wire/relay-messages.js";
import { check } from "../lib/target.js";

export const maxLen = 5000;
export const packages = ["wrap"];
export const dictionary = [
  "203.0.113.7",
  "vpn.example.com",
  "::1",
  "2001:db8::1",
  "0123456789abcdef",
  "s3cr3t-t0ken",
].map((t) => new TextEncoder().encode(t));

export function fuzz(data: Uint8Array): void {
  wrapFrameTooLarge(data);
  const frame = parseWrapFrame(data);
  if (frame.ok) {
    const again = parseWrapFrame(emitWrapFrame(frame.value));
    check(
      again.ok && isDeepStrictEqual(again.value, frame.value),
      `${frame.value.channel} frame does not survive emit + parse`,
    );
  }
  // The relay message parser on its own, without the frame's tag and size limit.
  const message = parseRelayMessage(data);
  if (message.ok) {
    const again = parseRelayMessage(emitRelayMessage(message.value));
    check(
      again.ok && isDeepStrictEqual(again.value, message.value),
      `${message.value.type} message does not survive emit + parse`,
    );
  }
}
