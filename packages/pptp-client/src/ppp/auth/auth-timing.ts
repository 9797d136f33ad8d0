/** How long a client waits and how often it retransmits, as pppd does (3 s restart timer). */
export interface AuthTiming {
  /** How long to wait for the server's first CHAP Challenge. */
  readonly challengeWaitMs: number;
  /** Interval between transmissions of our Response / Authenticate-Request while no reply comes. */
  readonly retransmitMs: number;
  /** Transmissions, the first one included, before we declare the server silent. */
  readonly maxTransmits: number;
}

export const DEFAULT_AUTH_TIMING: AuthTiming = {
  challengeWaitMs: 30_000,
  retransmitMs: 3_000,
  maxTransmits: 5,
};
