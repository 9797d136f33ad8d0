import type { GreLink } from "../gre/gre-link.js";
import type { MppeDecrypter, MppeDecryptResult } from "../mppe/mppe-decrypter.js";
import type { MppeEncrypter } from "../mppe/mppe-encrypter.js";
import { MPPE_HEADER_LENGTH } from "../mppe/mppe-mode.js";
import { GRE_MAX_HEADER_LENGTH } from "../wire/gre.js";
import { PPP_PROTOCOL, parsePppFrame, pppHeaderLength, writePppHeader } from "../wire/ppp-frame.js";

/** Why an incoming frame did not become a PPP packet: framing, policy, or what the decrypter said. */
export type FrameDropReason =
  | "malformed-ppp"
  | "mppe-not-negotiated"
  | "unencrypted-data"
  | Extract<MppeDecryptResult, { ok: false }>["reason"];

export type OpenedFrame =
  | { readonly ok: true; readonly protocol: number; readonly info: Uint8Array }
  | { readonly ok: false; readonly reason: FrameDropReason };

const FULL_HEADER = { acfc: false, pfc: false } as const;
/** The protocol field inside an MPPE payload is always sent uncompressed (as Linux's ppp_mppe does). */
const INNER_PROTOCOL_LENGTH = 2;

/**
 * Moves PPP packets in and out of GRE for one call: PPP header (with the negotiated ACFC/PFC), MPPE when it runs,
 * GRE sequencing. The client session and the test server share it, so both ends frame packets identically.
 */
export class PppFramer {
  private txFraming: { acfc: boolean; pfc: boolean } = FULL_HEADER;
  private encrypter: MppeEncrypter | undefined;
  private decrypter: MppeDecrypter | undefined;

  constructor(private readonly gre: GreLink) {}

  /** Header compression the peer agreed to receive (LCP ACFC/PFC). */
  setTxFraming(acfc: boolean, pfc: boolean): void {
    this.txFraming = { acfc, pfc };
  }

  startMppe(encrypter: MppeEncrypter, decrypter: MppeDecrypter): void {
    this.encrypter = encrypter;
    this.decrypter = decrypter;
  }

  /** The peer asked us (CCP Reset-Request) to re-synchronise our stateful encryption. */
  resetEncrypter(): void {
    this.encrypter?.reset();
  }

  /** True if stateful MPPE discarded packets for lack of sync since the last call: CCP must ask for a reset. */
  takeDecryptFailure(): boolean {
    return this.decrypter?.takeSyncLoss() ?? false;
  }

  /**
   * One PPP packet as a GRE packet. Once MPPE runs, network-layer data (protocols 0x0021..0x00FA) is encrypted and
   * control protocols travel in the clear, exactly as Linux's ppp_mppe decides. LCP always carries the full header
   * (RFC 1661 sections 6.5, 6.6).
   */
  seal(protocol: number, info: Uint8Array, now: number): Uint8Array {
    const encrypter = protocol >= 0x0021 && protocol <= 0x00fa ? this.encrypter : undefined;
    const framing = protocol === PPP_PROTOCOL.LCP ? FULL_HEADER : this.txFraming;
    const outer = encrypter === undefined ? protocol : PPP_PROTOCOL.MPPE;
    const headerLength = pppHeaderLength(outer, framing);
    const innerLength = encrypter === undefined ? 0 : MPPE_HEADER_LENGTH + INNER_PROTOCOL_LENGTH;
    const payloadLength = headerLength + innerLength + info.length;
    // Every byte of the returned packet is written below, so the buffer needs no zero-filling; the room left in
    // front of a short GRE header lies outside the returned view.
    const buf = Buffer.allocUnsafe(GRE_MAX_HEADER_LENGTH + payloadLength);
    const off = GRE_MAX_HEADER_LENGTH + writePppHeader(buf, GRE_MAX_HEADER_LENGTH, outer, framing);
    if (encrypter === undefined) buf.set(info, off);
    else encrypter.encrypt(protocol, info, buf, off);
    return this.gre.seal(buf, GRE_MAX_HEADER_LENGTH, payloadLength, now);
  }

  /** One in-order GRE payload to a PPP packet (decrypted in place; `info` is a view, not a copy). */
  open(payload: Uint8Array): OpenedFrame {
    const frame = parsePppFrame(payload);
    if (!frame.ok) return { ok: false, reason: "malformed-ppp" };
    const { protocol, infoOffset } = frame.value;
    if (protocol !== PPP_PROTOCOL.MPPE) {
      // Once MPPE runs, network-layer data in the clear could only be injected: drop it. Control protocols may race
      // the peer's own switch to encryption, and LCP is never encrypted anyway, so they pass.
      if (this.decrypter !== undefined && protocol < 0x4000) return { ok: false, reason: "unencrypted-data" };
      return { ok: true, protocol, info: payload.subarray(infoOffset) };
    }
    if (this.decrypter === undefined) return { ok: false, reason: "mppe-not-negotiated" };
    const result = this.decrypter.decryptInPlace(payload, infoOffset, payload.length - infoOffset);
    if (!result.ok) return result;
    // Linux's decompressor accepts a PFC-compressed inner protocol (odd first byte), so we do too.
    const inner = infoOffset + MPPE_HEADER_LENGTH;
    if (inner >= payload.length) return { ok: false, reason: "too-short" };
    const first = payload[inner]!;
    if (first & 1) return { ok: true, protocol: first, info: payload.subarray(inner + 1) };
    if (inner + 2 > payload.length) return { ok: false, reason: "too-short" };
    return { ok: true, protocol: (first << 8) | payload[inner + 1]!, info: payload.subarray(inner + 2) };
  }
}
