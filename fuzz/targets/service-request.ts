/**
 * The service's local API from an untrusted client: the byte stream split into lines (LineReader, fed in chunks
 * the first byte chooses), and each line through parseRequest (and the client-side parseServiceLine). Oracles:
 * nothing throws; the reader never buffers past its limit; an accepted request re-encodes and parses the same.
 */
import { isDeepStrictEqual } from "node:util";
import { encodeRequest, parseRequest, parseServiceLine } from "../../packages/service/dist/api/codec.js";
import { LineReader } from "../../packages/service/dist/api/line-reader.js";
import { check } from "../lib/target.js";

export const maxLen = 4096;
export const packages = ["service"];
export const dictionary = [
  '{"id":1,"method":"hello","version":1}\n',
  '{"id":2,"method":"connect","profileId":"work","secrets":{"password":"pw","relayToken":"t"}}\n',
  '{"id":3,"method":"status"}\n',
  '{"id":4,"method":"list-profiles"}\n',
  '{"id":5,"method":"disconnect"}\n',
  '{"id":6,"method":"diagnose","profileId":"work"}\n',
  '{"id":7,"method":"subscribe"}\n',
  '"method"',
  '"profileId"',
  '"secrets"',
  '"password"',
  '"relayToken"',
  '"result"',
  '"error"',
  '"event"',
  "9007199254740993",
  "-1",
  "1e400",
  '"__proto__"',
].map((t) => new TextEncoder().encode(t));

const LIMIT = 512;

export function fuzz(data: Uint8Array): void {
  if (data.length === 0) return;
  const reader = new LineReader(LIMIT);
  const step = 1 + (data[0]! % 64);
  const stream = data.subarray(1);
  for (let off = 0; off < stream.length; off += step) {
    const chunk = reader.push(stream.subarray(off, off + step));
    for (const line of chunk.lines) {
      check(Buffer.byteLength(line) <= LIMIT * 3, "a line longer than the reader's limit came out");
      parseServiceLine(line);
      const parsed = parseRequest(line);
      if (parsed.ok) {
        const again = parseRequest(encodeRequest(parsed.request));
        check(
          again.ok && isDeepStrictEqual(again.request, parsed.request),
          `${parsed.request.method} does not survive encode + parse`,
        );
      }
    }
    if (!chunk.ok) break;
  }
  // The whole input as one line too (the fuzzer's bytes rarely hold a newline where JSON needs it).
  const line = new TextDecoder().decode(stream);
  parseServiceLine(line);
  parseRequest(line);
}
