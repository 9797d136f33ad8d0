/**
 * The receiving half of MPPE, following mppe_decompress() in Linux's ppp_mppe.c.
 *
 * Stateless mode re-keys once per step of the coherency count, so lost packets cost one re-key each and the
 * next packet decrypts. Stateful mode keeps one RC4 stream: after a gap it discards everything until a packet
 * with the flushed bit (A) arrives, asks once for a CCP Reset-Request, then re-keys for every flag packet it
 * missed plus once for the flushed packet itself.
 *
 * Deliberate differences from Linux. A packet whose count is at most LATE_WINDOW behind the current one is late
 * (reordered or duplicated), never a jump forward: Linux re-keys all the way round the count space for it in
 * stateless mode, and loses sync over it in stateful mode. Stateless mode keeps the keys of the last LATE_WINDOW
 * counts, so a late packet whose count was skipped decrypts with its own key, once (GRE delivers reordered packets
 * at once, and loss would otherwise be all they amount to); a count already decrypted is a replay, and a packet
 * LATE_WINDOW behind is dropped, its key gone. Stateful mode drops every late packet: its stream has moved past
 * them. And a stateless packet without bit A is decrypted by its count rather than refused: every real peer sets
 * the bit, and the count alone decides the key.
 *
 * MPPE has no integrity check, but the plaintext starts with the inner PPP protocol, and senders encrypt only
 * 0x0021-0x00FA (ppp_mppe refuses the rest). A decryption that yields anything else used the wrong key: in
 * stateless mode the packet is dropped and nothing moves (a forged count cannot drag the key schedule forward, nor
 * use up a late packet's key); in stateful mode it means lost sync. And when stateful mode resynchronises on a
 * flushed packet, it tries a few extra re-keys until the protocol makes sense: each CCP reset re-keys the sender,
 * so a lost flushed packet followed by a repeated Reset-Request leaves the sender re-keys ahead, which plain
 * RFC 3078 (and Linux) never recovers from.
 */
import {
  COHERENCY_COUNT_MASK,
  countStepsAhead,
  MPPE_BIT_COMPRESSED,
  MPPE_BIT_ENCRYPTED,
  MPPE_BIT_FLUSHED,
} from "./mppe-header.js";
import { MPPE_HEADER_LENGTH, type MppeMode } from "./mppe-mode.js";
import { MppeRecentKeys } from "./mppe-recent-keys.js";
import { MppeSessionKey } from "./mppe-session-key.js";

export type MppeDecryptResult =
  | { ok: true }
  | {
      ok: false;
      reason:
        | "too-short"
        | "not-encrypted"
        | "compressed"
        | "late"
        | "replayed"
        | "awaiting-flush"
        | "garbled";
    };

// Shared results: the data path allocates nothing per packet.
const OK: MppeDecryptResult = Object.freeze({ ok: true });
const TOO_SHORT: MppeDecryptResult = Object.freeze({ ok: false, reason: "too-short" });
const NOT_ENCRYPTED: MppeDecryptResult = Object.freeze({ ok: false, reason: "not-encrypted" });
const COMPRESSED: MppeDecryptResult = Object.freeze({ ok: false, reason: "compressed" });
const LATE: MppeDecryptResult = Object.freeze({ ok: false, reason: "late" });
const REPLAYED: MppeDecryptResult = Object.freeze({ ok: false, reason: "replayed" });
const AWAITING_FLUSH: MppeDecryptResult = Object.freeze({ ok: false, reason: "awaiting-flush" });
const GARBLED: MppeDecryptResult = Object.freeze({ ok: false, reason: "garbled" });

/** How many re-keys a stateful resynchronisation looks ahead for the sender's key (one per missed CCP reset). */
const MAX_CATCH_UP_REKEYS = 8;

/**
 * Whether a decrypted inner protocol field is one a sender encrypts: 0x0021-0x00FA written out in full (Linux), or
 * IPv4/IPv6 compressed to one byte (PFC). A wrong key passes this about once in a hundred packets.
 */
function plausibleProtocol(first: number, second: number): boolean {
  if (first !== 0) return first === 0x21 || first === 0x57;
  return (second & 1) === 1 && second >= 0x21 && second <= 0xfa;
}

/** The header and at least one byte of the (possibly compressed) inner protocol field. */
const MIN_PACKET_LENGTH = MPPE_HEADER_LENGTH + 1;

export class MppeDecrypter {
  /**
   * `lost` counts skipped counts, less those whose packet came late and decrypted (`late`, stateless only);
   * `replayed` counts packets dropped because their count was decrypted already (stateless only).
   */
  readonly counters = { decrypted: 0, discarded: 0, rekeys: 0, lost: 0, late: 0, replayed: 0 };
  private readonly key: MppeSessionKey;
  private readonly stateless: boolean;
  /** Count of the last packet that moved the schedule on: the one the current key belongs to. */
  private count = COHERENCY_COUNT_MASK;
  /** Stateless mode: keys of the last counts, for late packets and to roll back to. */
  private readonly recent: MppeRecentKeys;
  /** Stateful mode: highest count seen, decrypted or not; gaps before it are counted as lost. */
  private newest = COHERENCY_COUNT_MASK;
  /** Stateful mode lost sync and waits for a packet with the flushed bit. */
  private discarding = false;
  private syncLost = false;
  private readonly savedKey = new Uint8Array(16);
  private readonly peeked = new Uint8Array(2);

