/**
 * One PPP link (RFC 1661 section 3): Dead -> Establish (LCP) -> Authenticate -> Network (IPCP and CCP) -> Terminate.
 * It routes control packets by protocol, answers protocols we do not run with Protocol-Reject, keeps the link alive
 * with LCP Echo, and turns every way the link can end into one `finished` event. Data protocols (IP, MPPE) are the
 * session's business and never come here. Works in the client role and, for the test peer, in the server role.
 */

import type { FerryError } from "../errors.js";
import type { MppeMode } from "../mppe/mppe-mode.js";
import { latin1, writeU16, writeU32 } from "../util/bytes.js";
import { earliestDeadline } from "../util/deadline.js";
import type { RandomSource } from "../util/random.js";
import { CP_HEADER_LENGTH, CpCode, parseCpPacket } from "../wire/ppp-cp.js";
import { PPP_PROTOCOL } from "../wire/ppp-frame.js";
import type { AuthMethod, AuthPhase, MppeKeys } from "./auth/auth-phase.js";
import { type CcpConfig, CcpOptions, mppeEnabled } from "./ccp.js";
import { CcpResetPolicy } from "./ccp-reset.js";
import {
  ControlProtocolFsm,
  DEFAULT_FSM_LIMITS,
  type FsmLimits,
  type FsmOptions,
  type LayerSignals,
  type OptionsHandler,
} from "./fsm.js";
import type { FsmEventName, FsmState } from "./fsm-table.js";
import { type IpcpConfig, IpcpOptions } from "./ipcp.js";
import { type LcpConfig, LcpOptions } from "./lcp.js";
import { LcpKeepalive } from "./lcp-keepalive.js";
import {
  ccpFailed,
  lcpRenegotiated,
  mppeNotAllowed,
  mppeTurnedOff,
  noMppeKeys,
  peerDead,
  peerEndedNegotiation,
  peerHungUp,
  serverUnverified,
} from "./link-errors.js";

export type PppEvent =
  /** peerMru: the largest frame we may send; txPfc/txAcfc: header compression the peer agreed to receive. */
  | { type: "lcp-up"; peerMru: number; txPfc: boolean; txAcfc: boolean }
  /** One authentication exchange succeeded; userName is who the peer is (server role). */
  | { type: "authenticated"; method: AuthMethod; mppeKeys?: MppeKeys; userName?: string }
  /** The network is usable. When CCP runs, this comes after ccp-up (or after CCP settled without MPPE). */
  | { type: "ipcp-up"; localAddress: string; peerAddress: string; dns: string[] }
  | { type: "ccp-up"; mppe: MppeMode }
  /** The peer asks us to flush our encrypter (stateful MPPE). */
  | { type: "ccp-reset-request" }
  | { type: "echo-rtt"; rttMs: number }
  /** An LCP Echo-Request went unanswered: `unanswered` in a row so far (the keepalive now probes faster). */
  | { type: "echo-missed"; unanswered: number }
  /** The link is down; no error means we, or the peer cleanly, terminated it. */
  | { type: "finished"; error?: FerryError };

export type PppPhase = "dead" | "establish" | "authenticate" | "network" | "terminate";

export interface PppAuthConfig {
  /** Client side: methods we authenticate ourselves with when the peer asks, preferred first. */
  readonly allowedMethods: readonly AuthMethod[];
  readonly createClient?: (method: AuthMethod) => AuthPhase;
  /** Server side: ask the peer to authenticate with this method. */
  readonly require?: AuthMethod;
  readonly createServer?: (method: AuthMethod) => AuthPhase;
  /** Accept a link on which nobody authenticates (a client then cannot know the server is genuine). */
  readonly allowNoAuth?: boolean;
}

export interface PppLinkConfig {
  readonly lcp: Pick<LcpConfig, "mru" | "pfc" | "acfc" | "loopbackLimit">;
  readonly ipcp: IpcpConfig;
  readonly ccp: CcpConfig;
  readonly auth: PppAuthConfig;
  /** LCP Echo-Request period (0 disables keepalives). */
  readonly echoIntervalMs: number;
  /** Unanswered echoes in a row before the peer is declared dead. */
  readonly echoFailures: number;
  readonly restartTimerMs: number;
  readonly maxConfigure?: number;
  readonly maxTerminate?: number;
  readonly maxFailure?: number;
}

/** A control packet to send: its PPP protocol and Information field (the session adds the header). */
export interface PppPacket {
  readonly protocol: number;
  readonly info: Uint8Array;
}

