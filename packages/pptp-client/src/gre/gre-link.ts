import { earliestDeadline } from "../util/deadline.js";
import { ViewQueue } from "../util/view-queue.js";
import {
  greAck,
  greCallId,
  greHasAck,
  greHasSeq,
  greHeaderLength,
  greHeaderLengthOf,
  greHeaderProblem,
  grePayloadLength,
  greSeq,
  writeGreHeaderFields,
} from "../wire/gre.js";
import { MAX_REORDER_PACKETS, ReceiveWindow } from "./receive-window.js";

export interface GreLinkConfig {
  /** In-order mode only: how long packets wait behind a gap for the late one (pptp-linux --timeout); 0 never waits. */
  reorderTimeoutMs: number;
  /**
   * The receive window: this many sequence numbers up to the newest received; a late packet inside it is still taken,
   * once, and in in-order mode nothing is held outside it. 0 takes no late packet and holds nothing (like
   * pptp-linux --nobuffer).
   */
  maxReorderPackets: number;
  /** Send an ack-only packet if no data went out this long after we received data. */
  ackDelayMs: number;
}

/**
 * rxPackets counts every packet handed to receive() and txPackets every packet the link produced (data and
 * ack-only); the other counters are subsets. Every data packet is delivered, held, or dropped for one reason:
 * rxDuplicates (a replay of a number already taken, within the window) or rxStale (behind the window, before the
 * first packet, or in in-order mode after its gap was skipped). rxLost is the gaps in the sequence not filled (yet):
 * a late packet filling one moves it from rxLost to rxReordered.
 */
export interface GreCounters {
  rxPackets: number;
  rxDelivered: number;
  rxDuplicates: number;
  rxStale: number;
  rxLost: number;
  rxReordered: number;
  rxMalformed: number;
  rxWrongCallId: number;
  rxAckOnly: number;
  txPackets: number;
  txAckOnly: number;
}

const ACK_ONLY_LENGTH = greHeaderLength(false, true);

/**
 * One call's enhanced-GRE data channel (RFC 2637 section 4), sans-IO: sequence numbers and piggybacked
 * acknowledgements on the way out; validation, call-id filtering and the replay window on the way in. Acks received
 * are only recorded: like pptpd and Linux, we run no sliding-window flow control.
 *
 * Received packets go on at once, in whatever order they come (see ReceiveWindow), as Linux's pptp.c and Windows
 * do, until setInOrderDelivery(true): only stateful MPPE needs order, and a gap costs it a CCP Reset-Request anyway.
 */
export class GreLink {
  readonly counters: GreCounters = {
    rxPackets: 0,
    rxDelivered: 0,
    rxDuplicates: 0,
    rxStale: 0,
    rxLost: 0,
    rxReordered: 0,
    rxMalformed: 0,
    rxWrongCallId: 0,
    rxAckOnly: 0,
    txPackets: 0,
    txAckOnly: 0,
  };
  private readonly payloads = new ViewQueue(64);
  private readonly packets = new ViewQueue(4);
  private readonly receiveWindow: ReceiveWindow;
  private readonly ackDelayMs: number;
  private ourCallId: number | undefined;
  private peerCallId = 0;
  private nextSeq = 0;
  private dataSent = false;
  /** Something was delivered since we last acknowledged. */
  private ackPending = false;
  private ackDeadline = 0;
  private lastReceive: number | undefined;
  private highestPeerAck: number | undefined;

  constructor(config: GreLinkConfig) {
    const { reorderTimeoutMs, maxReorderPackets, ackDelayMs } = config;
    if (!(reorderTimeoutMs >= 0) || !(ackDelayMs >= 0)) {
      throw new RangeError("GRE reorder timeout and ack delay must be non-negative numbers of milliseconds");
    }
    if (
      !Number.isInteger(maxReorderPackets) ||
      maxReorderPackets < 0 ||
      maxReorderPackets > MAX_REORDER_PACKETS
    ) {
      throw new RangeError(`GRE receive window must be an integer from 0 to ${MAX_REORDER_PACKETS}`);
    }
    this.ackDelayMs = ackDelayMs;
    this.receiveWindow = new ReceiveWindow(maxReorderPackets, reorderTimeoutMs, this.payloads, this.counters);
  }

  /**
   * Whether payloads must come out in sequence order, holding later packets behind a gap for up to
   * reorderTimeoutMs. For stateful MPPE only: its RC4 stream cannot decrypt a packet that comes after a later one,
   * and a gap it sees costs a CCP Reset-Request and every packet until the peer re-keys, so a short hold that lets a
   * merely reordered packet fill its gap pays; a real loss then costs the hold on top. Stateless MPPE, like no MPPE,
   * wants packets at once: a packet behind a gap decrypts from its own coherency count, and a late one within the
   * window decrypts with the key the decrypter kept for its count (mppe-recent-keys.ts). Called when CCP opens.
   */
  setInOrderDelivery(inOrder: boolean, now: number): void {
    const ackBefore = this.receiveWindow.acknowledged;
    this.receiveWindow.setInOrder(inOrder);
    this.ackIfMoved(ackBefore, now);
  }

