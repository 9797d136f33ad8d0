import { ControlConnection, type ControlEvent } from "../control/control-connection.js";
import { type FerryError, ferryError } from "../errors.js";
import type { AuthMethod } from "../ppp/auth/auth-phase.js";
import type { PppEvent } from "../ppp/ppp-link.js";
import { earliestDeadline } from "../util/deadline.js";
import { randomU16 } from "../util/random.js";
import { resolveSessionConfig, type SessionConfig, type SessionOptions } from "./config.js";
import type { SessionEvent, SessionState, SessionStats } from "./events.js";
import { greLostError, serverSilentError } from "./path-errors.js";
import { PppChannel } from "./ppp-channel.js";
import { clientPppLinkConfig } from "./ppp-config.js";

/** MPPE adds its 2-byte header and the 2-byte inner protocol field to every encrypted frame. */
const MPPE_OVERHEAD = 4;

/**
 * One PPTP client session (PNS side): the control connection, one call, GRE, PPP and MPPE, composed as a pure state
 * machine. The caller moves bytes (TCP 1723, GRE packets, TUN packets) in through handle*() with the current time and
 * out through poll*(); nothing here touches a socket or a clock, and nothing the network sends can make it throw.
 */
export class PptpSession {
  private readonly config: SessionConfig;
  private readonly control: ControlConnection;
  private readonly channel: PppChannel;
  private readonly callId: number;
  private phase: SessionState = "idle";
  private readonly events: SessionEvent[] = [];
  private greDeadline: number | undefined;
  private greSeen = false;
  private lcpTerminateDeadline: number | undefined;
  private closeError: FerryError | undefined;
  private userClosing = false;
  /** LCP echoes unanswered in a row (0 while the peer answers); the PPTP echo probe tells the server from the path. */
  private lcpMisses = 0;
  /** TCP 1723 answered while LCP was silent: the server lives, its GRE does not reach us. */
  private pptpAnsweredWhileSilent = false;

  private peerMru = 1500;
  private authMethod: AuthMethod | undefined;
  private addresses: { local: string; peer: string; dns: readonly string[] } | undefined;
  private mtu = 0;

  private bytesIn = 0;
  private bytesOut = 0;
  private packetsIn = 0;
  private packetsOut = 0;
  private dropped = 0;
  private txDropped = 0;
  private lastRttMs: number | undefined;

  constructor(options: SessionOptions) {
    this.config = resolveSessionConfig(options);
    const { timers, random } = this.config;
    // Call ID 0 is what pptpd hands out itself; keep ours non-zero so traces tell the two ends apart.
    this.callId = (randomU16(random) % 0xfffe) + 1;
    this.control = new ControlConnection({
      hostName: this.config.hostName,
      vendorName: "Ferry",
      callId: this.callId,
      callSerialNumber: randomU16(random),
      recvWindowSize: timers.reorderPackets,
      replyTimeoutMs: timers.controlReplyMs,
      echoIntervalMs: timers.controlEchoIntervalMs,
      echoTimeoutMs: timers.controlEchoTimeoutMs,
      disconnectTimeoutMs: timers.controlDisconnectMs,
    });
    this.channel = new PppChannel({
      reorderTimeoutMs: timers.reorderTimeoutMs,
      maxReorderPackets: timers.reorderPackets,
      ackDelayMs: timers.ackDelayMs,
    });
  }

  get state(): SessionState {
    return this.phase;
  }

  /** Call once TCP 1723 is connected. */
  start(now: number): void {
    if (this.phase !== "idle") return;
    this.phase = "connecting";
    this.control.start(now);
    this.pump(now);
  }

  handleControlBytes(bytes: Uint8Array, now: number): void {
    this.control.handleBytes(bytes, now);
    this.pump(now);
  }

  /** The TCP connection closed or broke. */
  handleControlClosed(now: number): void {
    this.control.handleTransportClosed(now);
    this.pump(now);
  }

  /** One GRE packet from the server (IP header already removed). */
  handleGre(packet: Uint8Array, now: number): void {
    if (this.phase === "closed") return;
    this.channel.receive(packet, now);
    // Only a valid packet for our call proves GRE gets through; noise from elsewhere does not.
    if (!this.greSeen && this.channel.gre.lastReceiveTime !== undefined) {
      this.greSeen = true;
      this.greDeadline = undefined;
      this.emit({ type: "gre-received" });
    }
    this.pump(now);
  }

  /** One IP packet from the TUN device, to send through the tunnel. */
  handleTunPacket(ip: Uint8Array, now: number): void {
    if (this.phase !== "connected" || ip.length > this.mtu) {
      this.txDropped++;
      return;
    }
    this.channel.sendIp(ip, now);
    this.packetsOut++;
    this.bytesOut += ip.length;
  }

