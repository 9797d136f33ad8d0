/**
 * Splits a byte stream into newline-terminated lines, with a limit per line so a client cannot make the service
 * buffer without end. Sans-IO: bytes in, lines out.
 */

/** The longest request line the service reads (a connect with long secrets fits many times over). */
export const MAX_LINE_BYTES = 64 * 1024;

export type LineChunk =
  | { readonly ok: true; readonly lines: readonly string[] }
  /** A line grew past the limit; the reader is spent (framing is lost) and the lines before it are still given. */
  | { readonly ok: false; readonly lines: readonly string[] };

export class LineReader {
  private parts: Buffer[] = [];
  private pending = 0;
  private spent = false;

  constructor(private readonly maxLineBytes: number = MAX_LINE_BYTES) {}

  push(chunk: Uint8Array): LineChunk {
    const lines: string[] = [];
    if (this.spent) return { ok: false, lines };
    let bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    for (let newline = bytes.indexOf(0x0a); newline >= 0; newline = bytes.indexOf(0x0a)) {
      if (this.pending + newline > this.maxLineBytes) return this.spend(lines);
      this.parts.push(bytes.subarray(0, newline));
      lines.push(Buffer.concat(this.parts).toString("utf8"));
      this.parts = [];
      this.pending = 0;
      bytes = bytes.subarray(newline + 1);
    }
    if (this.pending + bytes.length > this.maxLineBytes) return this.spend(lines);
    if (bytes.length > 0) {
      // A copy: the caller may reuse its buffer.
      this.parts.push(Buffer.from(bytes));
      this.pending += bytes.length;
    }
    return { ok: true, lines };
  }

  private spend(lines: string[]): LineChunk {
    this.spent = true;
    this.parts = [];
    return { ok: false, lines };
  }
}
