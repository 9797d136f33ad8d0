/**
 * The receiving half of MPPE, following mppe_decompress() in Linux's ppp_mppe.c.
 *
 * Stateless mode re-keys once per step of the coherency count, so lost packets cost one re-key each and the
 * next packet decrypts. Stateful mode keeps one RC4 stream: after a gap it discards everything until a packet
 * with the flushed bit (A) arrives, asks once for a CCP Reset-Request, then re-keys for every flag packet it
 * missed plus once for the flushed packet itself.
 *
 * One deliberate difference from Linux: a packet whose count is at most LATE_WINDOW behind the last one
 * accepted is "late" (reordered or duplicated) and dropped without touching the key state. Linux re-keys
 * all the way round the count space for it in stateless mode, and loses sync over it in stateful mode.
 * Also unlike Linux, a stateless packet without bit A is decrypted by its count rather than refused: every
 * real peer sets the bit, and the count alone decides the key.
 */
import {
  COHERENCY_COUNT_MASK,
  countStepsAhead,
  MPPE_BIT_COMPRESSED,
  MPPE_BIT_ENCRYPTED,
  MPPE_BIT_FLUSHED,
} from "./mppe-header.js";
import { MPPE_HEADER_LENGTH, type MppeMode } from "./mppe-mode.js";
import { MppeSessionKey } from "./mppe-session-key.js";

export type MppeDecryptResult =
  | { ok: true }
  | { ok: false; reason: "too-short" | "not-encrypted" | "compressed" | "late" | "awaiting-flush" };

// Shared results: the data path allocates nothing per packet.
const OK: MppeDecryptResult = Object.freeze({ ok: true });
const TOO_SHORT: MppeDecryptResult = Object.freeze({ ok: false, reason: "too-short" });
const NOT_ENCRYPTED: MppeDecryptResult = Object.freeze({ ok: false, reason: "not-encrypted" });
const COMPRESSED: MppeDecryptResult = Object.freeze({ ok: false, reason: "compressed" });
const LATE: MppeDecryptResult = Object.freeze({ ok: false, reason: "late" });
const AWAITING_FLUSH: MppeDecryptResult = Object.freeze({ ok: false, reason: "awaiting-flush" });

/** The header and at least one byte of the (possibly compressed) inner protocol field. */
const MIN_PACKET_LENGTH = MPPE_HEADER_LENGTH + 1;

export class MppeDecrypter {
  readonly counters = { decrypted: 0, discarded: 0, rekeys: 0, lost: 0 };
  private readonly key: MppeSessionKey;
  private readonly stateless: boolean;
  /** Count of the last packet decrypted: the one the current key belongs to. */
  private count = COHERENCY_COUNT_MASK;
  /** Highest count seen, decrypted or not; gaps before it are counted as lost. */
  private newest = COHERENCY_COUNT_MASK;
  /** Stateful mode lost sync and waits for a packet with the flushed bit. */
  private discarding = false;
  private syncLost = false;

  constructor(startKey: Uint8Array, mode: MppeMode) {
    this.key = new MppeSessionKey(startKey, mode.strength);
    this.stateless = mode.stateless;
  }

  /** buf[off, off+2) is the MPPE header; on ok, buf[off+2, off+len) holds the plaintext (decrypted in place). */
  decryptInPlace(buf: Uint8Array, off: number, len: number): MppeDecryptResult {
    if (!(len >= MIN_PACKET_LENGTH && off >= 0 && off + len <= buf.length)) return this.discard(TOO_SHORT);
    const flags = buf[off]!;
    const count = ((flags & 0x0f) << 8) | buf[off + 1]!;
    if ((flags & MPPE_BIT_ENCRYPTED) === 0) return this.discard(NOT_ENCRYPTED);
    if ((flags & MPPE_BIT_COMPRESSED) !== 0) return this.discard(COMPRESSED);
    this.noteLoss(count);

    const flushed = (flags & MPPE_BIT_FLUSHED) !== 0;
    const verdict = this.stateless ? this.syncStateless(count) : this.syncStateful(count, flushed);
    if (verdict !== OK) return this.discard(verdict);

    const body = off + MPPE_HEADER_LENGTH;
    this.key.rc4.process(buf, body, len - MPPE_HEADER_LENGTH, buf, body);
    this.counters.decrypted++;
    return OK;
  }

  /**
   * True if stateful mode discarded a packet for lack of sync since the last call. Every such discard counts, not
   * only the first: CCP repeats its Reset-Request on them when the first one went unanswered (pppd's RREQ_REPEAT).
   */
  takeSyncLoss(): boolean {
    const lost = this.syncLost;
    this.syncLost = false;
    return lost;
  }

  /** RFC 3078 section 8.1: one re-key per step of the count. */
  private syncStateless(count: number): MppeDecryptResult {
    const steps = countStepsAhead(this.count, count);
    if (steps === 0) return LATE;
    this.rekey(steps);
    this.count = count;
    return OK;
  }

  /** RFC 3078 section 8.2, as Linux implements it. */
  private syncStateful(count: number, flushed: boolean): MppeDecryptResult {
    const steps = countStepsAhead(this.count, count);
    if (!this.discarding) {
      if (steps === 0) return LATE;
      // A gap, or a flag packet whose sender did not re-key: our RC4 stream no longer matches the peer's.
      if (steps !== 1 || ((count & 0xff) === 0xff && !flushed)) {
        this.discarding = true;
        this.syncLost = true;
        return AWAITING_FLUSH;
      }
    } else {
      if (!flushed) {
        this.syncLost = true;
        return AWAITING_FLUSH;
      }
      if (steps === 0) return LATE;
      // The sender re-keyed on every flag packet we missed: one per 256-count block entered after the
      // packet following our last one, up to this packet's block (its own re-key comes below).
      const expected = (this.count + 1) & COHERENCY_COUNT_MASK;
      this.rekey(((count >>> 8) - (expected >>> 8)) & 0xf);
      this.discarding = false;
    }
    this.count = count;
    if (flushed) this.rekey(1);
    return OK;
  }

  private rekey(times: number): void {
    for (let n = 0; n < times; n++) this.key.rekey();
    this.counters.rekeys += times;
  }

  private noteLoss(count: number): void {
    const steps = countStepsAhead(this.newest, count);
    if (steps === 0) return;
    this.counters.lost += steps - 1;
    this.newest = count;
  }

  private discard(reason: MppeDecryptResult): MppeDecryptResult {
    this.counters.discarded++;
    return reason;
  }
}
