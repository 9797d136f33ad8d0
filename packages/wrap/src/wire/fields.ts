/**
 * Bounds-checked big-endian field access for the relay messages. Reads return undefined instead of running past
 * the end, so a parser can never throw on short input; writes collect parts and join them once.
 */

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const utf8Encoder = new TextEncoder();

export function encodeUtf8(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

/** The text of `bytes`, or undefined when they are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

export class FieldReader {
  private offset = 0;
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  u8(): number | undefined {
    if (this.offset + 1 > this.bytes.length) return undefined;
    return this.view.getUint8(this.offset++);
  }

  u16(): number | undefined {
    if (this.offset + 2 > this.bytes.length) return undefined;
    const value = this.view.getUint16(this.offset);
    this.offset += 2;
    return value;
  }

  u32(): number | undefined {
    if (this.offset + 4 > this.bytes.length) return undefined;
    const value = this.view.getUint32(this.offset);
    this.offset += 4;
    return value;
  }

  /** The next `length` bytes as a view into the input (not a copy). */
  take(length: number): Uint8Array | undefined {
    if (this.offset + length > this.bytes.length) return undefined;
    const out = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  /** Whatever follows the fields read so far: a later protocol revision's appended fields, ignored by v1. */
  rest(): Uint8Array {
    return this.bytes.subarray(this.offset);
  }
}

export class FieldWriter {
  private readonly parts: Uint8Array[] = [];
  private length = 0;

  u8(value: number): this {
    return this.bytes(Uint8Array.of(value));
  }

  u16(value: number): this {
    return this.bytes(Uint8Array.of(value >>> 8, value));
  }

  u32(value: number): this {
    return this.bytes(Uint8Array.of(value >>> 24, value >>> 16, value >>> 8, value));
  }

  bytes(part: Uint8Array): this {
    this.parts.push(part);
    this.length += part.length;
    return this;
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const part of this.parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  }
}
