/**
 * The authenticator side of CHAP for the test peer, shaped like pppd's chap-new.c server: send a Challenge and
 * resend it on a timer, judge the Response, and resend the verdict if the peer repeats its Response.
 */

import { type FerryError, ferryError } from "../../../src/errors.js";
import { AuthExchange } from "../../../src/ppp/auth/auth-exchange.js";
import type { AuthMethod, AuthOutcome } from "../../../src/ppp/auth/auth-phase.js";
import { DEFAULT_AUTH_TIMING } from "../../../src/ppp/auth/auth-timing.js";
import type { RandomSource } from "../../../src/util/random.js";
import { CHAP_PROTOCOL, ChapCode, emitChapPacket, parseChapPacket } from "../../../src/wire/chap.js";

/** What the authenticator concluded about one Response. */
export interface ChapVerdict {
  readonly success: boolean;
  /** The Success/Failure message text. */
  readonly message: Uint8Array;
  readonly outcome: AuthOutcome;
}

export interface ChapVerifier {
  readonly method: Extract<AuthMethod, "mschapv2" | "chap-md5">;
  verify(identifier: number, challenge: Uint8Array, userName: string, value: Uint8Array): ChapVerdict;
}

const CHALLENGE_LENGTH = 16;
const SERVER_NAME = new TextEncoder().encode("ferry-test-peer");
const MAX_CHALLENGES = 10;
const nameDecoder = new TextDecoder();

export class ChapServer extends AuthExchange {
  readonly protocol = CHAP_PROTOCOL;
  droppedPackets = 0;

  private identifier = 0;
  private challenge: Uint8Array = new Uint8Array(0);
  private challengePacket: Uint8Array | undefined;
  private transmits = 0;
  private statusPacket: Uint8Array | undefined;

  constructor(
    private readonly verifier: ChapVerifier,
    private readonly random: RandomSource,
  ) {
    super();
  }

  start(now: number): void {
    if (this.challengePacket !== undefined) return;
    this.identifier = this.random(1)[0]!;
    this.challenge = this.random(CHALLENGE_LENGTH);
    this.challengePacket = emitChapPacket({
      code: ChapCode.Challenge,
      identifier: this.identifier,
      value: this.challenge,
      name: SERVER_NAME,
    });
    this.sendChallenge(now);
  }

  handlePacket(info: Uint8Array, _now: number): void {
    const result = parseChapPacket(info);
    if (
      !result.ok ||
      result.value.code !== ChapCode.Response ||
      result.value.identifier !== this.identifier
    ) {
      this.droppedPackets++;
      return;
    }
    if (this.statusPacket !== undefined) {
      this.outbox.push(this.statusPacket); // our Success/Failure was lost: say it again
      return;
    }
    if (this.challengePacket === undefined) {
      this.droppedPackets++;
      return;
    }
    const { name, value } = result.value;
    const verdict = this.verifier.verify(this.identifier, this.challenge, nameDecoder.decode(name), value);
    this.statusPacket = emitChapPacket({
      code: verdict.success ? ChapCode.Success : ChapCode.Failure,
      identifier: this.identifier,
      message: verdict.message,
    });
    this.outbox.push(this.statusPacket);
    this.deadline = undefined;
    this.outcome = verdict.outcome;
  }

  private sendChallenge(now: number): void {
    this.outbox.push(this.challengePacket!);
    this.transmits++;
    this.deadline = now + DEFAULT_AUTH_TIMING.retransmitMs;
  }

  handleTimeout(now: number): void {
    if (this.deadline === undefined || now < this.deadline) return;
    if (this.transmits < MAX_CHALLENGES) {
      this.sendChallenge(now);
      return;
    }
    this.deadline = undefined;
    this.outcome = {
      ok: false,
      error: ferryError("AUTH_FAILED", "The peer never answered our CHAP challenge.", "Check the peer.", {
        method: this.verifier.method,
      }),
    };
  }
}

/** The authenticator's own failure value: the peer named `userName` did not prove it knows the secret. */
export function peerRejected(method: AuthMethod, userName: string): FerryError {
  return ferryError(
    "AUTH_FAILED",
    `The peer "${userName}" failed authentication.`,
    "Check the peer's secret.",
    {
      method,
      userName,
    },
  );
}
