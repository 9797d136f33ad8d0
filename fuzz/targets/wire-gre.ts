/** Enhanced GRE headers (RFC 2637 section 4.1): the parser and the field accessors the data path uses. */
import {
  greAck,
  greCallId,
  greHasAck,
  greHasSeq,
  greHeaderLengthOf,
  greHeaderProblem,
  grePayloadLength,
  greSeq,
  parseGreHeader,
  writeGreHeaderBefore,
} from "../../packages/pptp-client/dist/wire/gre.js";
import { check } from "../lib/target.js";

export const maxLen = 1700;
export const packages = ["pptp-client"];

export function fuzz(data: Uint8Array): void {
  const problem = greHeaderProblem(data);
  const parsed = parseGreHeader(data);
  check(parsed.ok === (problem === undefined), "parseGreHeader and greHeaderProblem disagree");
  if (!parsed.ok) return;
  const h = parsed.value;
  check(h.headerLength === greHeaderLengthOf(data) && h.callId === greCallId(data), "accessors disagree");
  check(h.payloadLength === grePayloadLength(data), "payload length accessor disagrees");
  check(h.headerLength + h.payloadLength <= data.length, "the payload runs past the packet");
  if (greHasSeq(data)) check(h.seq === greSeq(data), "seq accessor disagrees");
  if (greHasAck(data)) check(h.ack === greAck(data), "ack accessor disagrees");
  // Re-emit in front of the same payload: the header must come back the same.
  const buf = new Uint8Array(16 + h.payloadLength);
  buf.set(data.subarray(h.headerLength, h.headerLength + h.payloadLength), 16);
  const start = writeGreHeaderBefore(buf, 16, h);
  const again = parseGreHeader(buf.subarray(start));
  check(
    again.ok && again.value.callId === h.callId && again.value.seq === h.seq && again.value.ack === h.ack,
    "GRE header does not survive emit + parse",
  );
}