const NEGOTIATING: ReadonlySet<FsmState> = new Set<FsmState>(["Req-Sent", "Ack-Rcvd", "Ack-Sent"]);
const TERMINATE_REASON_MAX = 200;

export class PppLink {
  private currentPhase: PppPhase = "dead";
  private started = false;
  private readonly lcpOptions: LcpOptions;
  private readonly lcp: ControlProtocolFsm;
  private readonly ccpReset = new CcpResetPolicy();
  private readonly ipcpOptions: IpcpOptions;
  private readonly ipcp: ControlProtocolFsm;
  private readonly ccpOptions: CcpOptions;
  private readonly ccp: ControlProtocolFsm;
  private readonly keepalive: LcpKeepalive;
  private readonly outbox: PppPacket[] = [];
  private readonly events: PppEvent[] = [];

  /** The first reason the link must end; later ones are consequences. */
  private error: FerryError | undefined;
  private closeWanted = false;
  private closing = false;
  private peerTerminated = false;
  private terminateReason = "";

  private authPhases: AuthPhase[] = [];
  private authPending = 0;
  private authMethod: AuthMethod | undefined;
  private mppeKeys: MppeKeys | undefined;
  private ccpRunning = false;
  private mppeUp = false;
  private ipcpStarted = false;
  private networkUp = false;
  /** The peer's IPCP Configure-Request that arrived while IPCP waited for CCP, answered once IPCP starts. */
  private heldIpcpRequest: Uint8Array | undefined;

  constructor(
    private readonly config: PppLinkConfig,
    random: RandomSource,
  ) {
    const limits: FsmLimits = {
      restartTimerMs: config.restartTimerMs,
      maxConfigure: config.maxConfigure ?? DEFAULT_FSM_LIMITS.maxConfigure,
      maxTerminate: config.maxTerminate ?? DEFAULT_FSM_LIMITS.maxTerminate,
      maxFailure: config.maxFailure ?? DEFAULT_FSM_LIMITS.maxFailure,
    };
    const { auth } = config;
    this.keepalive = new LcpKeepalive(config.echoIntervalMs, config.echoFailures);
    this.lcpOptions = new LcpOptions(
      {
        ...config.lcp,
        acceptAuth: auth.createClient === undefined ? [] : auth.allowedMethods,
        requireAuth: auth.createServer === undefined ? undefined : auth.require,
      },
      random,
      {
        echoReply: (identifier, now) => this.echoReplied(identifier, now),
        protocolRejected: (protocol, now) => this.protocolRejected(protocol, now),
        echoRefused: () => this.keepalive.refuse(),
      },
    );
    this.ipcpOptions = new IpcpOptions(config.ipcp);
    this.ccpOptions = new CcpOptions(config.ccp, {
      resetRequested: () => this.events.push({ type: "ccp-reset-request" }),
      resetAcked: () => this.ccpReset.acked(),
    });
    const automaton = (
      name: string,
      protocol: number,
      handler: OptionsHandler,
      layer: LayerSignals,
      observe?: FsmOptions["observe"],
    ) =>
      new ControlProtocolFsm({
        name,
        handler,
        limits,
        random,
        layer,
        observe,
        send: (info) => this.outbox.push({ protocol, info }),
      });
    this.lcp = automaton(
      "LCP",
      PPP_PROTOCOL.LCP,
      this.lcpOptions,
      {
        up: (now) => this.lcpUp(now),
        down: (now) => this.lcpDown(now),
        finished: () => this.lcpFinished(),
      },
      (event, from) => this.lcpTransition(event, from),
    );
    this.ipcp = automaton("IPCP", PPP_PROTOCOL.IPCP, this.ipcpOptions, {
      up: () => this.ipcpUp(),
      down: () => this.ipcpDown(),
      finished: () => this.ipcpFinished(),
    });
    this.ccp = automaton("CCP", PPP_PROTOCOL.CCP, this.ccpOptions, {
      up: (now) => this.ccpUp(now),
      down: () => this.ccpDown(),
      finished: (now) => this.ccpFinished(now),
    });
  }

  get phase(): PppPhase {
    return this.currentPhase;
  }

  /** The lower layer (the PPTP call) is up: open LCP. */
  start(now: number): void {
    if (this.started) return;
    this.started = true;
    this.currentPhase = "establish";
    this.lcp.open(now);
    this.lcp.up(now);
    this.settle(now);
  }