  handleTimeout(now: number): void {
    if (this.phase === "closed") return;
    this.control.handleTimeout(now);
    this.channel.handleTimeout(now);
    if (this.greDeadline !== undefined && now >= this.greDeadline) {
      this.greDeadline = undefined;
      this.fail(greTimeoutError(this.config.timers.greTimeoutMs), now);
    }
    if (this.lcpTerminateDeadline !== undefined && now >= this.lcpTerminateDeadline) {
      this.lcpTerminateDeadline = undefined;
      this.control.disconnect(now);
    }
    this.pump(now);
  }

  /**
   * The network under the tunnel changed (a route came back, a link went up): check now that the peer still answers
   * (one LCP echo), so a session that survived carries on and one that did not is noticed within the re-probe time.
   */
  probePeer(now: number): void {
    if (this.phase !== "connected") return;
    this.channel.ppp?.probePeer(now);
    this.pump(now);
  }

  /** Clean disconnect: LCP Terminate, Call-Clear-Request, Stop-Control-Connection; `closed` follows. */
  disconnect(now: number): void {
    if (this.phase === "closed" || this.userClosing) return;
    this.userClosing = true;
    this.beginClose(now);
    this.pump(now);
  }

  pollControlBytes(): Uint8Array | undefined {
    return this.control.pollBytes();
  }

  pollGre(): Uint8Array | undefined {
    return this.channel.pollGre();
  }

  /** The next IP packet for the TUN device; anything decrypted before the session is connected is dropped. */
  pollTun(): Uint8Array | undefined {
    for (let ip = this.channel.pollIp(); ip !== undefined; ip = this.channel.pollIp()) {
      if (this.phase !== "connected") {
        this.dropped++;
        continue;
      }
      this.packetsIn++;
      this.bytesIn += ip.length;
      return ip;
    }
    return undefined;
  }

  pollEvent(): SessionEvent | undefined {
    return this.events.shift();
  }

  /** The earliest time handleTimeout() wants to be called, if any. */
  pollTimeout(): number | undefined {
    if (this.phase === "closed") return undefined;
    return earliestDeadline(
      this.control.nextTimeout(),
      this.channel.nextTimeout(),
      this.greDeadline,
      this.lcpTerminateDeadline,
    );
  }

  stats(): SessionStats {
    const gre = this.channel.gre.counters;
    return {
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      packetsIn: this.packetsIn,
      packetsOut: this.packetsOut,
      lost: gre.rxLost,
      reordered: gre.rxReordered,
      duplicates: gre.rxDuplicates,
      dropped: this.dropped + this.channel.dropped + gre.rxMalformed + gre.rxWrongCallId + gre.rxStale,
      txDropped: this.txDropped,
      lastRttMs: this.lastRttMs,
    };
  }

  /** Processes every pending event of the children until nothing moves. */
  private pump(now: number): void {
    for (let moved = true; moved; ) {
      moved = false;
      for (let event = this.control.pollEvent(); event !== undefined; event = this.control.pollEvent()) {
        moved = true;
        this.onControlEvent(event, now);
      }
      for (let event = this.channel.pollEvent(); event !== undefined; event = this.channel.pollEvent()) {
        moved = true;
        this.onPppEvent(event, now);
      }
    }
  }

  private onControlEvent(event: ControlEvent, now: number): void {
    switch (event.type) {
      case "control-established":
        this.emit({
          type: "control-established",
          serverHostName: event.hostName,
          serverVendor: event.vendorName,
        });
        return;
      case "call-established": {
        if (this.channel.ppp !== undefined || this.phase !== "connecting") return;
        this.emit({ type: "call-established", callId: this.callId, peerCallId: event.peerCallId });
        this.greDeadline = now + this.config.timers.greTimeoutMs;
        this.channel.open(
          this.callId,
          event.peerCallId,
          clientPppLinkConfig(this.config),
          this.config.random,
          now,
        );
        return;
      }
      case "echo-rtt":
        if (this.lcpMisses > 0) this.pptpAnsweredWhileSilent = true;
        this.emit({ type: "rtt", rttMs: event.rttMs, via: "pptp-echo" });
        return;
      case "probe-unanswered":
        // An LCP answer since the probe went out (even a late one) means the path works after all.
        if (this.lcpMisses > 0) this.fail(serverSilentError(this.lcpMisses, event.timeoutMs), now);
        return;
      case "set-link-info":
      case "wan-error":
        return;
      case "closed":
        this.phase = "closed";
        this.emit(closedEvent(this.closeError ?? this.explainHangUp(event.error)));
        return;
    }
  }

