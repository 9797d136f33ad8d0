/**
 * One PPP link (RFC 1661 section 3): Dead -> Establish (LCP) -> Authenticate -> Network (IPCP and CCP) -> Terminate.
 * It routes control packets by protocol, answers protocols we do not run with Protocol-Reject, keeps the link alive
 * with LCP Echo, and turns every way the link can end into one `finished` event. Data protocols (IP, MPPE) are the
 * session's business and never come here. Works in the client role and, for the test peer, in the server role.
 * The phases themselves are LinkAuthentication and NetworkPhase; this class runs LCP and decides when the link ends.
 */

import type { FerryError } from "../errors.js";
import { earliestDeadline } from "../util/deadline.js";
import type { RandomSource } from "../util/random.js";
import { CpCode } from "../wire/ppp-cp.js";
import { PPP_PROTOCOL } from "../wire/ppp-frame.js";
import type { ControlProtocolFsm } from "./fsm.js";
import type { FsmEventName, FsmState } from "./fsm-table.js";
import { LcpOptions } from "./lcp.js";
import { LcpEcho } from "./lcp-echo.js";
import { protocolRejectData, terminateRequestReason } from "./lcp-packets.js";
import { LinkAuthentication } from "./link-authentication.js";
import { automatonFactory } from "./link-automata.js";
import type { PppLinkConfig } from "./link-config.js";
import {
  lcpRenegotiated,
  peerDead,
  peerEndedNegotiation,
  peerHungUp,
  serverUnverified,
} from "./link-errors.js";
import type { PppEvent, PppPacket } from "./link-output.js";
import { NetworkPhase } from "./network-phase.js";

// The link's configuration and outputs are part of its API: callers take them from here with the link.
export type { PppAuthConfig, PppLinkConfig } from "./link-config.js";
export type { PppEvent, PppPacket } from "./link-output.js";

export type PppPhase = "dead" | "establish" | "authenticate" | "network" | "terminate";

const NEGOTIATING: ReadonlySet<FsmState> = new Set<FsmState>(["Req-Sent", "Ack-Rcvd", "Ack-Sent"]);

export class PppLink {
  private currentPhase: PppPhase = "dead";
  private started = false;
  private readonly lcpOptions: LcpOptions;
  private readonly lcp: ControlProtocolFsm;
  private readonly echo: LcpEcho;
  private readonly auth: LinkAuthentication;
  private readonly network: NetworkPhase;
  private readonly outbox: PppPacket[] = [];
  private readonly events: PppEvent[] = [];

  /** The first reason the link must end; later ones are consequences. */
  private error: FerryError | undefined;
  private closeWanted = false;
  private closing = false;
  private peerTerminated = false;
  private terminateReason = "";