  /** One PPP packet: `info` is the Information field of a frame of `protocol`. */
  handlePacket(protocol: number, info: Uint8Array, now: number): void {
    if (this.currentPhase === "dead") return;
    if (protocol === PPP_PROTOCOL.LCP) {
      this.noteTerminateReason(info);
      this.lcp.handlePacket(info, now);
    } else if (this.currentPhase === "authenticate" || this.currentPhase === "network") {
      this.routeAfterLcp(protocol, info, now);
    }
    // Before LCP is up, anything else is silently discarded (RFC 1661 section 3.5).
    this.settle(now);
  }

  /** Ends the link cleanly: LCP Terminate-Request, then `finished` once the peer acks (or the retries run out). */
  close(now: number): void {
    if (!this.started) {
      this.started = true;
      this.events.push({ type: "finished" });
      return;
    }
    this.closeWanted = true;
    this.settle(now);
  }

  /** Stateful MPPE could not decrypt: ask the peer to re-key, with pppd's pacing. */
  decryptionFailed(now: number): void {
    if (this.ccpReset.failed(now)) this.sendCcpResetRequest();
    this.settle(now);
  }

  /** A well-formed frame from the peer arrived (IP data included): the keepalive counts it as a sign of life. */
  heardFromPeer(now: number): void {
    this.keepalive.heard(now);
  }

  /** The path may have changed under the link: check that the peer still answers (one LCP echo, now). */
  probePeer(now: number): void {
    this.keepalive.probe(now);
  }

  pollPacket(): PppPacket | undefined {
    return this.outbox.shift();
  }

  pollEvent(): PppEvent | undefined {
    return this.events.shift();
  }

  nextTimeout(): number | undefined {
    if (this.currentPhase === "dead") return undefined;
    return earliestDeadline(
      this.lcp.nextTimeout(),
      this.ipcp.nextTimeout(),
      this.ccp.nextTimeout(),
      this.ccpReset.nextTimeout(),
      this.keepalive.nextTimeout(),
      ...this.authPhases.map((p) => p.nextTimeout()),
    );
  }

  handleTimeout(now: number): void {
    if (this.currentPhase === "dead") return;
    this.lcp.handleTimeout(now);
    this.ipcp.handleTimeout(now);
    this.ccp.handleTimeout(now);
    if (this.ccpReset.handleTimeout(now)) this.sendCcpResetRequest();
    for (const p of this.authPhases) {
      const deadline = p.nextTimeout();
      if (deadline !== undefined && deadline <= now) p.handleTimeout(now);
    }
    const keepalive = this.keepalive.due(now);
    if (keepalive === "reprobe" || keepalive === "dead")
      this.events.push({ type: "echo-missed", unanswered: this.keepalive.unanswered });
    if (keepalive === "send" || keepalive === "reprobe") {
      const magic = new Uint8Array(4);
      writeU32(magic, 0, this.lcpOptions.magic);
      this.keepalive.sent(this.lcp.sendCode(CpCode.EchoRequest, magic), now);
    } else if (keepalive === "dead") {
      // Nobody is there to ack a Terminate-Request: send one for form's sake and end now.
      this.error ??= peerDead(this.config.echoFailures, this.config.echoIntervalMs);
      this.closing = true;
      this.lcp.close(now);
      this.finish();
    }
    this.settle(now);
  }

  private routeAfterLcp(protocol: number, info: Uint8Array, now: number): void {
    const auth = this.authPhases.filter((p) => p.protocol === protocol);
    // Both our client and server side may speak CHAP: each takes the codes meant for it and drops the rest.
    for (const p of auth) p.handlePacket(info, now);
    if (auth.length > 0) return;
    switch (protocol) {
      case PPP_PROTOCOL.IP:
      case PPP_PROTOCOL.MPPE:
        return; // the session's business; never Protocol-Reject data we do run
      case PPP_PROTOCOL.IPCP:
        if (this.ipcpStarted) this.ipcp.handlePacket(info, now);
        else if (this.currentPhase === "network" && info[0] === CpCode.ConfigureRequest)
          this.heldIpcpRequest = info.slice();
        return;
      case PPP_PROTOCOL.CCP:
        if (this.currentPhase !== "network") return;
        if (this.ccpRunning) this.ccp.handlePacket(info, now);
        else this.rejectProtocol(protocol, info);
        return;
      default:
        // IPV6CP (Debian's pppd offers it), and anything else we do not run.
        this.rejectProtocol(protocol, info);
    }
  }

