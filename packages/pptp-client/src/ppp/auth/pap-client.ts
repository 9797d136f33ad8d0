/**
 * The PAP peer (RFC 1334 section 2): send Authenticate-Request on the restart timer until Ack or Nak. Each
 * transmission gets a new Identifier (as the RFC asks and pppd does), so a late reply to any of them counts.
 */

import { ferryError } from "../../errors.js";
import { utf8 } from "../../util/bytes.js";
import type { RandomSource } from "../../util/random.js";
import {
  emitPapPacket,
  PAP_MAX_FIELD_LENGTH,
  PAP_PROTOCOL,
  PapCode,
  parsePapPacket,
} from "../../wire/pap.js";
import { credentialsRejected, serverStoppedAnswering } from "./auth-errors.js";
import { AuthExchange } from "./auth-exchange.js";
import type { AuthCredentials, AuthOutcome } from "./auth-phase.js";
import { type AuthTiming, DEFAULT_AUTH_TIMING } from "./auth-timing.js";
import { serverMessageDetail } from "./server-text.js";

export class PapClient extends AuthExchange {
  readonly protocol = PAP_PROTOCOL;
  /** Packets we could not parse or that answered nothing we sent: counted, then ignored. */
  droppedPackets = 0;

  private readonly peerId: Uint8Array;
  private readonly password: Uint8Array;
  private started = false;
  private identifier: number;
  private readonly sentIdentifiers = new Set<number>();
  private done = false;

  constructor(
    private readonly credentials: AuthCredentials,
    random: RandomSource,
    private readonly timing: AuthTiming = DEFAULT_AUTH_TIMING,
  ) {
    super();
    this.peerId = utf8(credentials.userName);
    this.password = utf8(credentials.password);
    this.identifier = random(1)[0]!;
  }

  start(now: number): void {
    if (this.started) return;
    this.started = true;
    const tooLong =
      this.peerId.length > PAP_MAX_FIELD_LENGTH
        ? "user name"
        : this.password.length > PAP_MAX_FIELD_LENGTH
          ? "password"
          : undefined;
    if (tooLong !== undefined) {
      this.finish({
        ok: false,
        error: ferryError(
          "AUTH_FAILED",
          `The ${tooLong} is longer than the ${PAP_MAX_FIELD_LENGTH} bytes PAP can carry.`,
          `Use a shorter ${tooLong}, or let the server use MS-CHAPv2.`,
          { method: "pap" },
        ),
      });
      return;
    }
    this.send(now);
  }

  handlePacket(info: Uint8Array, _now: number): void {
    const result = parsePapPacket(info);
    if (this.done || !result.ok) {
      this.droppedPackets++;
      return;
    }
    const packet = result.value;
    if (packet.code === PapCode.AuthenticateRequest || !this.sentIdentifiers.has(packet.identifier)) {
      this.droppedPackets++;
      return;
    }
    if (packet.code === PapCode.AuthenticateAck) {
      this.finish({ ok: true, method: "pap" });
      return;
    }
    const detail = serverMessageDetail(packet.message, this.credentials.password);
    this.finish({ ok: false, error: credentialsRejected("pap", detail) });
  }

  private send(now: number): void {
    this.identifier = (this.identifier + 1) & 0xff;
    this.sentIdentifiers.add(this.identifier);
    this.outbox.push(
      emitPapPacket({
        code: PapCode.AuthenticateRequest,
        identifier: this.identifier,
        peerId: this.peerId,
        password: this.password,
      }),
    );
    this.deadline = now + this.timing.retransmitMs;
  }

  handleTimeout(now: number): void {
    if (this.deadline === undefined || now < this.deadline) return;
    if (this.sentIdentifiers.size < this.timing.maxTransmits) {
      this.send(now);
      return;
    }
    this.finish({
      ok: false,
      error: serverStoppedAnswering("pap", { for: "reply", transmits: this.sentIdentifiers.size }),
    });
  }

  private finish(outcome: AuthOutcome): void {
    this.done = true;
    this.deadline = undefined;
    this.outcome = outcome;
  }
}
