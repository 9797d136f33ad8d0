/**
 * PPTP control messages (RFC 2637 section 2): parse any bytes; whatever parses must re-emit without throwing (the
 * relay re-emits what it parsed after rewriting Call IDs) and parse again to the same message.
 */
import { isDeepStrictEqual } from "node:util";
import {
  decodeControlMessage,
  emitControlMessage,
  parseControlMessage,
} from "../../packages/pptp-client/dist/wire/control-messages.js";
import { check } from "../lib/target.js";

export const maxLen = 512;
export const packages = ["pptp-client"];

export function fuzz(data: Uint8Array): void {
  decodeControlMessage(data);
  const parsed = parseControlMessage(data);
  if (!parsed.ok) return;
  const again = parseControlMessage(emitControlMessage(parsed.value));
  check(again.ok, `re-emitted ${parsed.value.type} does not parse: ${again.ok ? "" : again.reason}`);
  check(isDeepStrictEqual(again.value, parsed.value), `${parsed.value.type} does not survive emit + parse`);
}
