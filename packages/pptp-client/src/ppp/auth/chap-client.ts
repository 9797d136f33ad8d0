/**
 * The peer side of CHAP (RFC 1994 section 4.1), whatever the flavour: wait for a Challenge, answer it, retransmit
 * the answer until Success or Failure. The authenticator normally drives retransmission, but pppd and Windows also
 * wait for a peer to resend, so we do: a lost Response must not stall the link.
 */

import { bytesEqual, utf8 } from "../../util/bytes.js";
import { CHAP_PROTOCOL, ChapCode, emitChapPacket, parseChapPacket } from "../../wire/chap.js";
import { serverStoppedAnswering } from "./auth-errors.js";
import { AuthExchange } from "./auth-exchange.js";
import type { AuthOutcome } from "./auth-phase.js";
import { type AuthTiming, DEFAULT_AUTH_TIMING } from "./auth-timing.js";
import type { ChapAnswer, ChapDigest } from "./chap-digest.js";

interface Answered {
  readonly identifier: number;
  readonly challenge: Uint8Array;
  readonly answer: ChapAnswer;
  readonly packet: Uint8Array;
}

export class ChapClient extends AuthExchange {
  readonly protocol = CHAP_PROTOCOL;
  /** Packets we could not parse or that made no sense now: counted, then ignored. */
  droppedPackets = 0;

  private readonly name: Uint8Array;
  private started = false;
  private answered: Answered | undefined;
  private transmits = 0;
  private done = false;

  constructor(
    private readonly digest: ChapDigest,
    /** The Name field: the full user name, DOMAIN\ prefix included. */
    userName: string,
    private readonly timing: AuthTiming = DEFAULT_AUTH_TIMING,
  ) {
    super();
    this.name = utf8(userName);
  }

  start(now: number): void {
    if (this.started) return;
    this.started = true;
    this.deadline = now + this.timing.challengeWaitMs;
  }

  handlePacket(info: Uint8Array, now: number): void {
    // A Challenge may race ahead of the link's start() call; answering it is harmless.
    this.start(now);
    const result = parseChapPacket(info);
    if (this.done || !result.ok) {
      this.droppedPackets++;
      return;
    }
    const packet = result.value;
    switch (packet.code) {
      case ChapCode.Challenge:
        this.handleChallenge(packet.identifier, packet.value, now);
        return;
      case ChapCode.Success:
      case ChapCode.Failure:
        if (this.answered === undefined || packet.identifier !== this.answered.identifier) {
          this.droppedPackets++; // RFC 1994: the Identifier is copied from the Response; anything else is stale
          return;
        }
        this.finish(
          packet.code === ChapCode.Success
            ? this.answered.answer.onSuccess(packet.message)
            : { ok: false, error: this.answered.answer.onFailure(packet.message) },
        );
        return;
      default:
        this.droppedPackets++; // a Response is for authenticators, not for us
    }
  }

  private handleChallenge(identifier: number, challenge: Uint8Array, now: number): void {
    const previous = this.answered;
    // The server resent its Challenge (our Response was lost): resend the same Response, as RFC 2759 expects.
    // The server is alive, so the retransmission count starts over, as in pppd.
    if (
      previous !== undefined &&
      previous.identifier === identifier &&
      bytesEqual(previous.challenge, challenge)
    ) {
      this.transmits = 0;
      this.send(previous.packet, now);
      return;
    }
    const answer = this.digest.answer(identifier, challenge);
    if (answer === undefined) {
      this.droppedPackets++;
      return;
    }
    const packet = emitChapPacket({
      code: ChapCode.Response,
      identifier,
      value: answer.value,
      name: this.name,
    });
    this.answered = { identifier, challenge, answer, packet };
    this.transmits = 0;
    this.send(packet, now);
  }

  private send(packet: Uint8Array, now: number): void {
    this.outbox.push(packet);
    this.transmits++;
    this.deadline = now + this.timing.retransmitMs;
  }

  handleTimeout(now: number): void {
    if (this.deadline === undefined || now < this.deadline) return;
    if (this.answered === undefined) {
      this.finish({
        ok: false,
        error: serverStoppedAnswering(this.digest.method, {
          for: "challenge",
          waitedMs: this.timing.challengeWaitMs,
        }),
      });
    } else if (this.transmits < this.timing.maxTransmits) {
      this.send(this.answered.packet, now);
    } else {
      this.finish({
        ok: false,
        error: serverStoppedAnswering(this.digest.method, { for: "reply", transmits: this.transmits }),
      });
    }
  }

  private finish(outcome: AuthOutcome): void {
    this.done = true;
    this.deadline = undefined;
    this.outcome = outcome;
  }
}
