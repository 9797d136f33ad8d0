/**
 * The MPPE header (RFC 3078 section 3): four flag bits and a 12-bit coherency count, big-endian.
 * Bits B and C belong to MPPC compression, which Ferry never negotiates.
 */

/** A: the RC4 key was changed for this packet (every packet in stateless mode). */
export const MPPE_BIT_FLUSHED = 0x80;
/** C: the payload is MPPC-compressed. */
export const MPPE_BIT_COMPRESSED = 0x20;
/** D: the payload is encrypted. */
export const MPPE_BIT_ENCRYPTED = 0x10;

export const COHERENCY_COUNT_MASK = 0xfff;

/**
 * How far behind the current count a packet may be and still be called late (duplicated or reordered) rather than
 * ahead after a loss: the 12-bit count cannot tell the two apart, so we split its space. GRE below us takes a late
 * packet only within its receive window, which must not exceed this one. Each count given to "late" is a forward
 * jump we can no longer follow, and in stateless mode following a jump wrongly in either direction garbles every
 * later packet, so the window stays small. Stateless decryption keeps the keys of this many counts (the current one
 * and those behind it), which is why it is a power of two dividing 4096. Linux has no window: it re-keys forward
 * for any count, so one packet arriving just behind costs it 4095 re-keys and the sync of the stream.
 */
export const LATE_WINDOW = 64;

/** Steps from count `from` forward to count `to`, or 0 when `to` is the same count or late. */
export function countStepsAhead(from: number, to: number): number {
  const steps = (to - from) & COHERENCY_COUNT_MASK;
  return steps > COHERENCY_COUNT_MASK - LATE_WINDOW ? 0 : steps;
}
