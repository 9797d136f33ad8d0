/**
 * The link's Network phase: CCP first when MPPE is wanted (its keys come from authentication), then IPCP once CCP
 * has settled, holding the peer's IPCP Configure-Request that arrives meanwhile; and the CCP Reset-Requests that
 * keep stateful MPPE in step.
 */
import type { FerryError } from "../errors.js";
import { earliestDeadline } from "../util/deadline.js";
import { CpCode } from "../wire/ppp-cp.js";
import { PPP_PROTOCOL } from "../wire/ppp-frame.js";
import type { AuthMethod, MppeKeys } from "./auth/auth-phase.js";
import { type CcpConfig, CcpOptions, mppeEnabled } from "./ccp.js";
import { CcpResetPolicy } from "./ccp-reset.js";
import type { ControlProtocolFsm } from "./fsm.js";
import { type IpcpConfig, IpcpOptions } from "./ipcp.js";
import type { AutomatonFactory } from "./link-automata.js";
import { ccpFailed, mppeNotAllowed, mppeTurnedOff, noMppeKeys } from "./link-errors.js";
import type { PppEvent } from "./link-output.js";

/** What the Network phase needs from the link around it. */
export interface NetworkHost {
  /** The link is in its Network phase (not establishing, authenticating, terminating or dead). */
  inNetworkPhase(): boolean;
  lcpOpened(): boolean;
  /** The link already has a reason to end. */
  failed(): boolean;
  fail(error: FerryError): void;
  /** Ends the link cleanly. */
  close(): void;
  emit(event: PppEvent): void;
}

export class NetworkPhase {
  private readonly ccpReset = new CcpResetPolicy();
  private readonly ipcpOptions: IpcpOptions;
  private readonly ipcp: ControlProtocolFsm;
  private readonly ccpConfig: CcpConfig;
  private readonly ccpOptions: CcpOptions;
  private readonly ccp: ControlProtocolFsm;
  private ccpRunning = false;
  private mppeUp = false;
  private ipcpStarted = false;
  private networkUp = false;
  /** The peer's IPCP Configure-Request that arrived while IPCP waited for CCP, answered once IPCP starts. */
  private heldIpcpRequest: Uint8Array | undefined;

