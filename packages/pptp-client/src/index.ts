/**
 * @ferry/pptp-client: a PPTP client stack as a pure state machine. Create a PptpSession, move bytes in with
 * handle*(…, now) and out with poll*(); the I/O (TCP 1723, raw GRE, TUN) belongs to the caller.
 */
export { codedError, type ErrorCode, type FerryError, ferryError } from "./errors.js";
export type { MppeMode, MppeStrength } from "./mppe/mppe-mode.js";
export type { AuthMethod } from "./ppp/auth/auth-phase.js";
export { DEFAULT_TIMERS, type SessionOptions, type SessionTimers } from "./session/config.js";
export type { SessionEvent, SessionState, SessionStats } from "./session/events.js";
export { PptpSession } from "./session/session.js";
export type { RandomSource } from "./util/random.js";
