/**
 * The sending half of MPPE, matching mppe_compress() in Linux's ppp_mppe.c: the coherency count starts one
 * below 0 so the first packet carries count 0; stateless mode re-keys before every packet (the first one
 * included), stateful mode re-keys on "flag" packets (count low byte 0xFF) and on the packet after a CCP
 * Reset-Request. Bit A marks every re-keyed packet; bit D is always set.
 */
import { COHERENCY_COUNT_MASK, MPPE_BIT_ENCRYPTED, MPPE_BIT_FLUSHED } from "./mppe-header.js";
import { MPPE_HEADER_LENGTH, type MppeMode } from "./mppe-mode.js";
import { MppeSessionKey } from "./mppe-session-key.js";

export class MppeEncrypter {
  private readonly key: MppeSessionKey;
  private readonly stateless: boolean;
  private count = COHERENCY_COUNT_MASK;
  private resetPending = false;

  constructor(startKey: Uint8Array /* 16 bytes; the first 8 are used for 40/56-bit */, mode: MppeMode) {
    this.key = new MppeSessionKey(startKey, mode.strength);
    this.stateless = mode.stateless;
  }

  /**
   * Writes one MPPE packet at out[off]: the 2-byte header, then the encryption of the inner PPP protocol field
   * (2 bytes) and the payload, 4 + payload.length bytes in all. Reading the payload straight into the output touches
   * each byte once, which is what keeps this near RC4's own speed; the payload itself is left as it was.
   */
  encrypt(protocol: number, payload: Uint8Array, out: Uint8Array, off: number): void {
    const count = (this.count + 1) & COHERENCY_COUNT_MASK;
    this.count = count;
    let flags = MPPE_BIT_ENCRYPTED;
    if (this.stateless || (count & 0xff) === 0xff || this.resetPending) {
      this.key.rekey();
      this.resetPending = false;
      flags |= MPPE_BIT_FLUSHED;
    }
    out[off] = flags | (count >>> 8);
    out[off + 1] = count;
    const body = off + MPPE_HEADER_LENGTH;
    out[body] = protocol >>> 8;
    out[body + 1] = protocol;
    const rc4 = this.key.rc4;
    rc4.process(out, body, 2, out, body);
    rc4.process(payload, 0, payload.length, out, body + 2);
  }

  /**
   * The peer sent a CCP Reset-Request (stateful mode): the next packet re-keys and carries the flushed bit.
   * Several requests before that packet still mean one re-key, as in Linux: the peer cannot count them.
   */
  reset(): void {
    this.resetPending = true;
  }
}