  /** Packets held behind a gap (in-order delivery only). */
  get heldPackets(): number {
    return this.receiveWindow.buffered;
  }

  /** Known once the call is set up: ourCallId is what the peer puts in the key of packets to us; peerCallId goes in ours. */
  setCallIds(ourCallId: number, peerCallId: number): void {
    this.ourCallId = ourCallId & 0xffff;
    this.peerCallId = peerCallId & 0xffff;
  }

  /** Last valid packet from the peer (data or ack): for GRE_TIMEOUT detection. */
  get lastReceiveTime(): number | undefined {
    return this.lastReceive;
  }

  /** The highest of our sequence numbers the peer has acknowledged, if any. */
  get peerAck(): number | undefined {
    return this.highestPeerAck;
  }

  /**
   * Writes a header before buf[payloadOff, payloadOff+payloadLen) (payloadOff >= GRE_MAX_HEADER_LENGTH) with the next
   * sequence number and a piggybacked ack if one is owed; returns the whole packet as a subarray of buf.
   * Allocation-free apart from the returned view. (Sending starts no timer, so the time is not needed yet; it stays
   * in the signature so every input of the core carries it.)
   */
  seal(buf: Uint8Array, payloadOff: number, payloadLen: number, _now: number): Uint8Array {
    const ack = this.ackPending ? this.receiveWindow.acknowledged : undefined;
    const start = writeGreHeaderFields(buf, payloadOff, this.peerCallId, payloadLen, this.nextSeq, ack);
    this.nextSeq = (this.nextSeq + 1) >>> 0;
    this.dataSent = true;
    this.ackPending = false;
    this.counters.txPackets++;
    return buf.subarray(start, payloadOff + payloadLen);
  }

  /** One GRE packet from the peer (no IP header). Payloads come out of pollPayload, each at most once. */
  receive(packet: Uint8Array, now: number): void {
    const counters = this.counters;
    counters.rxPackets++;
    if (greHeaderProblem(packet) !== undefined) {
      counters.rxMalformed++;
      return;
    }
    if (greCallId(packet) !== this.ourCallId) {
      counters.rxWrongCallId++;
      return;
    }
    const hasSeq = greHasSeq(packet);
    const hasAck = greHasAck(packet);
    const payloadLength = grePayloadLength(packet);
    // Without a sequence number a packet may only be an acknowledgement, and then it carries no payload.
    if (!hasSeq && (!hasAck || payloadLength !== 0)) {
      counters.rxMalformed++;
      return;
    }
    this.lastReceive = now;
    if (hasAck) this.recordPeerAck(greAck(packet));
    if (!hasSeq) {
      counters.rxAckOnly++;
      return;
    }
    const headerLength = greHeaderLengthOf(packet);
    const ackBefore = this.receiveWindow.acknowledged;
    this.receiveWindow.accept(
      greSeq(packet),
      packet.subarray(headerLength, headerLength + payloadLength),
      now,
    );
    this.receiveWindow.expire(now);
    this.ackIfMoved(ackBefore, now);
  }

  /** A received payload: a subarray of the packet given to receive() (no copy). */
  pollPayload(): Uint8Array | undefined {
    return this.payloads.shift();
  }

  /** Packets the link made itself (ack-only). */
  pollPacket(): Uint8Array | undefined {
    return this.packets.shift();
  }

  nextTimeout(): number | undefined {
    return earliestDeadline(this.receiveWindow.deadline(), this.ackPending ? this.ackDeadline : undefined);
  }

  handleTimeout(now: number): void {
    const ackBefore = this.receiveWindow.acknowledged;
    this.receiveWindow.expire(now);
    this.ackIfMoved(ackBefore, now);
    if (this.ackPending && now >= this.ackDeadline) this.queueAckOnly();
  }

  /**
   * The ack clock starts when the number we acknowledge moves on (a late packet does not move it); later moves ride
   * on the same deadline.
   */
  private ackIfMoved(ackBefore: number | undefined, now: number): void {
    if (this.ackPending || this.receiveWindow.acknowledged === ackBefore) return;
    this.ackPending = true;
    this.ackDeadline = now + this.ackDelayMs;
  }

  private queueAckOnly(): void {
    const packet = new Uint8Array(ACK_ONLY_LENGTH);
    writeGreHeaderFields(
      packet,
      ACK_ONLY_LENGTH,
      this.peerCallId,
      0,
      undefined,
      this.receiveWindow.acknowledged,
    );
    this.packets.push(packet);
    this.ackPending = false;
    this.counters.txPackets++;
    this.counters.txAckOnly++;
  }

  /** Keeps the highest ack (serial order) for a packet we really sent; anything else is ignored. */
  private recordPeerAck(ack: number): void {
    if (!this.dataSent) return;
    const lastSent = (this.nextSeq - 1) >>> 0;
    if (((lastSent - ack) | 0) < 0) return;
    if (this.highestPeerAck === undefined || ((ack - this.highestPeerAck) | 0) > 0) this.highestPeerAck = ack;
  }
}