  private rejectProtocol(protocol: number, info: Uint8Array): void {
    if (this.lcp.state !== "Opened") return;
    // The Protocol-Reject must fit in the peer's MRU (RFC 1661 section 5.7): truncate the rejected information.
    const room = Math.max(0, this.lcpOptions.peerMru - CP_HEADER_LENGTH - 2);
    const rejected = info.subarray(0, Math.min(info.length, room));
    const data = new Uint8Array(2 + rejected.length);
    writeU16(data, 0, protocol);
    data.set(rejected, 2);
    this.lcp.sendCode(CpCode.ProtocolReject, data);
  }

  /** Runs after every input: drives authentication, and ends the link once there is a reason to. */
  private settle(now: number): void {
    if (this.currentPhase === "dead") return;
    this.pumpAuth(now);
    this.error ??= this.lcpOptions.failure ?? this.ipcpOptions.failure ?? this.ccpOptions.failure;
    if (this.peerTerminated) {
      // Our Terminate-Ack is queued; there is nothing more to wait for.
      this.finish();
      return;
    }
    if ((this.error !== undefined || this.closeWanted) && !this.closing) {
      this.closing = true;
      this.currentPhase = "terminate";
      this.keepalive.stop();
      this.lcp.close(now);
      // Closing waits for Terminate-Ack; from any other state LCP has nobody to tell.
      if (this.lcp.state !== "Closing") this.finish();
    }
  }

  private pumpAuth(now: number): void {
    for (const p of this.authPhases) {
      for (let info = p.pollPacket(); info !== undefined; info = p.pollPacket()) {
        this.outbox.push({ protocol: p.protocol, info });
      }
      const outcome = p.pollOutcome();
      if (outcome === undefined) continue;
      if (!outcome.ok) {
        this.error ??= outcome.error;
        continue;
      }
      const { method, mppeKeys, userName } = outcome;
      this.events.push({
        type: "authenticated",
        method,
        ...(mppeKeys === undefined ? {} : { mppeKeys }),
        ...(userName === undefined ? {} : { userName }),
      });
      // Our own (client) side comes first in authPhases, so its keys win when both sides authenticate.
      this.mppeKeys ??= mppeKeys;
      this.authMethod ??= method;
      if (--this.authPending === 0 && this.currentPhase === "authenticate" && this.error === undefined) {
        this.enterNetwork(now);
      }
    }
  }

  private enterNetwork(now: number): void {
    this.currentPhase = "network";
    const { ccp } = this.config;
    if (mppeEnabled(ccp) && this.mppeKeys !== undefined) {
      // MPPE keys come from authentication, so CCP can only start now; IPCP follows once CCP settles.
      this.ccpRunning = true;
      this.ccp.open(now);
      this.ccp.up(now);
    } else if (ccp.required) {
      this.error ??= mppeEnabled(ccp) ? noMppeKeys(this.authMethod) : mppeNotAllowed();
    } else {
      this.startIpcp(now);
    }
  }

  /**
   * IPCP starts once CCP has settled, as pppd does when it wants MPPE (its IPCP would Terminate-Ack an early
   * request and cost us a restart period), so that ipcp-up also tells the session whether to encrypt.
   */
  private startIpcp(now: number): void {
    if (this.ipcpStarted || this.error !== undefined) return;
    this.ipcpStarted = true;
    this.ipcp.open(now);
    this.ipcp.up(now);
    const held = this.heldIpcpRequest;
    this.heldIpcpRequest = undefined;
    if (held !== undefined) this.ipcp.handlePacket(held, now);
  }

  private lcpUp(now: number): void {
    const lcp = this.lcpOptions;
    this.events.push({ type: "lcp-up", peerMru: lcp.peerMru, txPfc: lcp.txPfc, txAcfc: lcp.txAcfc });
    this.keepalive.start(now);
    this.currentPhase = "authenticate";
    const { auth } = this.config;
    const toPeer = lcp.authToPeer;
    const fromPeer = lcp.authFromPeer;
    if (toPeer === undefined && fromPeer === undefined && !auth.allowNoAuth) {
      this.error ??= serverUnverified();
      return;
    }
    const phases: AuthPhase[] = [];
    if (toPeer !== undefined && auth.createClient !== undefined) phases.push(auth.createClient(toPeer));
    if (fromPeer !== undefined && auth.createServer !== undefined) phases.push(auth.createServer(fromPeer));
    this.authPhases = phases;
    this.authPending = phases.length;
    for (const p of phases) p.start(now);
    if (phases.length === 0) this.enterNetwork(now);
  }