  constructor(startKey: Uint8Array, mode: MppeMode) {
    this.key = new MppeSessionKey(startKey, mode.strength);
    this.stateless = mode.stateless;
    this.recent = new MppeRecentKeys(this.key, this.count);
  }

  /** buf[off, off+2) is the MPPE header; on ok, buf[off+2, off+len) holds the plaintext (decrypted in place). */
  decryptInPlace(buf: Uint8Array, off: number, len: number): MppeDecryptResult {
    if (!(len >= MIN_PACKET_LENGTH && off >= 0 && off + len <= buf.length)) return this.discard(TOO_SHORT);
    const flags = buf[off]!;
    const count = ((flags & 0x0f) << 8) | buf[off + 1]!;
    if ((flags & MPPE_BIT_ENCRYPTED) === 0) return this.discard(NOT_ENCRYPTED);
    if ((flags & MPPE_BIT_COMPRESSED) !== 0) return this.discard(COMPRESSED);
    const body = off + MPPE_HEADER_LENGTH;
    const length = len - MPPE_HEADER_LENGTH;
    if (this.stateless) return this.openStateless(count, buf, body, length);
    return this.openStateful(count, (flags & MPPE_BIT_FLUSHED) !== 0, buf, body, length);
  }

  /** RFC 3078 section 8.1: one re-key per step of the count, kept only if the packet shows the key was right. */
  private openStateless(count: number, buf: Uint8Array, body: number, length: number): MppeDecryptResult {
    const from = this.count;
    const steps = countStepsAhead(from, count);
    if (steps === 0) return this.openLate(count, buf, body, length);
    for (let step = 1; step <= steps; step++) {
      this.key.rekey();
      this.recent.stage(this.key, (from + step) & COHERENCY_COUNT_MASK, count);
    }
    this.counters.rekeys += steps;
    if (!this.decrypt(buf, body, length)) {
      this.key.restoreFrom(this.recent.keyOf(from));
      return this.discard(GARBLED);
    }
    this.recent.commit(from, count);
    this.count = count;
    this.counters.lost += steps - 1;
    this.counters.decrypted++;
    return OK;
  }

  /** A count at or behind the current one: decrypted with its kept key if its packet has not come yet. */
  private openLate(count: number, buf: Uint8Array, body: number, length: number): MppeDecryptResult {
    const kept = this.recent.lookup(this.count, count);
    if (kept === "decrypted") {
      this.counters.replayed++;
      return this.discard(REPLAYED);
    }
    if (kept === "none") return this.discard(LATE);
    // The next packet ahead re-keys the cipher anyway: nothing to restore after borrowing it.
    this.key.keyCipherWith(this.recent.keyOf(count));
    // A wrong key (a forged packet) uses nothing up: the key stays for the real one.
    if (!this.decrypt(buf, body, length)) return this.discard(GARBLED);
    this.recent.markDecrypted(count);
    this.counters.late++;
    this.counters.lost--;
    this.counters.decrypted++;
    return OK;
  }

  private openStateful(
    count: number,
    flushed: boolean,
    buf: Uint8Array,
    body: number,
    length: number,
  ): MppeDecryptResult {
    this.noteLoss(count);
    const verdict = this.syncStateful(count, flushed, buf, body);
    if (verdict !== OK) return this.discard(verdict);
    if (!this.decrypt(buf, body, length)) {
      // The key was wrong: the stream has lost sync.
      this.discarding = true;
      this.syncLost = true;
      return this.discard(GARBLED);
    }
    this.counters.decrypted++;
    return OK;
  }

  /** Decrypts in place with the cipher as it stands; false if the inner protocol shows the key was wrong. */
  private decrypt(buf: Uint8Array, body: number, length: number): boolean {
    this.key.rc4.process(buf, body, length, buf, body);
    return plausibleProtocol(buf[body]!, length > 1 ? buf[body + 1]! : 1);
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

  /** RFC 3078 section 8.2, as Linux implements it, plus catching up with resets we never saw (see above). */
  private syncStateful(count: number, flushed: boolean, buf: Uint8Array, body: number): MppeDecryptResult {
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
      this.count = count;
      return this.catchUp(buf, body);
    }
    this.count = count;
    if (flushed) this.rekey(1);
    return OK;
  }

  /** Re-keys for a flushed packet, and again while its protocol field decrypts to nonsense, up to a limit. */
  private catchUp(buf: Uint8Array, body: number): MppeDecryptResult {
    this.key.saveInto(this.savedKey);
    for (let attempt = 1; attempt <= 1 + MAX_CATCH_UP_REKEYS; attempt++) {
      this.rekey(1);
      this.key.rc4.process(buf, body, 2, this.peeked, 0);
      if (plausibleProtocol(this.peeked[0]!, this.peeked[1]!)) {
        this.key.restartCipher();
        this.discarding = false;
        return OK;
      }
    }
    // Not this packet: stay where we were and wait for the next flushed one.
    this.key.restoreFrom(this.savedKey);
    this.syncLost = true;
    return GARBLED;
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
