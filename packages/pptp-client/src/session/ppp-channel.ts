import { GreLink, type GreLinkConfig } from "../gre/gre-link.js";
import { MppeDecrypter } from "../mppe/mppe-decrypter.js";
import { MppeEncrypter } from "../mppe/mppe-encrypter.js";
import type { MppeMode } from "../mppe/mppe-mode.js";
import type { MppeKeys } from "../ppp/auth/auth-phase.js";
import { type PppEvent, PppLink, type PppLinkConfig } from "../ppp/ppp-link.js";
import { earliestDeadline } from "../util/deadline.js";
import type { RandomSource } from "../util/random.js";
import { ViewQueue } from "../util/view-queue.js";
import { PPP_PROTOCOL } from "../wire/ppp-frame.js";
import { PppFramer } from "./ppp-framer.js";

/**
 * One call's data channel: PPP over enhanced GRE, encrypted with MPPE once CCP opens. It owns everything between a
 * GRE packet and an IP packet or PPP event, in either role, so the client session and the test server cannot drift
 * apart in how they frame, encrypt or re-synchronise.
 */
export class PppChannel {
  readonly gre: GreLink;
  private readonly framer: PppFramer;
  private link: PppLink | undefined;
  /** One queue for every packet we send, so they leave in GRE sequence order. */
  private readonly greOut = new ViewQueue();
  private readonly ipIn = new ViewQueue();
  private readonly events: PppEvent[] = [];
  private mppeKeys: MppeKeys | undefined;
  private mode: MppeMode | undefined;
  /** Frames that did not become packets: malformed, unencrypted, undecryptable. */
  dropped = 0;

  constructor(greConfig: GreLinkConfig) {
    this.gre = new GreLink(greConfig);
    this.framer = new PppFramer(this.gre);
  }

  get ppp(): PppLink | undefined {
    return this.link;
  }

  get mppe(): MppeMode | undefined {
    return this.mode;
  }

  /** The call is up: GRE may flow and PPP starts negotiating. */
  open(
    ourCallId: number,
    peerCallId: number,
    config: PppLinkConfig,
    random: RandomSource,
    now: number,
  ): void {
    if (this.link !== undefined) return;
    this.gre.setCallIds(ourCallId, peerCallId);
    this.link = new PppLink(config, random);
    this.link.start(now);
    this.drain(now);
  }

  /** One GRE packet from the peer (IP header removed). */
  receive(packet: Uint8Array, now: number): void {
    if (this.link === undefined) {
      this.dropped++;
      return;
    }
    this.gre.receive(packet, now);
    this.deliver(now);
  }

  /** Hands what GRE released in order (on arrival, or when a gap timed out) to IP or to the PPP link. */
  private deliver(now: number): void {
    const link = this.link;
    if (link === undefined) return;
    let sawControl = false;
    let heard = false;
    for (let payload = this.gre.pollPayload(); payload !== undefined; payload = this.gre.pollPayload()) {
      const frame = this.framer.open(payload);
      if (!frame.ok) {
        this.dropped++;
        continue;
      }
      heard = true;
      if (frame.protocol === PPP_PROTOCOL.IP) {
        this.ipIn.push(frame.info);
      } else {
        link.handlePacket(frame.protocol, frame.info, now);
        sawControl = true;
      }
    }
    if (heard) link.heardFromPeer(now);
    if (this.framer.takeDecryptFailure()) {
      link.decryptionFailed(now);
      sawControl = true;
    }
    if (sawControl) this.drain(now);
    else this.drainGre();
  }

  /** One IP packet to the peer. */
  sendIp(ip: Uint8Array, now: number): void {
    this.greOut.push(this.framer.seal(PPP_PROTOCOL.IP, ip, now));
  }

  /** A raw PPP packet (tests use it to offer protocols the link does not run, as real servers do). */
  sendPacket(protocol: number, info: Uint8Array, now: number): void {
    this.greOut.push(this.framer.seal(protocol, info, now));
  }

  /** LCP Terminate-Request. */
  close(now: number): void {
    this.link?.close(now);
    this.drain(now);
  }

  handleTimeout(now: number): void {
    this.gre.handleTimeout(now);
    this.deliver(now);
    this.link?.handleTimeout(now);
    this.drain(now);
  }

  nextTimeout(): number | undefined {
    return earliestDeadline(this.gre.nextTimeout(), this.link?.nextTimeout());
  }

  pollGre(): Uint8Array | undefined {
    return this.greOut.shift();
  }

  pollIp(): Uint8Array | undefined {
    return this.ipIn.shift();
  }

  /** PPP events, after the channel has applied what concerns framing and encryption. */
  pollEvent(): PppEvent | undefined {
    return this.events.shift();
  }

  /** Moves the link's packets onto GRE and applies its events, until nothing moves. */
  private drain(now: number): void {
    const link = this.link;
    if (link === undefined) return;
    for (let moved = true; moved; ) {
      moved = false;
      for (let packet = link.pollPacket(); packet !== undefined; packet = link.pollPacket()) {
        moved = true;
        this.greOut.push(this.framer.seal(packet.protocol, packet.info, now));
      }
      for (let event = link.pollEvent(); event !== undefined; event = link.pollEvent()) {
        moved = true;
        this.apply(event, now);
        this.events.push(event);
      }
    }
    this.drainGre();
  }

  private drainGre(): void {
    for (let packet = this.gre.pollPacket(); packet !== undefined; packet = this.gre.pollPacket()) {
      this.greOut.push(packet);
    }
  }

  private apply(event: PppEvent, now: number): void {
    switch (event.type) {
      case "lcp-up":
        this.framer.setTxFraming(event.txAcfc, event.txPfc);
        return;
      case "authenticated":
        this.mppeKeys = event.mppeKeys;
        return;
      case "ccp-up":
        // The link refuses to open CCP without keys, so they are here whenever MPPE is.
        if (this.mppeKeys === undefined) return;
        this.mode = event.mppe;
        // Stateful MPPE cannot decrypt a packet that comes after a later one: let GRE hold a gap briefly.
        this.gre.setInOrderDelivery(!event.mppe.stateless, now);
        this.framer.startMppe(
          new MppeEncrypter(this.mppeKeys.send, event.mppe),
          new MppeDecrypter(this.mppeKeys.recv, event.mppe),
        );
        return;
      case "ccp-reset-request":
        this.framer.resetEncrypter();
        return;
      default:
        return;
    }
  }
}
