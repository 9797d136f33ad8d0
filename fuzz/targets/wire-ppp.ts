/**
 * PPP frames and the control-protocol layer (RFC 1661): the frame header (address/control, compressed protocol),
 * LCP/IPCP/CCP packets and their options. The first byte chooses the parser; options must re-emit to the same bytes.
 */
import {
  emitCpOptions,
  emitCpPacket,
  parseCpOptions,
  parseCpPacket,
} from "../../packages/pptp-client/dist/wire/ppp-cp.js";
import { parsePppFrame } from "../../packages/pptp-client/dist/wire/ppp-frame.js";
import { check } from "../lib/target.js";

export const maxLen = 1600;
export const packages = ["pptp-client"];

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

export function fuzz(data: Uint8Array): void {
  const frame = parsePppFrame(data);
  if (frame.ok) check(frame.value.infoOffset <= data.length, "PPP info offset past the frame");
  const body = frame.ok ? data.subarray(frame.value.infoOffset) : data;
  const packet = parseCpPacket(body);
  if (!packet.ok) return;
  const { code, identifier, data: payload } = packet.value;
  check(
    sameBytes(emitCpPacket(code, identifier, payload), body.subarray(0, 4 + payload.length)),
    "CP packet does not re-emit",
  );
  const options = parseCpOptions(payload);
  if (options.ok)
    check(sameBytes(emitCpOptions(options.value), payload), "CP options do not re-emit to the same bytes");
}
