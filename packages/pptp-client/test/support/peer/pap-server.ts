/** The authenticator side of PAP for the test peer: judge the first Authenticate-Request, answer repeats alike. */

import { ferryError } from "../../../src/errors.js";
import { AuthExchange } from "../../../src/ppp/auth/auth-exchange.js";
import { DEFAULT_AUTH_TIMING } from "../../../src/ppp/auth/auth-timing.js";
import { bytesEqual, utf8 } from "../../../src/util/bytes.js";
import { emitPapPacket, PAP_PROTOCOL, PapCode, parsePapPacket } from "../../../src/wire/pap.js";
import { peerRejected } from "./chap-server.js";

const nameDecoder = new TextDecoder();

export class PapServer extends AuthExchange {
  readonly protocol = PAP_PROTOCOL;
  droppedPackets = 0;

  private verdict: typeof PapCode.AuthenticateAck | typeof PapCode.AuthenticateNak | undefined;

  constructor(private readonly lookupPassword: (user: string) => string | undefined) {
    super();
  }

  start(now: number): void {
    if (this.deadline === undefined && this.verdict === undefined) {
      this.deadline = now + DEFAULT_AUTH_TIMING.challengeWaitMs;
    }
  }

  handlePacket(info: Uint8Array, _now: number): void {
    const result = parsePapPacket(info);
    if (!result.ok || result.value.code !== PapCode.AuthenticateRequest) {
      this.droppedPackets++;
      return;
    }
    const { identifier, peerId, password } = result.value;
    if (this.verdict === undefined) {
      const userName = nameDecoder.decode(peerId);
      const expected = this.lookupPassword(userName);
      const ok = expected !== undefined && bytesEqual(utf8(expected), password);
      this.verdict = ok ? PapCode.AuthenticateAck : PapCode.AuthenticateNak;
      this.deadline = undefined;
      this.outcome = ok
        ? { ok: true, method: "pap", userName }
        : { ok: false, error: peerRejected("pap", userName) };
    }
    // Each retransmission carries a new Identifier; the reply must echo the one it answers.
    const message = utf8(this.verdict === PapCode.AuthenticateAck ? "Login ok" : "Login incorrect");
    this.outbox.push(emitPapPacket({ code: this.verdict, identifier, message }));
  }

  handleTimeout(now: number): void {
    if (this.deadline === undefined || now < this.deadline) return;
    this.deadline = undefined;
    this.outcome = {
      ok: false,
      error: ferryError("AUTH_FAILED", "The peer never sent a PAP Authenticate-Request.", "Check the peer.", {
        method: "pap",
      }),
    };
  }
}
