/** The LCP packets the link itself writes or reads, beyond option negotiation: Protocol-Reject and Terminate-Request. */
import { latin1, writeU16 } from "../util/bytes.js";
import { CP_HEADER_LENGTH, CpCode, parseCpPacket } from "../wire/ppp-cp.js";

const TERMINATE_REASON_MAX = 200;

/** The data of a Protocol-Reject of `info`, cut to fit in the peer's MRU (RFC 1661 section 5.7). */
export function protocolRejectData(protocol: number, info: Uint8Array, peerMru: number): Uint8Array {
  const room = Math.max(0, peerMru - CP_HEADER_LENGTH - 2);
  const rejected = info.subarray(0, Math.min(info.length, room));
  const data = new Uint8Array(2 + rejected.length);
  writeU16(data, 0, protocol);
  data.set(rejected, 2);
  return data;
}

/** The printable reason a Terminate-Request gives (for errors); undefined for any other LCP packet. */
export function terminateRequestReason(info: Uint8Array): string | undefined {
  const packet = parseCpPacket(info);
  if (!packet.ok || packet.value.code !== CpCode.TerminateRequest) return undefined;
  return latin1(packet.value.data.subarray(0, TERMINATE_REASON_MAX)).replace(/[^\x20-\x7e]/g, "");
}
