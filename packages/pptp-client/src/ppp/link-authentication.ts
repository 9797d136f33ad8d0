/**
 * The link's Authenticate phase (RFC 1661 section 3.5): runs one AuthPhase for each direction LCP agreed on (ours
 * as client, the peer's as server), relays their packets and outcomes, and keeps the MPPE keys they yield.
 */
import type { FerryError } from "../errors.js";
import { earliestDeadline } from "../util/deadline.js";
import type { AuthMethod, AuthPhase, MppeKeys } from "./auth/auth-phase.js";
import type { PppAuthConfig } from "./link-config.js";
import type { PppEvent, PppPacket } from "./link-output.js";

export interface AuthenticationHost {
  send(packet: PppPacket): void;
  emit(event: PppEvent): void;
  fail(error: FerryError): void;
  /** Every exchange of this phase has succeeded. */
  authenticated(now: number): void;
}

export class LinkAuthentication {
  private phases: AuthPhase[] = [];
  private pending = 0;
  private keys: MppeKeys | undefined;
  private firstMethod: AuthMethod | undefined;

  constructor(
    private readonly config: PppAuthConfig,
    private readonly host: AuthenticationHost,
  ) {}

  /** The MPPE keys of the first exchange that gave any. */
  get mppeKeys(): MppeKeys | undefined {
    return this.keys;
  }

  /** The method of the first exchange that succeeded. */
  get method(): AuthMethod | undefined {
    return this.firstMethod;
  }

  /** LCP is up: starts an exchange for each direction that authenticates. False when there is none to run. */
  begin(toPeer: AuthMethod | undefined, fromPeer: AuthMethod | undefined, now: number): boolean {
    const { config } = this;
    const phases: AuthPhase[] = [];
    // Our own (client) side comes first, so its keys win when both sides authenticate.
    if (toPeer !== undefined && config.createClient !== undefined) phases.push(config.createClient(toPeer));
    if (fromPeer !== undefined && config.createServer !== undefined)
      phases.push(config.createServer(fromPeer));
    this.phases = phases;
    this.pending = phases.length;
    // After LCP renegotiated, the keys of the last Authenticate phase belong to a link that is gone.
    this.keys = undefined;
    this.firstMethod = undefined;
    for (const p of phases) p.start(now);
    return phases.length > 0;
  }

  /** LCP went down: the exchanges have no link under them. */
  stop(): void {
    this.phases = [];
    this.pending = 0;
  }

  /** Hands `info` to the exchanges that speak `protocol`; false when none does. */
  handlePacket(protocol: number, info: Uint8Array, now: number): boolean {
    const phases = this.phases.filter((p) => p.protocol === protocol);
    // Both our client and server side may speak CHAP: each takes the codes meant for it and drops the rest.
    for (const p of phases) p.handlePacket(info, now);
    return phases.length > 0;
  }

  nextTimeout(): number | undefined {
    return earliestDeadline(...this.phases.map((p) => p.nextTimeout()));
  }

  handleTimeout(now: number): void {
    for (const p of this.phases) {
      const deadline = p.nextTimeout();
      if (deadline !== undefined && deadline <= now) p.handleTimeout(now);
    }
  }

  /** Collects what the exchanges produced: their packets, then their outcome. */
  pump(now: number): void {
    for (const p of this.phases) {
      for (let info = p.pollPacket(); info !== undefined; info = p.pollPacket()) {
        this.host.send({ protocol: p.protocol, info });
      }
      const outcome = p.pollOutcome();
      if (outcome === undefined) continue;
      if (!outcome.ok) {
        this.host.fail(outcome.error);
        continue;
      }
      const { method, mppeKeys, userName } = outcome;
      this.host.emit({
        type: "authenticated",
        method,
        ...(mppeKeys === undefined ? {} : { mppeKeys }),
        ...(userName === undefined ? {} : { userName }),
      });
      this.keys ??= mppeKeys;
      this.firstMethod ??= method;
      if (--this.pending === 0) this.host.authenticated(now);
    }
  }
}
