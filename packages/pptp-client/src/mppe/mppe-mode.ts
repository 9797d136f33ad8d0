/** What CCP negotiated for MPPE (RFC 3078): the key strength and whether the key changes on every packet. */
export type MppeStrength = 40 | 56 | 128;

export interface MppeMode {
  readonly strength: MppeStrength;
  readonly stateless: boolean;
}

/** Flag bits and the 12-bit coherency count in front of every encrypted PPP packet. */
export const MPPE_HEADER_LENGTH = 2;
