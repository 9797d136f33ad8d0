/**
 * Cuts the TCP 1723 byte stream into control messages. TCP splits and coalesces freely, so bytes are buffered
 * until a whole message (as long as its Length field says) is there. A Length outside what any message can have,
 * or a Magic Cookie that is not there, means we no longer know where messages start: RFC 2637 section 1.4 says
 * the connection must then be closed, so the reader fails for good.
 */
import { concatBytes, readU16, readU32 } from "../util/bytes.js";
import {
  CONTROL_HEADER_LENGTH,
  type ControlMessage,
  decodeControlMessage,
  MAX_CONTROL_MESSAGE_LENGTH,
  PPTP_CONTROL_MESSAGE,
  PPTP_MAGIC_COOKIE,
} from "./control-messages.js";
import { malformed, type ParseResult, parsed } from "./parse-result.js";

/** One framed message; `bytes` is the message exactly as it arrived (a view), for those who forward it on. */
export type ControlFrame =
  | {
      readonly kind: "message";
      readonly message: ControlMessage;
      readonly reservedNonZero: boolean;
      readonly bytes: Uint8Array;
    }
  /** A well-framed message we cannot use (PPTP Message Type 2 "management", unknown type, wrong length): skip it. */
  | { readonly kind: "ignored"; readonly reason: string; readonly bytes: Uint8Array };

/** Enough for many coalesced messages; a reader that is drained after every push never holds more than 219. */
const DEFAULT_MAX_BUFFERED_BYTES = 16 * 1024;

export class ControlStreamReader {
  private buffer: Uint8Array = new Uint8Array(0);
  private start = 0;
  private failure: ParseResult<never> | undefined;

  constructor(private readonly maxBufferedBytes = DEFAULT_MAX_BUFFERED_BYTES) {}

  /** Bytes received but not yet returned as frames. */
  get bufferedBytes(): number {
    return this.buffer.length - this.start;
  }

  /** Appends (copies) received bytes. Drain with `next()` after each push: unread bytes are capped. */
  push(bytes: Uint8Array): void {
    if (this.failure !== undefined || bytes.length === 0) return;
    const unread = this.buffer.subarray(this.start);
    if (unread.length + bytes.length > this.maxBufferedBytes) {
      this.fail(`more than ${this.maxBufferedBytes} octets of control data arrived without being read`);
      return;
    }
    this.buffer = concatBytes(unread, bytes);
    this.start = 0;
  }

  /** The next whole frame, `undefined` when more bytes are needed, or (forever after) the framing failure. */
  next(): ParseResult<ControlFrame> | undefined {
    if (this.failure !== undefined) return this.failure;
    const available = this.bufferedBytes;
    if (available < 2) return undefined;
    const length = readU16(this.buffer, this.start);
    if (length < CONTROL_HEADER_LENGTH || length > MAX_CONTROL_MESSAGE_LENGTH) {
      return this.fail(
        `a message claims ${length} octets, outside ${CONTROL_HEADER_LENGTH}..${MAX_CONTROL_MESSAGE_LENGTH}`,
      );
    }
    // Check the cookie as soon as it is here rather than after the whole message: the verdict is the same either way.
    if (available >= 8) {
      const cookie = readU32(this.buffer, this.start + 4);
      if (cookie !== PPTP_MAGIC_COOKIE) {
        return this.fail(`bad Magic Cookie 0x${cookie.toString(16).padStart(8, "0")}`);
      }
    }
    if (available < length) return undefined;
    const frame = this.buffer.subarray(this.start, this.start + length);
    this.start += length;
    if (this.start === this.buffer.length) {
      this.buffer = new Uint8Array(0);
      this.start = 0;
    }
    return parsed(classify(frame));
  }

  private fail(reason: string): ParseResult<never> {
    this.failure = malformed(`control stream lost sync: ${reason}`);
    this.buffer = new Uint8Array(0);
    this.start = 0;
    return this.failure;
  }
}

function classify(frame: Uint8Array): ControlFrame {
  const messageType = readU16(frame, 2);
  if (messageType !== PPTP_CONTROL_MESSAGE) {
    return {
      kind: "ignored",
      reason: `PPTP Message Type ${messageType} (not a control message)`,
      bytes: frame,
    };
  }
  const decoded = decodeControlMessage(frame);
  if (!decoded.ok) return { kind: "ignored", reason: decoded.reason, bytes: frame };
  return {
    kind: "message",
    message: decoded.value.message,
    reservedNonZero: decoded.value.reservedNonZero,
    bytes: frame,
  };
}