  constructor(
    private readonly config: PppLinkConfig,
    random: RandomSource,
  ) {
    const { auth } = config;
    const send = (packet: PppPacket) => this.outbox.push(packet);
    const emit = (event: PppEvent) => this.events.push(event);
    const fail = (error: FerryError) => {
      this.error ??= error;
    };
    const automaton = automatonFactory(config, random, send);
    this.lcpOptions = new LcpOptions(
      {
        ...config.lcp,
        acceptAuth: auth.createClient === undefined ? [] : auth.allowedMethods,
        requireAuth: auth.createServer === undefined ? undefined : auth.require,
      },
      random,
      {
        echoReply: (identifier, now) => this.echo.replied(identifier, now),
        protocolRejected: (protocol, now) => this.network.protocolRejected(protocol, now),
        echoRefused: () => this.echo.refuse(),
      },
    );
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
    this.echo = new LcpEcho(config.echoIntervalMs, config.echoFailures, this.lcp, this.lcpOptions, emit);
    this.auth = new LinkAuthentication(auth, {
      send,
      emit,
      fail,
      authenticated: (now) => {
        if (this.currentPhase === "authenticate" && this.error === undefined) this.enterNetwork(now);
      },
    });
    this.network = new NetworkPhase(config, automaton, {
      inNetworkPhase: () => this.currentPhase === "network",
      lcpOpened: () => this.lcp.state === "Opened",
      failed: () => this.error !== undefined,
      fail,
      close: () => {
        this.closeWanted = true;
      },
      emit,
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
      this.terminateReason = terminateRequestReason(info) ?? this.terminateReason;
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
    this.network.decryptionFailed(now);
    this.settle(now);
  }

  /** A well-formed frame from the peer arrived (IP data included): the keepalive counts it as a sign of life. */
  heardFromPeer(now: number): void {
    this.echo.heard(now);
  }

  /** The path may have changed under the link: check that the peer still answers (one LCP echo, now). */
  probePeer(now: number): void {
    this.echo.probe(now);
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
      this.network.nextTimeout(),
      this.echo.nextTimeout(),
      this.auth.nextTimeout(),
    );
  }

  handleTimeout(now: number): void {
    if (this.currentPhase === "dead") return;
    this.lcp.handleTimeout(now);
    this.network.handleTimeout(now);
    this.auth.handleTimeout(now);
    if (this.echo.handleTimeout(now)) {
      // Nobody is there to ack a Terminate-Request: send one for form's sake and end now.
      this.error ??= peerDead(this.config.echoFailures, this.config.echoIntervalMs);
      this.closing = true;
      this.lcp.close(now);
      this.finish();
    }
    this.settle(now);
  }

  private routeAfterLcp(protocol: number, info: Uint8Array, now: number): void {
    if (this.auth.handlePacket(protocol, info, now)) return;
    // IP and MPPE are the session's business; never Protocol-Reject data we do run.
    if (protocol === PPP_PROTOCOL.IP || protocol === PPP_PROTOCOL.MPPE) return;
    if (!this.network.handlePacket(protocol, info, now)) this.rejectProtocol(protocol, info);
  }

  private rejectProtocol(protocol: number, info: Uint8Array): void {
    if (this.lcp.state !== "Opened") return;
    this.lcp.sendCode(CpCode.ProtocolReject, protocolRejectData(protocol, info, this.lcpOptions.peerMru));
  }

  /** Runs after every input: drives authentication, and ends the link once there is a reason to. */
  private settle(now: number): void {
    if (this.currentPhase === "dead") return;
    this.auth.pump(now);
    this.error ??= this.lcpOptions.failure ?? this.network.failure;
    if (this.peerTerminated) {
      // Our Terminate-Ack is queued; there is nothing more to wait for.
      this.finish();
      return;
    }
    if ((this.error !== undefined || this.closeWanted) && !this.closing) {
      this.closing = true;
      this.currentPhase = "terminate";
      this.echo.stop();
      this.lcp.close(now);
      // Closing waits for Terminate-Ack; from any other state LCP has nobody to tell.
      if (this.lcp.state !== "Closing") this.finish();
    }
  }

  private enterNetwork(now: number): void {
    this.currentPhase = "network";
    this.network.enter(now, this.auth.mppeKeys, this.auth.method);
  }

  private lcpUp(now: number): void {
    const lcp = this.lcpOptions;
    this.events.push({ type: "lcp-up", peerMru: lcp.peerMru, txPfc: lcp.txPfc, txAcfc: lcp.txAcfc });
    this.echo.start(now);
    this.currentPhase = "authenticate";
    const toPeer = lcp.authToPeer;
    const fromPeer = lcp.authFromPeer;
    if (toPeer === undefined && fromPeer === undefined && !this.config.auth.allowNoAuth) {
      this.error ??= serverUnverified();
      return;
    }
    if (!this.auth.begin(toPeer, fromPeer, now)) this.enterNetwork(now);
  }

  private lcpDown(now: number): void {
    const stage = this.hangUpStage(); // before the NCPs go down below
    this.echo.stop();
    this.auth.stop();
    this.network.lowerDown(now);
    if (this.closing) return;
    if (this.lcp.state === "Stopping") {
      // Terminate-Request from the peer (or its Protocol-Reject of LCP itself, which leaves an error). Before the
      // network is up, that is the server refusing us, not a clean end.
      this.error ??= this.lcp.error;
      if (!this.network.isUp) this.error ??= peerHungUp(stage, this.terminateReason);
      this.peerTerminated = true;
    } else if (!this.network.isUp) {
      // A Configure-Request after LCP opened, most often one retransmitted because its Ack was lost: before the
      // network is up that is ordinary renegotiation (RFC 1661, Opened + RCR). Authenticate again when LCP reopens.
      this.currentPhase = "establish";
      this.network.restart();
    } else {
      this.error ??= lcpRenegotiated();
    }
  }

  private hangUpStage(): "authentication" | "encryption" | "network" {
    return this.currentPhase === "authenticate" ? "authentication" : this.network.stage;
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

  private finish(): void {
    if (this.currentPhase === "dead") return;
    this.currentPhase = "dead";
    this.echo.stop();
    this.events.push(
      this.error === undefined ? { type: "finished" } : { type: "finished", error: this.error },
    );
  }
}