  private onPppEvent(event: PppEvent, now: number): void {
    switch (event.type) {
      case "lcp-up":
        this.peerMru = event.peerMru;
        this.emit({ type: "link-established", peerMru: event.peerMru });
        return;
      case "authenticated":
        this.authMethod = event.method;
        this.emit({ type: "authenticated", method: event.method });
        return;
      case "ccp-up":
        this.emit({ type: "encryption", mppe: event.mppe });
        return;
      case "ccp-reset-request":
        return;
      case "ipcp-up":
        this.addresses = { local: event.localAddress, peer: event.peerAddress, dns: event.dns };
        this.maybeConnected();
        return;
      case "echo-missed":
        this.lcpEchoMissed(event.unanswered, now);
        return;
      case "echo-rtt":
        this.lcpMisses = 0;
        this.pptpAnsweredWhileSilent = false;
        this.lastRttMs = event.rttMs;
        this.emit({ type: "rtt", rttMs: event.rttMs, via: "lcp-echo" });
        return;
      case "finished":
        this.lcpTerminateDeadline = undefined;
        if (this.phase === "disconnecting") {
          this.control.disconnect(now);
          return;
        }
        this.fail(this.explainPeerDead(event.error) ?? serverTerminatedError(), now);
        return;
    }
  }

  /** At the first unanswered LCP echo, ask TCP 1723 too: a reset, a reply or silence each tell something apart. */
  private lcpEchoMissed(unanswered: number, now: number): void {
    const first = this.lcpMisses === 0;
    this.lcpMisses = unanswered;
    this.emit({ type: "echo-unanswered", unanswered });
    if (first) this.control.probe(now, this.config.timers.controlEchoProbeMs);
  }

  private explainPeerDead(error: FerryError | undefined): FerryError | undefined {
    return error?.code === "PEER_DEAD" && this.pptpAnsweredWhileSilent ? greLostError(error) : error;
  }

  /**
   * A server that hangs up right after the call is set up, before any GRE came back, almost always had its own GRE
   * refused on the way (pptpd hangs up on an ICMP unreachable for it): say so instead of a bare "server stopped".
   */
  private explainHangUp(error: FerryError | undefined): FerryError | undefined {
    if (error === undefined || this.greSeen || this.channel.ppp === undefined || this.userClosing)
      return error;
    if (error.code !== "SERVER_STOPPED" && error.code !== "CALL_DISCONNECTED") return error;
    return ferryError(
      error.code,
      "The server hung up right after setting up the call, before any GRE came back: its GRE (IP protocol 47) was most likely refused on the way, e.g. by a NAT router without a PPTP helper answering it with ICMP unreachable.",
      "Enable PPTP passthrough (the nf_conntrack_pptp/nf_nat_pptp helpers) on the NAT router, allow IP protocol 47 on every firewall on the path, or connect through a Ferry relay.",
      { ...error.detail, serverMessage: error.message, greReceived: false },
    );
  }

  private maybeConnected(): void {
    if (this.phase !== "connecting" || this.addresses === undefined) return;
    const mppe = this.channel.mppe;
    if (this.config.mppe.required && mppe === undefined) return;
    this.phase = "connected";
    const overhead = mppe === undefined ? 0 : MPPE_OVERHEAD;
    this.mtu = Math.min(this.config.mtu, this.peerMru - overhead);
    this.emit({
      type: "connected",
      localAddress: this.addresses.local,
      peerAddress: this.addresses.peer,
      dns: this.addresses.dns,
      mtu: this.mtu,
      mppe,
      authMethod: this.authMethod ?? "mschapv2",
    });
  }

  /** Ends the session with an error: the first error wins, later ones are consequences. */
  private fail(error: FerryError, now: number): void {
    if (this.phase === "closed") return;
    this.closeError ??= error;
    if (this.phase === "disconnecting") return;
    this.phase = "disconnecting";
    this.control.disconnect(now);
  }

  private beginClose(now: number): void {
    // An LCP Terminate-Request cannot reach a server whose GRE never got through: hang up the call at once.
    const lcpRunning = this.channel.ppp !== undefined && this.phase !== "disconnecting" && this.greSeen;
    this.phase = "disconnecting";
    if (lcpRunning) {
      this.channel.close(now);
      this.lcpTerminateDeadline = now + this.config.timers.lcpTerminateMs;
    } else {
      this.control.disconnect(now);
    }
  }

  private emit(event: SessionEvent): void {
    this.events.push(event);
  }
}

function closedEvent(error: FerryError | undefined): SessionEvent {
  return error === undefined ? { type: "closed" } : { type: "closed", error };
}

function greTimeoutError(timeoutMs: number): FerryError {
  return ferryError(
    "GRE_TIMEOUT",
    `TCP 1723 reached the server but no GRE came back within ${timeoutMs / 1000} s: a firewall or NAT without a PPTP helper is dropping IP protocol 47.`,
    "Enable PPTP passthrough (the nf_conntrack_pptp/nf_nat_pptp helpers) on the NAT router, allow IP protocol 47 on every firewall on the path, or connect through a Ferry relay (wrap transport).",
    { timeoutMs },
  );
}

function serverTerminatedError(): FerryError {
  return ferryError(
    "SERVER_STOPPED",
    "The server ended the PPP link (LCP Terminate-Request).",
    "The server may have an idle timeout or an administrator disconnected you; connect again, and ask the server's administrator if it keeps happening.",
  );
}
