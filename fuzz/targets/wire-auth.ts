/**
 * Authentication packets: CHAP (RFC 1994) with the MS-CHAPv2 Response value, Success and Failure texts (RFC 2759),
 * and PAP (RFC 1334). Whatever parses must re-emit without throwing.
 */
import {
  emitChapPacket,
  emitMsChapV2Failure,
  emitMsChapV2ResponseValue,
  emitMsChapV2Success,
  parseChapPacket,
  parseMsChapV2Failure,
  parseMsChapV2ResponseValue,
  parseMsChapV2Success,
} from "../../packages/pptp-client/dist/wire/chap.js";
import { emitPapPacket, parsePapPacket } from "../../packages/pptp-client/dist/wire/pap.js";

export const maxLen = 600;
export const packages = ["pptp-client"];
export const dictionary = [
  "S=",
  "E=691",
  "E=648",
  " R=1",
  " R=0",
  " C=",
  " V=3",
  " M=",
  "0123456789ABCDEF",
].map((t) => new TextEncoder().encode(t));

export function fuzz(data: Uint8Array): void {
  const chap = parseChapPacket(data);
  if (chap.ok) {
    const packet = chap.value;
    emitChapPacket(packet);
    if ("value" in packet) {
      const response = parseMsChapV2ResponseValue(packet.value);
      if (response.ok) emitMsChapV2ResponseValue(response.value);
    } else {
      const success = parseMsChapV2Success(packet.message);
      if (success.ok) emitMsChapV2Success(success.value);
      const failure = parseMsChapV2Failure(packet.message);
      if (failure.ok) emitMsChapV2Failure(failure.value);
    }
  }
  const pap = parsePapPacket(data);
  if (pap.ok) emitPapPacket(pap.value);
}
