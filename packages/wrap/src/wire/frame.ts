/**
 * Wrap frames: each binary WebSocket message is one frame, a channel tag byte and its payload
 * (PROTOCOL.md section 5).
 *
 *   tag 0x01  control   a chunk of the TCP 1723 byte stream (boundaries mean nothing)
 *   tag 0x02  gre       exactly one GRE packet, starting at its GRE header (no IP header)
 *   tag 0x03  relay     one relay message (relay-messages.ts)
 *
 * Parsed payloads are views into the input, not copies.
 */

import { malformed, type ParseResult, parsed } from "@ferry/pptp-client/wire";
import { emitRelayMessage, parseRelayMessage, type RelayMessage } from "./relay-messages.js";

export const WRAP_CHANNEL_TAG = { control: 0x01, gre: 0x02, relay: 0x03 } as const;

/** The tag byte before every payload: a sender can reserve it in front of a packet and write it in place. */
export const WRAP_FRAME_HEADER_LENGTH = 1;
/** Control chunks are small: PPTP control messages are at most a few hundred bytes. */
export const WRAP_MAX_CONTROL_CHUNK = 4096;
/** A GRE header (16) and PPP (up to 8) around a 1500-byte MRU fit with room to spare. */
export const WRAP_MAX_GRE_PACKET = 1600;
export const WRAP_MAX_RELAY_MESSAGE = 2048;
/** The largest WebSocket message either side accepts (a WebSocket library's max payload setting). */
export const WRAP_MAX_FRAME_LENGTH =
  WRAP_FRAME_HEADER_LENGTH + Math.max(WRAP_MAX_CONTROL_CHUNK, WRAP_MAX_GRE_PACKET, WRAP_MAX_RELAY_MESSAGE);

export type WrapFrame =
  | { readonly channel: "control"; readonly bytes: Uint8Array }
  | { readonly channel: "gre"; readonly packet: Uint8Array }
  | { readonly channel: "relay"; readonly message: RelayMessage }
  /** A channel this version does not know, from a newer peer: ignore it. */
  | { readonly channel: "unknown"; readonly tag: number; readonly payload: Uint8Array };

const PAYLOAD_LIMIT: Readonly<Record<number, number>> = {
  [WRAP_CHANNEL_TAG.control]: WRAP_MAX_CONTROL_CHUNK,
  [WRAP_CHANNEL_TAG.gre]: WRAP_MAX_GRE_PACKET,
  [WRAP_CHANNEL_TAG.relay]: WRAP_MAX_RELAY_MESSAGE,
};

/**
 * True when `bytes` is longer than its channel allows (or than any frame may be): the relay answers this
 * with RELAY_FRAME_TOO_LARGE rather than the RELAY_PROTOCOL_ERROR other malformed frames get.
 */
export function wrapFrameTooLarge(bytes: Uint8Array): boolean {
  if (bytes.length > WRAP_MAX_FRAME_LENGTH) return true;
  const limit = bytes.length === 0 ? undefined : PAYLOAD_LIMIT[bytes[0]!];
  return limit !== undefined && bytes.length - WRAP_FRAME_HEADER_LENGTH > limit;
}

export function parseWrapFrame(bytes: Uint8Array): ParseResult<WrapFrame> {
  if (bytes.length === 0) return malformed("wrap frame is empty");
  if (wrapFrameTooLarge(bytes))
    return malformed(`wrap frame of ${bytes.length} bytes exceeds its channel's limit`);
  const tag = bytes[0]!;
  const payload = bytes.subarray(WRAP_FRAME_HEADER_LENGTH);
  switch (tag) {
    case WRAP_CHANNEL_TAG.control:
      if (payload.length === 0) return malformed("control frame carries no bytes");
      return parsed({ channel: "control", bytes: payload });
    case WRAP_CHANNEL_TAG.gre:
      if (payload.length === 0) return malformed("GRE frame carries no packet");
      return parsed({ channel: "gre", packet: payload });
    case WRAP_CHANNEL_TAG.relay: {
      const message = parseRelayMessage(payload);
      return message.ok ? parsed({ channel: "relay", message: message.value }) : message;
    }
    default:
      return parsed({ channel: "unknown", tag, payload });
  }
}

/**
 * The WebSocket message for `frame`. Throws RangeError when the payload is empty or over its channel's limit
 * (split control bytes with `emitControlFrames`; drop GRE packets over WRAP_MAX_GRE_PACKET before sending).
 */
export function emitWrapFrame(frame: WrapFrame): Uint8Array {
  switch (frame.channel) {
    case "control":
      return framed(WRAP_CHANNEL_TAG.control, frame.bytes);
    case "gre":
      return framed(WRAP_CHANNEL_TAG.gre, frame.packet);
    case "relay":
      return framed(WRAP_CHANNEL_TAG.relay, emitRelayMessage(frame.message));
    case "unknown":
      if (!Number.isInteger(frame.tag) || frame.tag < 0 || frame.tag > 0xff || frame.tag in PAYLOAD_LIMIT)
        throw new RangeError(`unknown channel tag must be an unassigned byte: ${frame.tag}`);
      return framed(frame.tag, frame.payload);
  }
}

/** Control bytes as as many frames as the chunk limit needs (none for no bytes). */
export function emitControlFrames(bytes: Uint8Array): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (let off = 0; off < bytes.length; off += WRAP_MAX_CONTROL_CHUNK)
    frames.push(framed(WRAP_CHANNEL_TAG.control, bytes.subarray(off, off + WRAP_MAX_CONTROL_CHUNK)));
  return frames;
}

function framed(tag: number, payload: Uint8Array): Uint8Array {
  // Unknown channels may be empty; known ones always carry something.
  const limit = PAYLOAD_LIMIT[tag] ?? WRAP_MAX_FRAME_LENGTH - WRAP_FRAME_HEADER_LENGTH;
  if (payload.length > limit || (payload.length === 0 && tag in PAYLOAD_LIMIT))
    throw new RangeError(
      `wrap frame payload of ${payload.length} bytes is empty or over its channel's limit`,
    );
  const out = new Uint8Array(WRAP_FRAME_HEADER_LENGTH + payload.length);
  out[0] = tag;
  out.set(payload, WRAP_FRAME_HEADER_LENGTH);
  return out;
}