  constructor(
    config: { readonly ipcp: IpcpConfig; readonly ccp: CcpConfig },
    automaton: AutomatonFactory,
    private readonly host: NetworkHost,
  ) {
    this.ccpConfig = config.ccp;
    this.ipcpOptions = new IpcpOptions(config.ipcp);
    this.ccpOptions = new CcpOptions(config.ccp, {
      resetRequested: () => host.emit({ type: "ccp-reset-request" }),
      resetAcked: () => this.ccpReset.acked(),
    });
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

  /** IPCP is up: the session may send IP. */
  get isUp(): boolean {
    return this.networkUp;
  }

  /** How far the network got, for the error when the peer hangs up on it. */
  get stage(): "encryption" | "network" {
    return this.ccpRunning && !this.mppeUp ? "encryption" : "network";
  }

  /** The first option negotiation that cannot succeed. */
  get failure(): FerryError | undefined {
    return this.ipcpOptions.failure ?? this.ccpOptions.failure;
  }

  /** Authentication is done (or there was none): start CCP, or IPCP at once when there is no MPPE to negotiate. */
  enter(now: number, mppeKeys: MppeKeys | undefined, authMethod: AuthMethod | undefined): void {
    const ccp = this.ccpConfig;
    if (mppeEnabled(ccp) && mppeKeys !== undefined) {
      // MPPE keys come from authentication, so CCP can only start now; IPCP follows once CCP settles.
      this.ccpRunning = true;
      this.ccp.open(now);
      this.ccp.up(now);
    } else if (ccp.required) {
      this.host.fail(mppeEnabled(ccp) ? noMppeKeys(authMethod) : mppeNotAllowed());
    } else {
      this.startIpcp(now);
    }
  }

  /** An IPCP or CCP packet once LCP is up; false when the link should Protocol-Reject it. */
  handlePacket(protocol: number, info: Uint8Array, now: number): boolean {
    switch (protocol) {
      case PPP_PROTOCOL.IPCP:
        if (this.ipcpStarted) this.ipcp.handlePacket(info, now);
        else if (this.host.inNetworkPhase() && info[0] === CpCode.ConfigureRequest)
          this.heldIpcpRequest = info.slice();
        return true;
      case PPP_PROTOCOL.CCP:
        if (!this.host.inNetworkPhase()) return true;
        if (!this.ccpRunning) return false;
        this.ccp.handlePacket(info, now);
        return true;
      default:
        // IPV6CP (Debian's pppd offers it), and anything else we do not run.
        return false;
    }
  }

  /** The peer Protocol-Rejected one of our network protocols. */
  protocolRejected(protocol: number, now: number): void {
    if (protocol === PPP_PROTOCOL.IPCP) this.ipcp.protocolRejected(now);
    else if (protocol === PPP_PROTOCOL.CCP) this.ccp.protocolRejected(now);
  }

  /** LCP went down: the NCPs run on top of it, so their lower layer is gone. */
  lowerDown(now: number): void {
    this.ipcp.down(now);
    this.ccp.down(now);
    this.ccpRunning = false;
  }

  /** LCP renegotiates before the network came up: IPCP waits for the next Network phase. */
  restart(): void {
    this.ipcpStarted = false;
    this.heldIpcpRequest = undefined;
  }

  /** Stateful MPPE could not decrypt: ask the peer to re-key, with pppd's pacing. */
  decryptionFailed(now: number): void {
    if (this.ccpReset.failed(now)) this.sendCcpResetRequest();
  }

  nextTimeout(): number | undefined {
    return earliestDeadline(this.ipcp.nextTimeout(), this.ccp.nextTimeout(), this.ccpReset.nextTimeout());
  }

  handleTimeout(now: number): void {
    this.ipcp.handleTimeout(now);
    this.ccp.handleTimeout(now);
    if (this.ccpReset.handleTimeout(now)) this.sendCcpResetRequest();
  }

  /**
   * IPCP starts once CCP has settled, as pppd does when it wants MPPE (its IPCP would Terminate-Ack an early
   * request and cost us a restart period), so that ipcp-up also tells the session whether to encrypt.
   */
  private startIpcp(now: number): void {
    if (this.ipcpStarted || this.host.failed()) return;
    this.ipcpStarted = true;
    this.ipcp.open(now);
    this.ipcp.up(now);
    const held = this.heldIpcpRequest;
    this.heldIpcpRequest = undefined;
    if (held !== undefined) this.ipcp.handlePacket(held, now);
  }

  private ipcpUp(): void {
    const result = this.ipcpOptions.result();
    if ("code" in result) this.host.fail(result);
    else if (!this.host.failed()) {
      this.networkUp = true;
      this.host.emit({ type: "ipcp-up", ...result });
    }
  }

  private ipcpDown(): void {
    // The peer ended IPCP on a working link (Terminate-Request, or Protocol-Reject which leaves an error): with no
    // network protocol left, the link has no use (pppd closes it too).
    if (!this.host.lcpOpened() || this.ipcp.state !== "Stopping") return;
    this.endForIpcp();
  }

  private ipcpFinished(): void {
    if (this.host.inNetworkPhase()) this.endForIpcp();
  }

  /** IPCP ended for good: the link ends with IPCP's error, or cleanly when it has none. */
  private endForIpcp(): void {
    const error = this.ipcp.error;
    if (error !== undefined) this.host.fail(error);
    else this.host.close();
  }

  private ccpUp(now: number): void {
    const result = this.ccpOptions.result();
    if (result !== undefined && "code" in result) {
      this.host.fail(result);
      return;
    }
    if (result !== undefined) {
      this.mppeUp = true;
      this.host.emit({ type: "ccp-up", mppe: result });
    }
    this.startIpcp(now);
  }

  private ccpDown(): void {
    if (this.mppeUp && this.host.lcpOpened()) this.host.fail(mppeTurnedOff());
    this.mppeUp = false;
  }

  private ccpFinished(now: number): void {
    if (!this.host.inNetworkPhase()) return;
    if (this.ccpConfig.required) this.host.fail(ccpFailed(this.ccp.error));
    else this.startIpcp(now);
  }

  private sendCcpResetRequest(): void {
    // CCP is Opened only while LCP is: a link that went down has nothing to re-key.
    if (this.ccp.state === "Opened") this.ccp.sendCode(CpCode.ResetRequest, new Uint8Array(0));
  }
}