  private lcpDown(now: number): void {
    const stage = this.hangUpStage(); // before the NCPs go down below
    this.keepalive.stop();
    this.authPhases = [];
    this.authPending = 0;
    // NCPs run on top of LCP: their lower layer is gone.
    this.ipcp.down(now);
    this.ccp.down(now);
    this.ccpRunning = false;
    if (this.closing) return;
    if (this.lcp.state === "Stopping") {
      // Terminate-Request from the peer (or its Protocol-Reject of LCP itself, which leaves an error). Before the
      // network is up, that is the server refusing us, not a clean end.
      this.error ??= this.lcp.error;
      if (!this.networkUp) this.error ??= peerHungUp(stage, this.terminateReason);
      this.peerTerminated = true;
    } else if (!this.networkUp) {
      // A Configure-Request after LCP opened, most often one retransmitted because its Ack was lost: before the
      // network is up that is ordinary renegotiation (RFC 1661, Opened + RCR). Authenticate again when LCP reopens.
      this.currentPhase = "establish";
      this.ipcpStarted = false;
      this.heldIpcpRequest = undefined;
      this.mppeKeys = undefined;
      this.authMethod = undefined;
    } else {
      this.error ??= lcpRenegotiated();
    }
  }

  private hangUpStage(): "authentication" | "encryption" | "network" {
    if (this.currentPhase === "authenticate") return "authentication";
    return this.ccpRunning && !this.mppeUp ? "encryption" : "network";
  }

  private lcpFinished(): void {
    this.error ??= this.lcp.error;
    this.finish();
  }

  private lcpTransition(event: FsmEventName, from: FsmState): void {
    // A server that sends Terminate-Request while we negotiate has given up on us; pppd would retry for 30 s.
    if (event === "RTR" && NEGOTIATING.has(from)) {
      this.error ??= peerEndedNegotiation(this.terminateReason, this.lcpOptions.refusedAuthentication);
    }
  }

  private ipcpUp(): void {
    const result = this.ipcpOptions.result();
    if ("code" in result) this.error ??= result;
    else if (this.error === undefined) {
      this.networkUp = true;
      this.events.push({ type: "ipcp-up", ...result });
    }
  }

  private ipcpDown(): void {
    // The peer ended IPCP on a working link (Terminate-Request, or Protocol-Reject which leaves an error): with no
    // network protocol left, the link has no use (pppd closes it too).
    if (this.lcp.state !== "Opened" || this.ipcp.state !== "Stopping") return;
    const error = this.ipcp.error;
    if (error !== undefined) this.error ??= error;
    else this.closeWanted = true;
  }

  private ipcpFinished(): void {
    if (this.currentPhase !== "network") return;
    const error = this.ipcp.error;
    if (error !== undefined) this.error ??= error;
    else this.closeWanted = true;
  }

  private ccpUp(now: number): void {
    const result = this.ccpOptions.result();
    if (result !== undefined && "code" in result) {
      this.error ??= result;
      return;
    }
    if (result !== undefined) {
      this.mppeUp = true;
      this.events.push({ type: "ccp-up", mppe: result });
    }
    this.startIpcp(now);
  }

  private ccpDown(): void {
    if (this.mppeUp && this.lcp.state === "Opened") this.error ??= mppeTurnedOff();
    this.mppeUp = false;
  }

  private ccpFinished(now: number): void {
    if (this.currentPhase !== "network") return;
    if (this.config.ccp.required) this.error ??= ccpFailed(this.ccp.error);
    else this.startIpcp(now);
  }

  private sendCcpResetRequest(): void {
    if (this.currentPhase !== "dead" && this.ccp.state === "Opened")
      this.ccp.sendCode(CpCode.ResetRequest, new Uint8Array(0));
  }

  private echoReplied(identifier: number, now: number): void {
    const rttMs = this.keepalive.answered(identifier, now);
    if (rttMs !== undefined) this.events.push({ type: "echo-rtt", rttMs });
  }

  private protocolRejected(protocol: number, now: number): void {
    if (protocol === PPP_PROTOCOL.IPCP) this.ipcp.protocolRejected(now);
    else if (protocol === PPP_PROTOCOL.CCP) this.ccp.protocolRejected(now);
  }

  private noteTerminateReason(info: Uint8Array): void {
    const packet = parseCpPacket(info);
    if (packet.ok && packet.value.code === CpCode.TerminateRequest) {
      this.terminateReason = latin1(packet.value.data.subarray(0, TERMINATE_REASON_MAX)).replace(
        /[^\x20-\x7e]/g,
        "",
      );
    }
  }

  private finish(): void {
    if (this.currentPhase === "dead") return;
    this.currentPhase = "dead";
    this.keepalive.stop();
    this.events.push(
      this.error === undefined ? { type: "finished" } : { type: "finished", error: this.error },
    );
  }
}
